// The npm package as users get it: `npm pack` of this checkout, its file
// list checked, the tarball installed into fresh projects (from npm's cache
// when it has the dependencies), then smoke cases run there with nothing of
// this checkout on the module path: plain `node` (git push, clone and fsck
// against `import 'open-artifacts'`), the `open-artifacts` bin, and a Worker
// bundled by esbuild from the installed package and run in real workerd.
// A file missing from package.json "files" or "exports" fails a case, and the
// failure names the missing path first.
//
// Installs (INSTALLS): "full" is a default install (optional dependencies
// included; install scripts skipped, so better-sqlite3's native module is
// first missing, then copied from this checkout's build of the same
// version); "no-optional" is `--omit=optional` (no better-sqlite3 at all).
// A new entry point gets a smoke case of its own in SMOKE_CASES: a fixture
// under tests/pack/ (copied into each project) and a run(project, t).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { formatEsbuildErrors, startBundledWorker } from './workerd-harness.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'tests/pack');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const NAME = PKG.name;
const INSTALL_TIMEOUT_MS = 240_000; // only a cold npm cache goes to the registry
const RUN_TIMEOUT_MS = 90_000;

let scratch; // temp dir: the tarball, the projects, HOME for git
let tarball; // { path, files: Set<string> } (paths inside the package)
before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'oa-pack-'));
  mkdirSync(join(scratch, 'home'));
  tarball = await pack();
});
after(() => scratch && rmSync(scratch, { recursive: true, force: true }));

// ------------------------------------------------------------- processes

// The environment of npm as the test's caller has it, minus what an
// enclosing `npm test` exports (npm_config_*, npm_package_*): those describe
// this checkout, not the scratch project.
function npmEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}
// Node scripts, the bin and git: no user or system git config, no prompts.
function plainEnv(extra = {}) {
  return { PATH: process.env.PATH, HOME: join(scratch, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

// Runs a command; resolves { code, stdout, stderr } (never rejects on a non-zero exit).
function run(cmd, args, { cwd = scratch, env = plainEnv(), timeout = RUN_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? error.signal ?? 'error') : 0, stdout, stderr }),
    );
  });
}
async function ok(cmd, args, options) {
  const r = await run(cmd, args, options);
  assert.equal(r.code, 0, explain(`${cmd} ${args.join(' ')} exited ${r.code}`, `${r.stdout}\n${r.stderr}`));
  return r.stdout;
}

// What a failure says about the package, first: the path a user's import
// could not find, and where it should have been declared.
export function packagingProblems(text) {
  const problems = new Set();
  for (const line of String(text).split('\n')) {
    let m;
    if ((m = /Cannot find (?:module|package) '([^']+)'/.exec(line))) {
      const inPackage = new RegExp(`node_modules/${NAME}/(.+)$`).exec(m[1]);
      problems.add(
        inPackage
          ? `the installed package lacks ${inPackage[1]} (missing from package.json "files"?)`
          : `${m[1]} cannot be resolved from the installed package (missing from package.json "dependencies"?)`,
      );
    }
    if ((m = /Package subpath '([^']+)' is not defined by "exports"/.exec(line))) {
      problems.add(`${NAME}${m[1].slice(1)} is not in package.json "exports"`);
    }
    if ((m = new RegExp(`node_modules/${NAME}/([^:]+):\\d+: Could not resolve "(\\.[^"]+)"`).exec(line))) {
      problems.add(`the installed package lacks ${posix.join(posix.dirname(m[1]), m[2])}, imported by ${m[1]} (missing from package.json "files"?)`);
    } else if ((m = /Could not resolve "([^"]+)"/.exec(line))) {
      problems.add(`esbuild could not resolve "${m[1]}" (not exported, not installed, or a node: module in a Workers/browser entry): ${line.trim()}`);
    }
    if ((m = /The path "([^"]+)" is not exported by package/.exec(line))) problems.add(`${NAME}${m[1].slice(1)} is not in package.json "exports"`);
    if ((m = new RegExp(`ENOENT[^']*'([^']*node_modules/${NAME}/([^']+))'`).exec(line))) {
      problems.add(`the installed package lacks ${m[2]} (missing from package.json "files"?)`);
    }
  }
  return [...problems];
}
function explain(what, output) {
  const problems = packagingProblems(output);
  return `${problems.length > 0 ? `PACKAGING: ${problems.join('\n  ')}\n` : ''}${what}\n${output}`;
}

