// The open-artifacts CLI end to end: the real binary (js/bin/open-artifacts.js)
// runs `serve --port 0` on a temp data dir, then the `wrangler artifacts`
// commands against its REST API, checked by stdout (tables and --json),
// stderr and exit status (0 done, 1 API error, 2 usage, 3 unreachable); the
// remotes it prints are used by a real git client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startHttpBackendServer } from '../../bench/http-backend-server.mjs';

const BIN = fileURLToPath(new URL('../../js/bin/open-artifacts.js', import.meta.url));
const API_TOKEN = 'cli-test-api-token-0123456789';
const READ_API_TOKEN = 'cli-test-read-token-0123456789';
const execFileAsync = promisify(execFile);

let root; // temp dir: HOME for git, data dirs, work trees
let server; // { url, child, output() }: `open-artifacts serve` without an API token
const path = (...parts) => join(root, ...parts);

// A process environment without the developer's OPEN_ARTIFACTS_* settings.
function cleanEnv(extra = {}) {
  const env = { PATH: process.env.PATH, HOME: path('home'), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  return { ...env, ...extra };
}

// Starts `open-artifacts serve --port 0 ...`; resolves once it printed its banner.
function serve(args, env = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve({ url: m[1], child, output: () => out });
      }
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
}

function stop(s) {
  if (!s || s.child.exitCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => s.child.on('exit', resolve));
  s.child.kill('SIGTERM');
  return exited;
}

// Runs the CLI against `url` (default: the shared server); stdin is not a terminal.
function cli(args, { url = server.url, env = {} } = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cleanEnv({ OPEN_ARTIFACTS_URL: url, ...env }), timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

// Runs the CLI and expects exit 0; returns stdout parsed as JSON when --json is among args.
async function ok(args, options) {
  const r = await cli(args, options);
  assert.equal(r.code, 0, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return args.includes('--json') ? JSON.parse(r.stdout) : r;
}

async function git(args, cwd = root) {
  const { stdout } = await execFileAsync('git', args, { cwd, env: cleanEnv() });
  return stdout;
}

async function runGit(args, cwd = root) {
  try {
    return { code: 0, ...(await execFileAsync('git', args, { cwd, env: cleanEnv() })) };
  } catch (e) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function commit(dir, files, message) {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  await git(['add', '-A'], dir);
  await git(['commit', '-q', '-m', message], dir);
  return (await git(['rev-parse', 'HEAD'], dir)).trim();
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'oa-cli-'));
  mkdirSync(path('home'));
  writeFileSync(path('home', '.gitconfig'), '[user]\n\tname = CLI Test\n\temail = cli@example.test\n[init]\n\tdefaultBranch = main\n[credential]\n\thelper =\n');
  server = await serve(['--data', path('data'), '--allow-http-import', '--allow-private-import']);
});

after(async () => {
  await stop(server);
  rmSync(root, { recursive: true, force: true });
});

const REPO_KEYS = ['id', 'name', 'description', 'default_branch', 'remote', 'token'];

test('serve prints its URL, the CLI and REST examples', () => {
  const out = server.output();
  assert.match(out, /^open-artifacts listening on http:\/\/127\.0\.0\.1:\d+ /m);
  assert.match(out, new RegExp(`export OPEN_ARTIFACTS_URL=${server.url}\\n`), 'a port other than 8788: the CLI is told where');
  // The CLI as it was started here: node and the script's path.
  assert.match(out, /^ {2}node \S*js\/bin\/open-artifacts\.js repos create my-repo$/m);
  assert.match(out, /^ {2}git clone "\$\(node \S*js\/bin\/open-artifacts\.js repos clone-url my-repo\)"$/m);
  assert.match(out, new RegExp(`curl -s -X POST ${server.url}/client/v4/accounts/local/artifacts/namespaces/default/repos `));
  assert.match(out, new RegExp(`git clone -c http.extraHeader="Authorization: Bearer \\$TOKEN" ${server.url}/git/default/my-repo.git`));
  assert.doesNotMatch(out, /\/api\/repos/);
});

