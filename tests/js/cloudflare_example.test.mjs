// examples/cloudflare as a user deploys it: `wrangler deploy --dry-run` (the
// devDependency wrangler, offline, no account) bundles the open-artifacts
// Worker (src/index.js re-exports `open-artifacts/worker`) and the consumer
// Worker; both bundles then run in plain workerd, configured from their
// wrangler.jsonc (Durable Objects with SQLite on disk, vars, the service
// binding with its entrypoint and props). Through the consumer: create a repo,
// push to its remote with git, clone it back, `git fsck --strict`; again after
// workerd restarts on the same state.
//
// wrangler 4.164.0 asks for Node >= 22.12; its CLI script runs under Node 20
// too when started directly (node node_modules/wrangler/wrangler-dist/cli.js),
// which skips the version check (/work/shared/notes/workers.md §5).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { freePort, modulesOf, startWorkerd } from './workerd-harness.mjs';
import { startGitHarness } from './git-harness.mjs';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const example = join(root, 'examples/cloudflare');
const out = join(root, 'build/test-output/cloudflare-example');
const CONSUMER_TOKEN = 'consumer-test-token-0123456789';
const TOKEN = /^art_v1_[0-9a-f]{40}\?expires=\d+$/;

// JSON with comments (wrangler.jsonc): // and /* */ outside strings removed,
// trailing commas allowed.
function readJsonc(path) {
  const src = readFileSync(path, 'utf8');
  let json = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"') {
      let j = i + 1;
      while (src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      json += src.slice(i, j + 1);
      i = j;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      json += '\n';
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
    } else {
      json += c;
    }
  }
  return JSON.parse(json.replace(/,(\s*[}\]])/g, '$1'));
}

// `wrangler deploy --dry-run --outdir <dir> -c <config>`: offline, no telemetry.
async function wranglerBundle(config, dir) {
  rmSync(dir, { recursive: true, force: true });
  const { stdout, stderr } = await execFileAsync(
    process.execPath,
    [join(root, 'node_modules/wrangler/wrangler-dist/cli.js'), 'deploy', '--dry-run', '--outdir', dir, '-c', config],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(out, 'wrangler-logs'), CI: '1', NO_COLOR: '1' },
      timeout: 120_000,
    },
  );
  return stdout + stderr;
}

// The names a bundle exports (esbuild's metafile of a re-bundle of it).
async function exportsOf(file) {
  const { metafile } = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    write: false,
    outdir: join(out, 'unused'),
    metafile: true,
    external: ['*.wasm', 'cloudflare:*', 'node:*'],
    logLevel: 'silent',
  });
  return Object.values(metafile.outputs)[0].exports.sort();
}

// A workerd service from a wrangler.jsonc and the bundle wrangler made of it.
function serviceFrom(config, bundleDir, { vars = {} } = {}) {
  const c = readJsonc(config);
  return {
    name: c.name,
    modules: modulesOf(bundleDir),
    compatibilityDate: c.compatibility_date,
    compatibilityFlags: c.compatibility_flags,
    durableObjects: (c.durable_objects?.bindings ?? []).map((b) => ({ className: b.class_name, binding: b.name, uniqueKey: `${c.name}-${b.class_name}` })),
    bindings: [
      ...Object.entries({ ...c.vars, ...vars }).map(([name, value]) => ({ name, text: value })),
      ...(c.services ?? []).map((s) => ({ name: s.binding, service: { name: s.service, entrypoint: s.entrypoint, props: s.props } })),
    ],
  };
}

let artifactsLog;
let consumerLog;
let w;
let gh;
let gitBase;
let hello; // { name, remote, token } of the repo the consumer created

before(async () => {
  [artifactsLog, consumerLog] = await Promise.all([
    wranglerBundle(join(example, 'wrangler.jsonc'), join(out, 'artifacts')),
    wranglerBundle(join(example, 'consumer/wrangler.jsonc'), join(out, 'consumer')),
  ]);
  gh = await startGitHarness();
});

after(async () => {
  await w?.dispose();
  await gh?.close();
});