const git = (args, cwd) => ok('git', ['-c', 'user.name=Pack Smoke', '-c', 'user.email=pack@example.test', '-c', 'init.defaultBranch=main', ...args], { cwd });

// ------------------------------------------------------------ the tarball

async function pack() {
  const dest = join(scratch, 'tarball');
  mkdirSync(dest);
  const out = await ok('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, '--loglevel=error'], { cwd: ROOT, env: npmEnv() });
  const [info] = JSON.parse(out);
  return { path: join(dest, info.filename), files: new Set(info.files.map((f) => f.path)) };
}

// Every file under a folder of this checkout, as package paths.
function checkoutFiles(dir) {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(ROOT, join(d.parentPath ?? d.path, d.name)).split('\\').join('/'));
}

// Every path package.json points at: exports (all conditions), types, bin.
function declaredTargets(value = [PKG.exports, PKG.types, PKG.bin], out = []) {
  if (typeof value === 'string') out.push(value.replace(/^\.\//, ''));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) declaredTargets(v, out);
  return out;
}

test('npm pack: the tarball holds the wasm, the glue, js/src, js/bin and the types, and nothing of build/, tests/ or node_modules/', () => {
  const { files } = tarball;
  const required = [
    'package.json',
    'README.md',
    'js/dist/open_artifacts_core.wasm',
    'js/dist/open_artifacts_core.mjs',
    'js/index.d.ts',
    'js/node.d.ts',
    ...checkoutFiles('js/src'),
    ...checkoutFiles('js/bin'),
    ...declaredTargets(),
  ];
  const missing = [...new Set(required)].filter((f) => !files.has(f));
  assert.deepEqual(missing, [], `the tarball lacks ${missing.join(', ')} (package.json "files")`);
  const forbidden = ['build/', 'tests/', 'node_modules/', 'core/', 'bindings/', 'bench/', 'examples/', 'scripts/'];
  const stray = [...files].filter((f) => forbidden.some((dir) => f.startsWith(dir)));
  assert.deepEqual(stray, [], `the tarball must not ship ${stray.join(', ')}`);
  assert.ok(checkoutFiles('js/src').length > 20, 'js/src was walked');
});

// ----------------------------------------------------------- the projects

// The versions this checkout's package-lock.json holds for the package's
// dependencies and theirs (each name with one version there), pinned in the
// scratch projects (npm `overrides`): the install then takes what `npm ci`
// left in npm's cache and needs the registry only on a cold cache, and the
// native module copied into "full" matches its better-sqlite3.
function pinnedDependencies() {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages;
  // Node's lookup: <from>/node_modules/<name>, then each enclosing node_modules.
  const locate = (from, name) => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock[key]) return key;
      if (!dir) return null;
    }
  };
  const versions = new Map(); // name -> Set of versions
  const seen = new Set();
  const visit = (from, deps) => {
    for (const name of Object.keys(deps ?? {})) {
      const key = locate(from, name);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      versions.set(name, (versions.get(name) ?? new Set()).add(lock[key].version));
      visit(key, { ...lock[key].dependencies, ...lock[key].optionalDependencies });
    }
  };
  visit('', { ...PKG.dependencies, ...PKG.optionalDependencies });
  return Object.fromEntries([...versions].filter(([, v]) => v.size === 1).map(([name, v]) => [name, [...v][0]]));
}

const INSTALLS = {
  full: {
    flags: [],
    // better-sqlite3 is there but unbuilt (scripts were skipped): note what
    // SqliteStorage says then, and copy in this checkout's native module.
    async after(project) {
      const sqliteDir = join(project.dir, 'node_modules/better-sqlite3');
      assert.ok(existsSync(sqliteDir), 'a default install includes the optional better-sqlite3');
      project.unbuiltProbe = await nodeSmoke(project, { storage: 'none' });
      const version = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
      const ours = join(ROOT, 'node_modules/better-sqlite3');
      assert.equal(version(sqliteDir), version(ours), 'the same better-sqlite3 as this checkout (npm ci to sync node_modules)');
      const release = 'build/Release/better_sqlite3.node';
      mkdirSync(join(sqliteDir, 'build/Release'), { recursive: true });
      copyFileSync(join(ours, release), join(sqliteDir, release));
    },
  },
  'no-optional': {
    flags: ['--omit=optional'],
    async after(project) {
      assert.ok(!existsSync(join(project.dir, 'node_modules/better-sqlite3')), '--omit=optional leaves better-sqlite3 out');
    },
  },
};