test('repos create, get and list: tables for people, the result as --json', async () => {
  const created = await ok(['repos', 'create', 'alpha', '--description', 'first repo', '--json']);
  assert.deepEqual(Object.keys(created).sort(), [...REPO_KEYS].sort());
  assert.equal(created.name, 'alpha');
  assert.equal(created.description, 'first repo');
  assert.equal(created.default_branch, 'main');
  assert.equal(created.remote, `${server.url}/git/default/alpha.git`);
  assert.match(created.token, /^art_v\d_[0-9a-z_]+\?expires=\d+$/);

  const human = await ok(['repos', 'create', 'beta', '--default-branch', 'trunk', '--read-only']);
  assert.match(human.stdout, /^Created repo "beta" in namespace "default"\.$/m);
  assert.match(human.stdout, /^default branch: +trunk$/m);
  assert.match(human.stdout, new RegExp(`^remote: +${server.url}/git/default/beta\\.git$`, 'm'));
  assert.match(human.stdout, new RegExp(`git clone http://x:art_v\\d_[0-9a-z_]+@127\\.0\\.0\\.1:\\d+/git/default/beta\\.git$`, 'm'));

  const got = await ok(['repos', 'get', 'beta', '--json']);
  assert.equal(got.name, 'beta');
  assert.equal(got.read_only, true);
  assert.equal(got.default_branch, 'trunk');
  assert.equal(got.remote, `${server.url}/git/default/beta.git`);
  const gotText = (await ok(['repos', 'get', 'alpha'])).stdout;
  assert.match(gotText, /^name: +alpha$/m);
  assert.match(gotText, /^description: +first repo$/m);
  assert.match(gotText, /^created at: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);

  const list = await ok(['repos', 'list', '--json']);
  assert.ok(Array.isArray(list));
  for (const name of ['alpha', 'beta']) assert.ok(list.some((r) => r.name === name), name);
  const table = (await ok(['repos', 'list'])).stdout.split('\n');
  assert.match(table[0], /^NAME +STATUS +DEFAULT BRANCH +READ-ONLY +CREATED +LAST PUSH +DESCRIPTION$/);
  assert.ok(table.some((l) => /^alpha +ready +main +no +\d{4}-\S+ \S+ +- +first repo$/.test(l)), table.join('\n'));
  assert.ok(table.some((l) => /^beta +ready +trunk +yes /.test(l)), table.join('\n'));
  const searched = await ok(['repos', 'list', '--search', 'alp', '--sort', 'name', '--direction', 'asc', '--json']);
  assert.deepEqual(searched.map((r) => r.name), ['alpha']);

  // Another namespace (flag or environment) is another list.
  await ok(['repos', 'create', 'gamma', '--namespace', 'team-b']);
  assert.deepEqual((await ok(['repos', 'list', '--json'], { env: { OPEN_ARTIFACTS_NAMESPACE: 'team-b' } })).map((r) => r.name), ['gamma']);
  assert.match((await ok(['repos', 'get', 'gamma', '--namespace', 'team-b', '--json'])).remote, /\/git\/team-b\/gamma\.git$/);
});