test('wrangler deploy --dry-run bundles the open-artifacts Worker: the wasm as a module of its own, the entry\'s four exports', async () => {
  assert.match(artifactsLog, /env\.ARTIFACTS_NAMESPACES \(ArtifactsNamespace\)\s+Durable Object/);
  assert.match(artifactsLog, /env\.ARTIFACTS_REPOS \(ArtifactsRepo\)\s+Durable Object/);
  assert.match(artifactsLog, /--dry-run: exiting now/);
  const dir = join(out, 'artifacts');
  assert.ok(existsSync(join(dir, 'index.js')));
  const wasm = readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one wasm module: ${wasm}`);
  assert.match(wasm[0], /^[0-9a-f]{40}-open_artifacts_core\.wasm$/);
  assert.ok(readFileSync(join(dir, wasm[0])).equals(readFileSync(join(root, 'js/dist/open_artifacts_core.wasm'))), 'the package\'s wasm, as it is');
  const bundle = readFileSync(join(dir, 'index.js'), 'utf8');
  assert.match(bundle, new RegExp(`import \\w+ from "\\./${wasm[0]}"`), 'imported as a compiled module');
  assert.doesNotMatch(bundle, /better-sqlite3|node:http\b/, 'nothing of the Node entry');
  assert.deepEqual(await exportsOf(join(dir, 'index.js')), ['ArtifactsBinding', 'ArtifactsNamespace', 'ArtifactsRepo', 'default']);
});

test('wrangler deploy --dry-run bundles the consumer Worker on its own (the service binding, not the library)', async () => {
  assert.match(consumerLog, /env\.ARTIFACTS \(open-artifacts#ArtifactsBinding\)\s+Worker/);
  const dir = join(out, 'consumer');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.wasm')), ['index.js']);
  assert.ok(readFileSync(join(dir, 'index.js')).length < 20_000);
  assert.deepEqual(await exportsOf(join(dir, 'index.js')), ['default']);
});

test('both bundles in workerd: the consumer creates a repo through env.ARTIFACTS; git pushes to its remote and clones it back', async () => {
  const [gitPort, consumerPort] = [await freePort(), await freePort()];
  gitBase = `http://127.0.0.1:${gitPort}`;
  const artifacts = serviceFrom(join(example, 'wrangler.jsonc'), join(out, 'artifacts'), { vars: { ARTIFACTS_BASE_URL: gitBase } });
  const consumer = serviceFrom(join(example, 'consumer/wrangler.jsonc'), join(out, 'consumer'), { vars: { CONSUMER_TOKEN } });
  assert.deepEqual(consumer.bindings.find((b) => b.name === 'ARTIFACTS').service, { name: artifacts.name, entrypoint: 'ArtifactsBinding', props: { namespace: 'default' } });
  w = await startWorkerd({
    dir: join(out, 'workerd'),
    services: [artifacts, consumer],
    sockets: [
      { name: 'git', service: artifacts.name, port: gitPort },
      { name: 'consumer', service: consumer.name, port: consumerPort },
    ],
  });
  const api = async (method, path, body, token = CONSUMER_TOKEN) => {
    const res = await fetch(`${w.urls.consumer}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  assert.equal((await api('POST', '/repos', { name: 'hello' }, 'wrong')).status, 401);
  const created = await api('POST', '/repos', { name: 'hello' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(Object.keys(created.body), ['name', 'remote', 'token']);
  assert.equal(created.body.remote, `${gitBase}/git/default/hello.git`);
  assert.match(created.body.token, TOKEN);
  const { remote, token } = created.body;
  hello = created.body;

  const work = gh.path('hello-work');
  await gh.git(['init', '-q', '-b', 'main', work]);
  await gh.commit(work, { 'README.md': '# hello\n', 'src/main.c': 'int main(void) { return 0; }\n' }, 'first');
  const head = await gh.commit(work, { 'README.md': '# hello, Workers\n' }, 'second');
  await gh.git(['push', '-q', remote, 'main'], { cwd: work, token });
  const clone = gh.path('hello-clone');
  await gh.git(['clone', '-q', remote, clone], { token });
  assert.equal(await gh.head(clone), head);
  assert.equal(await gh.tree(clone), await gh.tree(work));
  await gh.fsck(clone);
  assert.notEqual((await gh.run(['ls-remote', remote])).code, 0, 'no token, no access');

  const listed = await api('GET', '/repos');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.repos.map((r) => [r.name, r.defaultBranch]), [['hello', 'main']]);
  assert.equal(listed.body.total, 1);
  const info = await api('GET', '/repos/hello');
  assert.equal(info.body.remote, remote);
  assert.equal(typeof info.body.lastPushAt, 'string');
  const taken = await api('POST', '/repos', { name: 'hello' });
  assert.deepEqual([taken.status, taken.body.error.code, taken.body.error.numericCode], [409, 'ALREADY_EXISTS', 10201]);
  const bad = await api('POST', '/repos', { name: 'bad name' });
  assert.deepEqual([bad.status, bad.body.error.code], [400, 'INVALID_REPO_NAME']);
  const missing = await api('GET', '/repos/missing');
  assert.deepEqual([missing.status, missing.body.error.code], [404, 'NOT_FOUND']);
  // The artifacts Worker itself: git and REST only (no API token set: REST refused).
  assert.equal((await fetch(`${gitBase}/`)).status, 404);
  assert.ok([401, 403].includes((await fetch(`${gitBase}/client/v4/accounts/a/artifacts/namespaces`)).status));
});

test('the Durable Objects keep everything on disk: after workerd restarts on the same state, the repo lists, clones and takes pushes', async () => {
  assert.ok(w, 'the previous test started workerd');
  const files = readdirSync(w.stateDir, { recursive: true }).map(String);
  assert.ok(files.some((f) => f.startsWith('open-artifacts-ArtifactsNamespace/') && f.endsWith('.sqlite')), files.join('\n'));
  assert.ok(files.some((f) => f.startsWith('open-artifacts-ArtifactsRepo/') && f.endsWith('.sqlite')), files.join('\n'));
  await w.restart();
  const res = await fetch(`${w.urls.consumer}/repos`, { headers: { authorization: `Bearer ${CONSUMER_TOKEN}` } });
  assert.deepEqual((await res.json()).repos.map((r) => r.name), ['hello']);
  // The creation token (24 h) still opens the repo.
  const { remote, token } = hello;
  const again = gh.path('hello-clone-2');
  await gh.git(['clone', '-q', remote, again], { token });
  await gh.fsck(again);
  const head = await gh.commit(again, { 'after-restart.txt': 'yes\n' }, 'after restart');
  await gh.git(['push', '-q', remote, 'main'], { cwd: again, token });
  assert.equal((await gh.git(['ls-remote', remote, 'refs/heads/main'], { token })).stdout, `${head}\trefs/heads/main\n`);
  assert.doesNotMatch(w.output(), /uncaught|deleted object/i, w.output());
});