const projects = new Map(); // install name -> Promise<project>
// A fresh project with the tarball installed (once per install kind): { dir, pkgDir, kind }.
function project(kind) {
  if (!projects.has(kind)) projects.set(kind, installProject(kind));
  return projects.get(kind);
}
async function installProject(kind) {
  const dir = join(scratch, `project-${kind}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `oa-pack-smoke-${kind}`, private: true, type: 'module', overrides: pinnedDependencies() }, null, 2),
  );
  for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(dir, f));
  await ok(
    'npm',
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error', ...INSTALLS[kind].flags, tarball.path],
    { cwd: dir, env: npmEnv(), timeout: INSTALL_TIMEOUT_MS },
  );
  const p = { kind, dir, pkgDir: join(dir, 'node_modules', NAME) };
  await INSTALLS[kind].after?.(p);
  return p;
}

// --------------------------------------------------------- smoke helpers

// tests/pack/node-smoke.mjs in the project, with plain node: its JSON report.
async function nodeSmoke(p, options) {
  const r = await run(process.execPath, [join(p.dir, 'node-smoke.mjs'), JSON.stringify(options)], { cwd: p.dir });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, explain(`node node-smoke.mjs in the ${p.kind} project exited ${r.code}`, output));
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.equal(report.crash, undefined, explain(`node-smoke.mjs (${p.kind}) crashed`, report.crash));
  return report;
}

const NODE_EXPORTS = ['ArtifactsError', 'MemoryStorage', 'SqliteStorage', 'createArtifacts', 'createRestApi', 'loadCore'];

function assertGitRoundTrip(report) {
  assert.match(report.remote, /^http:\/\/127\.0\.0\.1:\d+\/git\/default\/smoke\.git$/);
  assert.match(report.git.pushed, /^[0-9a-f]{40}$/);
  assert.equal(report.git.cloned, report.git.pushed, 'the clone has the pushed commit');
  assert.deepEqual(report.git.log, [report.git.pushed], 'repo.log sees the push');
  assert.equal(report.git.readme, '# packed\n');
  assert.equal(report.git.description, 'from the packed package');
}

// The bin from node_modules/.bin: `serve` on a free port until stopped.
function serveBin(p, dataDir) {
  const child = spawn(join(p.dir, 'node_modules/.bin/open-artifacts'), ['serve', '--port', '0', '--data', dataDir], {
    cwd: p.dir,
    env: plainEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(explain('open-artifacts serve printed no URL in 30 s', out))), 30_000);
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve({ url: m[1], stop, output: () => out });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(explain(`open-artifacts serve exited (${code}) before listening`, out)));
    });
  });
}

// A Worker fixture of the project bundled from the installed package
// (conditions workerd, worker; nothing external but the wasm and
// cloudflare:*, so a node: import or better-sqlite3 fails the build) and run
// in workerd with the package's own wasm.
async function startPackedWorker(p, t, entry, durableObjects, vars = {}) {
  let worker;
  try {
    worker = await startBundledWorker(join(p.dir, entry), {
      durableObjects,
      vars,
      stateDir: mkdtempSync(join(scratch, 'do-state-')),
      wasm: join(p.pkgDir, 'js/dist/open_artifacts_core.wasm'),
      external: ['*.wasm', 'cloudflare:*'],
      outName: `pack-${p.kind}-${basename(entry, '.mjs')}`,
    });
  } catch (e) {
    assert.fail(explain(`could not bundle and start ${entry} from the installed package`, String(e?.message ?? e)));
  }
  t.after(() => worker.stop());
  return worker;
}

async function workerJson(worker, path, init) {
  const res = await worker.fetch(`${worker.url}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  assert.equal(res.status, 200, explain(`${path}: ${res.status} ${text}`, worker.output()));
  return JSON.parse(text);
}

// esbuild bundles `export * from 'open-artifacts'` from the project with these
// conditions; returns the package files it took (paths inside the package).
async function bundleEntry(p, { platform, conditions, external = ['*.wasm'] }) {
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents: `export * from '${NAME}';`, resolveDir: p.dir, loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform,
      conditions,
      external,
      metafile: true,
      logLevel: 'silent',
    });
  } catch (e) {
    assert.fail(explain(`esbuild (${conditions.join(', ')}) could not bundle ${NAME}`, formatEsbuildErrors(e)));
  }
  const prefix = `node_modules/${NAME}/`;
  return Object.keys(result.metafile.inputs).map((f) => f.split('\\').join('/')).filter((f) => f.includes(prefix)).map((f) => f.slice(f.indexOf(prefix) + prefix.length));
}