test('repos list pages with --limit and --cursor (the cursor hint on stderr)', async () => {
  for (const name of ['page-1', 'page-2', 'page-3']) await ok(['repos', 'create', name, '--namespace', 'paging']);
  const first = await cli(['repos', 'list', '--namespace', 'paging', '--limit', '2', '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).length, 2);
  const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
  assert.ok(cursor, `a next-page hint: ${first.stderr}`);
  const second = await ok(['repos', 'list', '--namespace', 'paging', '--limit', '2', '--cursor', cursor, '--json']);
  const names = [...JSON.parse(first.stdout), ...second].map((r) => r.name).sort();
  assert.deepEqual(names, ['page-1', 'page-2', 'page-3']);
});

test('namespaces list and get', async () => {
  await ok(['repos', 'create', 'ns-probe', '--namespace', 'ns-probe']);
  const got = await ok(['namespaces', 'get', 'ns-probe', '--json']);
  assert.equal(got.namespace ?? got.name, 'ns-probe');
  const text = (await ok(['namespaces', 'get', 'ns-probe'])).stdout;
  assert.match(text, /ns-probe/);
  const list = await ok(['namespaces', 'list', '--json']);
  assert.ok(list.some((n) => (n.namespace ?? n.name) === 'ns-probe'), JSON.stringify(list));
  const table = (await ok(['namespaces', 'list'])).stdout;
  assert.match(table, /^NAME +JURISDICTION +REPOS +CREATED$/m);
  assert.match(table, /^ns-probe /m);
});

test('repos delete: refused without --force off a terminal (exit 2), done with --force or -y', async () => {
  await ok(['repos', 'create', 'doomed']);
  await ok(['repos', 'create', 'doomed-too']);
  const refused = await cli(['repos', 'delete', 'doomed']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /^open-artifacts: not deleting repo "doomed" without confirmation: .*--force/m);
  assert.equal((await ok(['repos', 'get', 'doomed', '--json'])).name, 'doomed', 'still there');

  const { id } = await ok(['repos', 'get', 'doomed', '--json']);
  assert.deepEqual(await ok(['repos', 'delete', 'doomed', '--force', '--json']), { id });
  const deleted = await ok(['repos', 'delete', 'doomed-too', '-y']);
  assert.match(deleted.stdout, /^Deleted repo "doomed-too" from namespace "default" \(id \S+\)\.$/m);
  for (const name of ['doomed', 'doomed-too']) {
    const gone = await cli(['repos', 'get', name]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^open-artifacts: .*not found.* \[code 10200\]$/im);
  }
});

test('repos delete asks on a terminal: "n" keeps the repo, "y" deletes it', { skip: !(await hasScript()) && 'no script(1)' }, async () => {
  await ok(['repos', 'create', 'asked']);
  // script(1) gives the CLI a pseudo-terminal; the answer is typed into it.
  const ask = (answer) =>
    new Promise((resolve) => {
      const command = [process.execPath, BIN, 'repos', 'delete', 'asked'].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv({ OPEN_ARTIFACTS_URL: server.url }) });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('[y/N]') && !child.answered) {
          child.answered = true;
          child.stdin.write(`${answer}\n`);
        }
      });
      child.on('exit', (code) => resolve({ code, out }));
    });
  const kept = await ask('n');
  assert.match(kept.out, /Delete repo "asked" in namespace "default" and everything in it\? This cannot be undone\. \[y\/N\]/);
  assert.match(kept.out, /Not deleted\./);
  assert.equal(kept.code, 1);
  assert.equal((await ok(['repos', 'get', 'asked', '--json'])).name, 'asked');
  const gone = await ask('y');
  assert.equal(gone.code, 0, gone.out);
  assert.match(gone.out, /Deleted repo "asked"/);
  assert.equal((await cli(['repos', 'get', 'asked'])).code, 1);
});

async function hasScript() {
  try {
    await execFileAsync('script', ['-qec', 'true', '/dev/null']);
    return true;
  } catch {
    return false;
  }
}

test('repos issue-token: --scope and --ttl are in the token', async () => {
  await ok(['repos', 'create', 'tokens']);
  const started = Date.now();
  const read = await ok(['repos', 'issue-token', 'tokens', '--scope', 'read', '--ttl', '120', '--json']);
  assert.equal(read.scope, 'read');
  assert.match(read.plaintext, /^art_v\d_[0-9a-z_]+\?expires=\d+$/);
  const expires = Date.parse(read.expires_at);
  assert.ok(Math.abs(expires - (started + 120_000)) < 30_000, `expires_at ${read.expires_at} is about 120 s away`);
  assert.equal(Number(/expires=(\d+)/.exec(read.plaintext)[1]), Math.floor(expires / 1000));
  const write = await ok(['repos', 'issue-token', 'tokens', '--json']);
  assert.equal(write.scope, 'write', 'write by default');
  assert.ok(Math.abs(Date.parse(write.expires_at) - (started + 86_400_000)) < 30_000, '24 h by default');
  const text = (await ok(['repos', 'issue-token', 'tokens', '--scope', 'read'])).stdout;
  assert.match(text, /^Issued a read token for repo "tokens"\.$/m);
  assert.match(text, /^plaintext: +art_v\d_\S+\?expires=\d+$/m);
});

