// Helpers for end-to-end tests with real git clients: a server (js/src/server.js)
// on a free loopback port over a temp data dir, repos and tokens made through
// its REST API (js/src/rest/handler.js), and `git` run in an isolated
// environment (own HOME, no system config, no prompts) with protocol.version
// and the token chosen per call.
//
//   const h = await startGitHarness();            // t.after(() => h.close())
//   const { token } = await h.createRepo('demo');
//   await h.git(['clone', h.remote('demo'), h.path('a')], { protocol: 2, token });       // token as a header
//   await h.git(['clone', h.remote('demo', { token }), h.path('b')], { protocol: 0 });    // token in the URL
//   await h.fsck(h.path('a'));
//
// makeGitClient({ root, home: makeGitHome(root), url, restUrl, ... }) is the same
// client for a server started elsewhere (workerd: workerd_git.test.mjs).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { startServer } from '../../js/src/server.js';

const execFileAsync = promisify(execFile);

export const GIT_TIMEOUT_MS = 60_000;

// True when a `git` binary runs.
export async function haveGit() {
  try {
    await execFileAsync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
}

// The environment git runs in: own HOME (`home`), no system config, no prompts, C locale.
export const gitEnv = (home, extra) => ({ PATH: process.env.PATH, HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...extra });

// Makes `<root>/home` with the .gitconfig the clients use (a user, main as the
// default branch, no autocrlf, no credential helper); returns its path.
export function makeGitHome(root) {
  const home = join(root, 'home');
  mkdirSync(home);
  writeFileSync(
    join(home, '.gitconfig'),
    [
      '[user]\n\tname = Test Harness\n\temail = harness@example.test',
      '[init]\n\tdefaultBranch = main',
      '[core]\n\tautocrlf = false',
      '[advice]\n\tdetachedHead = false',
      '[credential]\n\thelper =',
      '',
    ].join('\n'),
  );
  return home;
}

// The git client side of a harness, for any server: run/git/commit/head/tree/
// fsck in gitEnv(home) with work trees under `root`, remotes
// <url>/git/<namespace>/<name>.git, and the REST API at `restUrl`.
// url, restUrl: a string, or a function read at every use (a server that moves).
// apiToken: the Bearer token REST calls send unless a call says otherwise (none by default).
// diagnostics(): text appended to the message of a failed git command or repo creation
// (a server's log). timeout: a git command's limit in ms.
export function makeGitClient({ root, home, url, restUrl, namespace = 'default', apiToken, diagnostics = () => '', timeout = GIT_TIMEOUT_MS }) {
  const value = (x) => (typeof x === 'function' ? x() : x);
  const h = {
    root,
    home,
    namespace,
    get url() {
      return value(url);
    },
    // The REST API of the namespace, e.g. <server>/client/v4/accounts/local/artifacts/namespaces/<namespace>.
    get restUrl() {
      return value(restUrl);
    },

    // A path inside the harness's temp dir (for clones and work trees).
    path: (...parts) => join(root, 'work', ...parts),

    // The repo's remote URL; with { token } the token rides in the URL as the
    // password (percent-encoded: it contains "?" and "=").
    remote(name, { token, user = 'x' } = {}) {
      const remote = new URL(`/git/${namespace}/${name}.git`, h.url);
      if (token !== undefined) {
        remote.username = user;
        remote.password = encodeURIComponent(token);
      }
      return remote.href;
    },

    // REST API call, `path` relative to h.restUrl ("/repos/x", "/tokens"): { status, body, headers }
    // (body parsed as JSON when the answer says JSON, else the text). A body is sent as JSON.
    // token: the Bearer token (default apiToken; null or undefined: no Authorization header).
    async api(method, path, body, { token = apiToken } = {}) {
      const headers = {};
      if (token !== null && token !== undefined) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(`${h.restUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: /^application\/json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text, headers: res.headers };
    },

    // POST /repos {name, ...opts} (opts in the REST body's snake_case: description,
    // default_branch, read_only); returns the create result { id, name, description,
    // default_branch, remote, token }.
    async createRepo(name, opts = {}) {
      const { status, body } = await h.api('POST', '/repos', { name, ...opts });
      const more = diagnostics();
      assert.equal(status, 201, `create ${name}: ${JSON.stringify(body)}${more ? `\n${more}` : ''}`);
      return body.result;
    },

    // POST /tokens {repo, scope, ttl}; returns the plaintext token.
    async createToken(name, scope = 'write', ttl = 3600) {
      const { status, body } = await h.api('POST', '/tokens', { repo: name, scope, ttl });
      assert.equal(status, 201, `token for ${name}: ${JSON.stringify(body)}`);
      return body.result.plaintext;
    },

    // Runs git; never throws for a non-zero exit. opts: { cwd, protocol (0|1|2),
    // token (sent as http.extraHeader "Authorization: Bearer <token>"), env, config: {key: value}, timeout }.
    async run(args, opts = {}) {
      const pre = [];
      if (opts.protocol !== undefined) pre.push('-c', `protocol.version=${opts.protocol}`);
      if (opts.token !== undefined) pre.push('-c', `http.extraHeader=Authorization: Bearer ${opts.token}`);
      for (const [key, value] of Object.entries(opts.config ?? {})) pre.push('-c', `${key}=${value}`);
      try {
        const { stdout, stderr } = await execFileAsync('git', [...pre, ...args], {
          cwd: opts.cwd ?? root,
          env: gitEnv(home, opts.env),
          timeout: opts.timeout ?? timeout,
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (e) {
        if (typeof e.code !== 'number') throw e; // spawn failure or timeout, not git's exit status
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },

    // Like run, but a non-zero exit throws with git's output (and diagnostics()) in the message.
    async git(args, opts = {}) {
      const r = await h.run(args, opts);
      if (r.code !== 0) {
        const error = new Error(`git ${args.join(' ')} exited ${r.code}\n--- stderr\n${r.stderr}--- stdout\n${r.stdout}${diagnostics()}`);
        Object.assign(error, r);
        throw error;
      }
      return r;
    },

    // git fsck --strict in `dir` (a work tree or a bare repo); throws on any problem.
    fsck: (dir) => h.git(['fsck', '--strict', '--no-progress'], { cwd: dir }),

    // Writes `files` ({ path: string | Uint8Array | null (delete) }) in work tree `dir`,
    // commits them all, and returns the new HEAD commit id.
    async commit(dir, files, message = 'commit') {
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        if (content === null) {
          rmSync(file);
        } else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, content);
        }
      }
      await h.git(['add', '-A'], { cwd: dir });
      await h.git(['commit', '-q', '-m', message], { cwd: dir });
      return h.head(dir);
    },

    // The commit id `ref` resolves to in `dir`.
    async head(dir, ref = 'HEAD') {
      return (await h.git(['rev-parse', ref], { cwd: dir })).stdout.trim();
    },

    // `git ls-tree -r` of `ref`: every path with its mode and blob id.
    async tree(dir, ref = 'HEAD') {
      return (await h.git(['ls-tree', '-r', '--full-tree', ref], { cwd: dir })).stdout;
    },

    // `git ls-remote` of repo `name` as a Map ref -> id (HEAD included).
    async lsRemote(name, token, protocol = 2) {
      const r = await h.git(['ls-remote', h.remote(name)], { token, protocol });
      return new Map(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').reverse()));
    },

    readFile: (dir, path) => readFileSync(join(dir, path)),
  };
  return h;
}

// options: { namespace = 'default', loadCore, log, webhook } (loadCore: a stand-in core for plumbing tests;
// log(line): the server's request/error log, by default on stderr when OA_SERVER_LOG is set;
// webhook: the server's `webhook` option).
export async function startGitHarness(options = {}) {
  const { namespace = 'default', loadCore } = options;
  const root = mkdtempSync(join(tmpdir(), 'oa-git-'));
  const home = makeGitHome(root);
  let server;
  try {
    // OA_SERVER_LOG=1 prints every request and server-side error to stderr.
    const log = options.log ?? (process.env.OA_SERVER_LOG ? (line) => process.stderr.write(`[server] ${line}\n`) : undefined);
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(root, 'data'), namespace, loadCore, log, webhook: options.webhook });
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const h = makeGitClient({ root, home, url: server.url, restUrl: `${server.restUrl}/namespaces/${namespace}`, namespace });
  h.server = server;
  h.close = async () => {
    await server.close({ graceMs: 1000 });
    rmSync(root, { recursive: true, force: true });
  };
  return h;
}

// The basic flow of a git host: clone the empty repo, commit, push, clone
// again and compare, then push a second commit and fetch it into the other
// clone. Each step checks its result; both clones pass `git fsck --strict`.
// auth: 'header' (http.extraHeader Bearer) or 'url' (token as the URL password).
export async function cloneCommitPushClone(h, { name, protocol, auth = 'header', bigFileBytes = 1536 * 1024 }) {
  const { token } = await h.createRepo(name);
  const remote = auth === 'url' ? h.remote(name, { token }) : h.remote(name);
  const opts = auth === 'url' ? { protocol } : { protocol, token };
  const a = h.path(`${name}-a`);
  const b = h.path(`${name}-b`);

  const empty = await h.git(['clone', remote, a], opts);
  assert.match(empty.stderr, /empty repository/, empty.stderr);

  const big = new Uint8Array(bigFileBytes);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536)); // incompressible
  const first = await h.commit(a, {
    'README.md': '# hello\n',
    'src/main.c': 'int main(void) { return 0; }\n',
    'data/random.bin': big,
    'empty.txt': '',
  }, 'first commit');
  await h.git(['push', 'origin', 'HEAD:refs/heads/main'], { ...opts, cwd: a });

  await h.git(['clone', remote, b], opts);
  assert.equal(await h.head(b), first, 'the second clone has the pushed commit');
  assert.equal(await h.tree(b), await h.tree(a), 'same tree');
  assert.ok(h.readFile(b, 'data/random.bin').equals(Buffer.from(big)), 'the big file arrived intact');

  const second = await h.commit(a, { 'README.md': '# hello again\n', 'src/main.c': null, 'src/lib.c': 'int f;\n' }, 'second commit');
  await h.git(['push', 'origin', 'HEAD:refs/heads/main'], { ...opts, cwd: a });
  await h.git(['pull', '--ff-only', 'origin', 'main'], { ...opts, cwd: b });
  assert.equal(await h.head(b), second, 'the second clone fetched the new commit');
  assert.equal(await h.tree(b), await h.tree(a));

  const remoteRefs = await h.git(['ls-remote', remote], opts);
  assert.match(remoteRefs.stdout, new RegExp(`^${second}\\trefs/heads/main$`, 'm'));
  await h.fsck(a);
  await h.fsck(b);
  return { a, b, token, first, second };
}

// Runs git in the harness's environment with `input` (string or bytes) on its
// stdin; resolves { code, stdout: Buffer, stderr: string } and never throws for
// a non-zero exit. opts: { cwd, env, config: {key: value}, timeout }.
export function gitWithInput(h, args, input, opts = {}) {
  const pre = [];
  for (const [key, value] of Object.entries(opts.config ?? {})) pre.push('-c', `${key}=${value}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', [...pre, ...args], {
      cwd: opts.cwd ?? h.root,
      env: gitEnv(h.home, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? GIT_TIMEOUT_MS);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`git ${args.join(' ')} killed by ${signal}`));
      else resolvePromise({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => {}); // git may exit before reading all of its input
    child.stdin.end(input);
  });
}

// A git fast-import stream, built up piece by piece: put(text | bytes),
// data(content) (a `data` command), commit(ref, mark, { from, message,
// author, committer, files }) (author optional; "Name <email> <time> <tz>";
// files: { path: string | bytes | null (delete) }); bytes() is the stream.
export function fastImportBuilder() {
  const parts = [];
  const put = (x) => parts.push(Buffer.isBuffer(x) ? x : Buffer.from(x));
  const data = (content) => {
    const b = Buffer.isBuffer(content) ? content : Buffer.from(content);
    put(`data ${b.length}\n`);
    put(b);
    put('\n');
  };
  const commit = (ref, mark, { from, message, author, committer, files = {} }) => {
    put(`commit ${ref}\nmark :${mark}\n${author ? `author ${author}\n` : ''}committer ${committer}\n`);
    data(message);
    if (from) put(`from :${from}\n`);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        put(`D ${path}\n`);
      } else {
        put(`M 100644 inline ${path}\n`);
        data(content);
      }
    }
    put('\n');
  };
  return { put, data, commit, bytes: () => Buffer.concat(parts) };
}