// ------------------------------------------------------------ smoke cases

// { name, install (a key of INSTALLS), run(project, t) }. A future entry
// point (e.g. `open-artifacts/worker`) adds a case here with a fixture in
// tests/pack/: for a Worker, startPackedWorker(p, t, 'its-fixture.mjs',
// [{ className, binding }...]) and requests through workerJson().
const SMOKE_CASES = [
  {
    name: 'node: import "open-artifacts" with plain node, SqliteStorage behind node:http; git push, clone, fsck --strict',
    install: 'full',
    async run(p) {
      const report = await nodeSmoke(p, { storage: 'sqlite' });
      assert.deepEqual(report.exports, NODE_EXPORTS);
      assert.deepEqual(report.sqliteProbe, { ok: true });
      assertGitRoundTrip(report);
    },
  },
  {
    name: 'node without better-sqlite3 (--omit=optional): the package imports and MemoryStorage serves git; SqliteStorage says to npm install better-sqlite3',
    install: 'no-optional',
    async run(p) {
      const report = await nodeSmoke(p, { storage: 'memory' });
      assert.deepEqual(report.exports, NODE_EXPORTS);
      assertGitRoundTrip(report);
      const probe = report.sqliteProbe;
      assert.equal(probe.ok, false, 'SqliteStorage cannot work without better-sqlite3');
      assert.equal(probe.code, 'ERR_OA_SQLITE_UNAVAILABLE', JSON.stringify(probe));
      assert.match(probe.message, /optional dependency better-sqlite3, which is not installed: run `npm install better-sqlite3`/);
    },
  },
  {
    name: 'node with better-sqlite3 installed but not built (install scripts skipped): SqliteStorage says to rebuild it',
    install: 'full',
    async run(p) {
      const probe = p.unbuiltProbe.sqliteProbe;
      assert.equal(probe.ok, false, 'the native module was not there yet');
      assert.equal(probe.code, 'ERR_OA_SQLITE_UNAVAILABLE', JSON.stringify(probe));
      assert.match(probe.message, /native module does not load .* run `npm rebuild better-sqlite3`/s);
      assert.match(probe.message, /npm install-scripts approve better-sqlite3/);
    },
  },
  {
    name: 'bin: node_modules/.bin/open-artifacts serve (SQLite), repos create and clone-url; git push, clone, fsck --strict',
    install: 'full',
    async run(p, t) {
      const server = await serveBin(p, join(p.dir, 'data'));
      t.after(() => server.stop());
      const bin = join(p.dir, 'node_modules/.bin/open-artifacts');
      const cliEnv = plainEnv({ OPEN_ARTIFACTS_URL: server.url });
      const created = JSON.parse(await ok(bin, ['repos', 'create', 'smoke', '--json'], { cwd: p.dir, env: cliEnv }));
      assert.equal(created.name, 'smoke');
      const remote = (await ok(bin, ['repos', 'clone-url', 'smoke'], { cwd: p.dir, env: cliEnv })).trim();
      assert.match(remote, /^http:\/\/x:.+@127\.0\.0\.1:\d+\/git\/default\/smoke\.git$/);

      const work = join(scratch, 'bin-work');
      mkdirSync(work);
      await git(['init', '-q'], work);
      writeFileSync(join(work, 'hello.txt'), 'from the bin\n');
      await git(['add', 'hello.txt'], work);
      await git(['commit', '-q', '-m', 'hello'], work);
      const pushed = (await git(['rev-parse', 'HEAD'], work)).trim();
      await git(['push', '-q', remote, 'main'], work);
      const clone = join(scratch, 'bin-clone');
      await git(['clone', '-q', remote, clone], scratch);
      await git(['fsck', '--strict', '--no-dangling'], clone);
      assert.equal((await git(['rev-parse', 'HEAD'], clone)).trim(), pushed);
      assert.equal(readFileSync(join(clone, 'hello.txt'), 'utf8'), 'from the bin\n');
      const log = JSON.parse(await ok(bin, ['repos', 'log', 'smoke', '--json'], { cwd: p.dir, env: cliEnv }));
      assert.ok(JSON.stringify(log).includes(pushed), `repos log lists the push: ${JSON.stringify(log)}`);
      await server.stop();
      assert.doesNotMatch(server.output(), /Error|uncaught/, server.output());
    },
  },
  {
    name: 'workerd: a Worker bundled from the installed package ("workerd" condition), DurableObjectSqliteStorage in a SQLite-backed Durable Object; create, read back, git clone',
    install: 'no-optional',
    async run(p, t) {
      const worker = await startPackedWorker(p, t, 'workerd-smoke.mjs', [{ className: 'PackSmokeObject', binding: 'SMOKE' }]);
      const made = await workerJson(worker, '/create', { method: 'POST' });
      assert.equal(made.crash, undefined, made.crash);
      assert.equal(made.created.name, 'smoke');
      assert.match(made.commit.commit, /^[0-9a-f]{40}$/);
      const read = await workerJson(worker, '/read');
      assert.equal(read.info.description, 'made in workerd from the packed package');
      assert.deepEqual(read.list, ['smoke']);
      assert.deepEqual(read.log.map((c) => c.hash), [made.commit.commit]);
      assert.equal(read.readme, '# packed, in workerd\n');

      const clone = join(scratch, 'workerd-clone');
      await git(['-c', `http.extraHeader=Authorization: Bearer ${made.created.token}`, 'clone', '-q', made.created.remote, clone], scratch);
      await git(['fsck', '--strict', '--no-dangling'], clone);
      assert.equal((await git(['rev-parse', 'HEAD'], clone)).trim(), made.commit.commit);
      assert.equal(readFileSync(join(clone, 'README.md'), 'utf8'), '# packed, in workerd\n');
      await worker.stop();
      assert.doesNotMatch(worker.output(), /error|uncaught/i, worker.output());
    },
  },
  {
    name: 'workerd: open-artifacts/worker from the installed package (Durable Objects per namespace and per repo); REST create, git push, clone, fsck --strict',
    install: 'no-optional',
    async run(p, t) {
      const worker = await startPackedWorker(
        p,
        t,
        'worker-entry-smoke.mjs',
        [
          { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES' },
          { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS' },
        ],
        { ARTIFACTS_ALLOW_ANONYMOUS_API: 'true' },
      );
      const res = await worker.fetch(`${worker.url}/client/v4/accounts/pack/artifacts/namespaces/default/repos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'smoke' }),
        signal: AbortSignal.timeout(60_000),
      });
      const created = await res.json();
      assert.equal(res.status, 201, explain(JSON.stringify(created), worker.output()));
      const { remote, token } = created.result;
      const auth = ['-c', `http.extraHeader=Authorization: Bearer ${token}`];
      const work = join(scratch, 'entry-work');
      mkdirSync(work);
      await git(['init', '-q'], work);
      writeFileSync(join(work, 'hello.txt'), 'from the Worker entry\n');
      await git(['add', 'hello.txt'], work);
      await git(['commit', '-q', '-m', 'hello'], work);
      const pushed = (await git(['rev-parse', 'HEAD'], work)).trim();
      await git([...auth, 'push', '-q', remote, 'main'], work);
      const clone = join(scratch, 'entry-clone');
      await git([...auth, 'clone', '-q', remote, clone], scratch);
      await git(['fsck', '--strict', '--no-dangling'], clone);
      assert.equal((await git(['rev-parse', 'HEAD'], clone)).trim(), pushed);
      await worker.stop();
      assert.doesNotMatch(worker.output(), /error|uncaught/i, worker.output());
    },
  },
  {
    name: 'bundles: the "worker" and "browser" entries take no node: module, no better-sqlite3 and none of the Node-only files',
    install: 'no-optional',
    async run(p) {
      for (const [condition, platform, entry, external] of [
        ['browser', 'browser', 'js/src/browser.js', ['*.wasm']],
        ['worker', 'neutral', 'js/src/browser.js', ['*.wasm']],
        ['workerd', 'neutral', 'js/src/workerd.js', ['*.wasm', 'cloudflare:*']],
      ]) {
        const inputs = await bundleEntry(p, { platform, conditions: [condition], external });
        assert.ok(inputs.includes(entry), `${condition}: ${entry} is the entry (${inputs.join(', ')})`);
        const nodeOnly = inputs.filter((f) => /sqlite-storage|server|node|webhook|demo-site|bin\//.test(f));
        assert.deepEqual(nodeOnly, [], `${condition}: Node-only files in the bundle`);
      }
    },
  },
];

for (const c of SMOKE_CASES) {
  test(`packed (${c.install}): ${c.name}`, { timeout: 300_000 }, async (t) => c.run(await project(c.install), t));
}