test('repos clone-url: git clones with it, a write token pushes, a read token cannot; repos log shows the push', async () => {
  await ok(['repos', 'create', 'cloned']);
  const write = await cli(['repos', 'clone-url', 'cloned']);
  assert.equal(write.code, 0, write.stderr);
  const url = write.stdout.trim();
  assert.match(url, new RegExp(`^http://x:art_v\\d_[0-9a-z_]+@127\\.0\\.0\\.1:${new URL(server.url).port}/git/default/cloned\\.git$`));
  assert.doesNotMatch(url, /expires/);
  assert.match(write.stderr, /a write token, expires \d{4}-/);

  const work = path('cloned');
  await git(['clone', '-q', url, work]);
  const first = await commit(work, { 'README.md': '# cloned\n' }, 'first commit');
  const second = await commit(work, { 'a.txt': 'a\n' }, 'second commit\n\nwith a body');
  await git(['push', '-q', 'origin', 'main'], work);

  const log = await ok(['repos', 'log', 'cloned', '--json']);
  assert.deepEqual(log.map((c) => c.hash), [second, first]);
  assert.equal(log[0].author.name, 'CLI Test');
  assert.deepEqual(log[0].parents, [first]);
  const table = (await ok(['repos', 'log', 'cloned'])).stdout.split('\n');
  assert.match(table[0], /^COMMIT +DATE +AUTHOR +MESSAGE$/);
  assert.match(table[1], new RegExp(`^${second.slice(0, 12)} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +CLI Test +second commit$`));
  assert.deepEqual((await ok(['repos', 'log', 'cloned', '--limit', '1', '--offset', '1', '--json'])).map((c) => c.hash), [first]);
  assert.match((await ok(['repos', 'log', 'cloned', '--ref', 'nope'])).stdout, /^No commits on nope\.$/m);
  assert.equal((await ok(['repos', 'get', 'cloned', '--json'])).last_push_at !== null, true);

  const read = await ok(['repos', 'clone-url', 'cloned', '--scope', 'read', '--ttl', '300', '--json']);
  assert.equal(read.scope, 'read');
  assert.equal(read.remote, `${server.url}/git/default/cloned.git`);
  const readClone = path('cloned-read');
  await git(['clone', '-q', read.url, readClone]);
  assert.equal((await git(['rev-parse', 'HEAD'], readClone)).trim(), second);
  await commit(readClone, { 'b.txt': 'b\n' }, 'not allowed');
  const refused = await runGit(['push', '-q', 'origin', 'main'], readClone);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /403|Insufficient permissions/);
});