// A bare repo at `dir` made by `git fast-import` of `stream` (bytes or text), its HEAD at main.
export async function fastImportRepo(h, dir, stream) {
  await h.git(['init', '-q', '--bare', dir]);
  const r = await gitWithInput(h, ['fast-import', '--quiet'], stream, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  await h.git(['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: dir });
}

// Creates repo `name` and pushes a first commit of `files` to its main from a clone
// at h.path(`${name}-seed`); resolves { token, seed (that clone), head (the commit) }.
export async function createRepoWithCommit(h, name, files, message = 'commit') {
  const { token } = await h.createRepo(name);
  const seed = h.path(`${name}-seed`);
  await h.git(['clone', '-q', h.remote(name), seed], { token });
  const head = await h.commit(seed, files, message);
  await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token, cwd: seed });
  return { token, seed, head };
}

// Runs `fn(item, index)` over `items` with at most `limit` at a time; resolves the results in order.
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

// One harness per test file, started on first use and closed after the file's
// tests: `const h = sharedHarness();` then `const hh = await h();` in a test.
export function sharedHarness(options) {
  let harness;
  after(() => harness?.close());
  return async () => (harness ??= await startGitHarness(options));
}

// A git server in this process (in-process-server.mjs), for tests that need
// the Artifacts object itself.
export { startInProcessServer } from './in-process-server.mjs';