test('repos fork: a progress bar on stderr, the result on stdout', async () => {
  await ok(['repos', 'create', 'fork-source']);
  const work = path('fork-source');
  await git(['clone', '-q', (await cli(['repos', 'clone-url', 'fork-source'])).stdout.trim(), work]);
  const head = await commit(work, { 'f.txt': 'fork me\n'.repeat(100) }, 'to fork');
  await git(['push', '-q', 'origin', 'main'], work);

  const forked = await cli(['repos', 'fork', 'fork-source', '--name', 'forked', '--description', 'a fork', '--json']);
  assert.equal(forked.code, 0, forked.stderr);
  const result = JSON.parse(forked.stdout);
  assert.equal(result.name, 'forked');
  assert.equal(result.description, 'a fork');
  // The server's fork reads its parent's objects in place (one SQLite file),
  // so it copies, and counts, none.
  assert.ok(Number.isInteger(result.objects) && result.objects >= 0, `objects: ${result.objects}`);
  assert.match(forked.stderr, /^Copying objects: (\d+|100% \[#+\] \(\d+\/\d+\)), done\.$/m, forked.stderr);

  const clone = path('forked');
  await git(['clone', '-q', (await cli(['repos', 'clone-url', 'forked'])).stdout.trim(), clone]);
  assert.equal((await git(['rev-parse', 'HEAD'], clone)).trim(), head);

  const text = await ok(['repos', 'fork', 'fork-source', '--name', 'forked-ro', '--read-only', '--all-branches']);
  assert.match(text.stdout, /^Forked "fork-source" as repo "forked-ro" in namespace "default"\.$/m);
  assert.match(text.stdout, /^objects: +\d+$/m);
  assert.equal((await ok(['repos', 'get', 'forked-ro', '--json'])).read_only, true);
  const taken = await cli(['repos', 'fork', 'fork-source', '--name', 'forked']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /\[code 10201/);
});

test('repos import: a progress bar on stderr; a source that needs credentials is exit 1 with its code', async () => {
  // The source: a repo pushed to our server, served read-only by git http-backend
  // (our own remotes need a token, and imports take public repos only).
  await ok(['repos', 'create', 'import-origin']);
  const work = path('import-origin');
  await git(['clone', '-q', (await cli(['repos', 'clone-url', 'import-origin'])).stdout.trim(), work]);
  for (let i = 0; i < 5; i++) await commit(work, { [`f${i}.txt`]: `${i}\n`.repeat(500) }, `c${i}`);
  await git(['push', '-q', 'origin', 'main'], work);
  const head = (await git(['rev-parse', 'HEAD'], work)).trim();
  await git(['clone', '-q', '--bare', (await cli(['repos', 'clone-url', 'import-origin', '--scope', 'read'])).stdout.trim(), path('backend', 'src.git')]);
  const backend = await startHttpBackendServer({ root: path('backend') });
  try {
    const source = `${backend.url}/git/default/src.git`;
    const imported = await cli(['repos', 'import', 'imported', '--url', source, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    const result = JSON.parse(imported.stdout);
    assert.deepEqual(Object.keys(result).sort(), [...REPO_KEYS].sort());
    assert.equal(result.name, 'imported');
    assert.match(imported.stderr, /^Receiving objects: 100% \[#{24}\] \(\d+\/\d+\), [\d.]+ MiB, done\.$/m, imported.stderr);
    assert.equal((await ok(['repos', 'get', 'imported', '--json'])).source, `git:${source}`);
    assert.equal((await ok(['repos', 'log', 'imported', '--json']))[0].hash, head);

    // NAME defaults to the URL's last part; --branch, --depth, --read-only reach the server.
    const shallow = await ok(['repos', 'import', '--url', source, '--branch', 'main', '--depth', '1', '--read-only']);
    assert.match(shallow.stdout, new RegExp(`^Imported ${source} as repo "src" in namespace "default"\\.$`, 'm'));
    assert.equal((await ok(['repos', 'log', 'src', '--json'])).length, 1, 'shallow: one commit');
    assert.equal((await ok(['repos', 'get', 'src', '--json'])).read_only, true);
  } finally {
    await backend.close();
  }

  const needsAuth = await cli(['repos', 'import', 'copy', '--url', `${server.url}/git/default/import-origin.git`]);
  assert.equal(needsAuth.code, 1, needsAuth.stderr);
  assert.match(needsAuth.stderr, /^open-artifacts: .*authentication.* \[code 10106(, \/url)?\]$/im);
  assert.equal((await cli(['repos', 'get', 'copy'])).code, 1, 'no repo left behind');
});

test('--help on every command exits 0', async () => {
  const commands = [
    [], ['serve'], ['import'], ['namespaces'], ['namespaces', 'list'], ['namespaces', 'get'], ['repos'],
    ...['create', 'list', 'get', 'delete', 'issue-token', 'import', 'fork', 'log', 'clone-url'].map((c) => ['repos', c]),
  ];
  for (const command of commands) {
    const r = await cli([...command, '--help']);
    assert.equal(r.code, 0, `${command.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: open-artifacts ${command.join(' ')}`), command.join(' '));
  }
  const repoHelp = (await cli(['repos', 'create', '--help'])).stdout;
  for (const flag of ['--namespace', '--description', '--default-branch', '--read-only', '--json', '--url', '--api-token', '--account-id']) {
    assert.ok(repoHelp.includes(flag), flag);
  }
});

test('usage errors exit 2: unknown command, unknown flag, bad values, missing arguments', async () => {
  for (const args of [
    ['frobnicate'],
    [],
    ['repos', 'frobnicate'],
    ['repos', 'list', '--bogus'],
    ['repos', 'issue-token', 'x', '--ttl', 'soon'],
    ['repos', 'import', 'x'],
    ['repos', 'fork', 'x'],
    ['repos', 'get'],
    ['repos', 'list', '--url', 'ftp://example.test'],
    ['serve', '--port', 'abc'],
    ['serve', '--webhook-secret', 's3cret'],
    ['serve', '--webhook', 'not a url'],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^open-artifacts: /m, args.join(' '));
  }
  const unknown = await cli(['repos', 'lst']);
  assert.match(unknown.stderr, /unknown command 'lst'/);
  assert.match(unknown.stderr, /Did you mean list\?/);
});

test('API errors exit 1 with the message, code and pointer', async () => {
  const bad = await cli(['repos', 'create', '-bad-']);
  assert.equal(bad.code, 2, 'commander takes "-bad-" for an option');
  const badName = await cli(['repos', 'create', 'bad name']);
  assert.equal(badName.code, 1, badName.stderr);
  assert.match(badName.stderr, /^open-artifacts: Invalid repo name.* \[code 10101, \/name\]$/m);
  assert.equal(badName.stdout, '');

  await ok(['repos', 'create', 'dup']);
  const dup = await cli(['repos', 'create', 'dup']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /^open-artifacts: .*already exists.* \[code 10201/m);

  const ttl = await cli(['repos', 'issue-token', 'dup', '--ttl', '5']);
  assert.equal(ttl.code, 1);
  assert.match(ttl.stderr, /^open-artifacts: .* \[code 10103, \/ttl\]$/m);

  const missing = await cli(['repos', 'get', 'no-such-repo', '--json']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /\[code 10200\]/);
});

test('an unreachable server: a non-zero exit that names the URL', async () => {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const r = await cli(['repos', 'list'], { url });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^open-artifacts: cannot reach the server at ${url} \\(.*ECONNREFUSED.*\\)$`, 'm'));
  assert.match(r.stderr, /open-artifacts serve/);
  const viaFlag = await cli(['repos', 'list', '--url', url], { url: 'http://127.0.0.1:1' });
  assert.match(viaFlag.stderr, new RegExp(`at ${url} `), '--url wins over OPEN_ARTIFACTS_URL');
});

test('an API token on serve: commands without it fail with 401 (exit 1), with it (flag or environment) succeed; --account-id and a read-only token', async () => {
  const guarded = await serve(['--data', path('guarded-data'), '--account-id', 'acme', '--api-read-token', READ_API_TOKEN], {
    OPEN_ARTIFACTS_API_TOKEN: API_TOKEN,
  });
  try {
    assert.match(guarded.output(), /-H "Authorization: Bearer \$OPEN_ARTIFACTS_API_TOKEN"/);
    assert.match(guarded.output(), /export OPEN_ARTIFACTS_ACCOUNT_ID=acme/);
    assert.match(guarded.output(), /\/client\/v4\/accounts\/acme\/artifacts\/namespaces\/default\/repos/);
    const env = { OPEN_ARTIFACTS_ACCOUNT_ID: 'acme' };
    const refused = await cli(['repos', 'create', 'locked'], { url: guarded.url, env });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /\[code 10000\]/);
    assert.match(refused.stderr, /--api-token or set OPEN_ARTIFACTS_API_TOKEN/);
    const wrong = await cli(['repos', 'list', '--api-token', 'not-the-right-token-at-all'], { url: guarded.url, env });
    assert.equal(wrong.code, 1);

    const viaFlag = await ok(['repos', 'create', 'locked', '--api-token', API_TOKEN, '--json'], { url: guarded.url, env });
    assert.equal(viaFlag.name, 'locked');
    const viaEnv = await ok(['repos', 'list', '--json'], { url: guarded.url, env: { ...env, OPEN_ARTIFACTS_API_TOKEN: API_TOKEN } });
    assert.deepEqual(viaEnv.map((r) => r.name), ['locked']);
    const viaAccountFlag = await ok(['repos', 'get', 'locked', '--account-id', 'acme', '--json'], {
      url: guarded.url,
      env: { OPEN_ARTIFACTS_API_TOKEN: API_TOKEN },
    });
    assert.equal(viaAccountFlag.name, 'locked');
    const otherAccount = await cli(['repos', 'list', '--api-token', API_TOKEN], { url: guarded.url });
    assert.equal(otherAccount.code, 1, 'the server answers only its --account-id');
    assert.match(otherAccount.stderr, /account.* \[code 10200\]/);

    // The read-only API token lists but cannot create.
    const reader = { url: guarded.url, env: { ...env, OPEN_ARTIFACTS_API_TOKEN: READ_API_TOKEN } };
    assert.deepEqual((await ok(['repos', 'list', '--json'], reader)).map((r) => r.name), ['locked']);
    const notAllowed = await cli(['repos', 'create', 'nope'], reader);
    assert.equal(notAllowed.code, 1);
    assert.match(notAllowed.stderr, /\[code 10000\]/);
  } finally {
    await stop(guarded);
  }
});
