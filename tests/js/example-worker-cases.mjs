// The checks of examples/worker (the Workers binding docs' example Worker, run
// UNCHANGED): each route, the tokens it returns with real git clients, its
// error answers. exampleWorkerCases({ start }) declares them (with their own
// before/after hooks) wherever it is called: at the top level of
// example_worker.test.mjs (env.ARTIFACTS = createArtifacts in the example's own
// isolate) and inside a describe() of workerd_binding.test.mjs (env.ARTIFACTS =
// a service binding to the Worker entry's ArtifactsBinding).
//
// start() resolves to { url (the example Worker), gitBase (the origin its
// remotes name), output() (workerd's log), close() }.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const TOKEN = /^art_v1_[0-9a-f]{40}\?expires=\d+$/;

export function exampleWorkerCases({ start }) {
  let worker;
  let base;
  let gitBase;
  let dir;
  let home;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oa-example-git-'));
    home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Example\n\temail = example@example.test\n[init]\n\tdefaultBranch = main\n[credential]\n\thelper =\n');
    worker = await start();
    base = worker.url;
    gitBase = worker.gitBase;
  });

  after(() => {
    worker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A request to the example Worker: { status, body } with the body parsed as JSON.
  async function call(method, path, body) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    return { status: res.status, body: await res.json() };
  }

  // git in an isolated environment; the token (if any) as a Bearer header.
  async function git(args, { token, cwd = dir } = {}) {
    const pre = token === undefined ? [] : ['-c', `http.extraHeader=Authorization: Bearer ${token}`];
    try {
      const { stdout, stderr } = await execFileAsync('git', [...pre, ...args], {
        cwd,
        env: { PATH: process.env.PATH, HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      if (typeof e.code !== 'number') throw e;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  // A fresh work tree with one commit; returns its id.
  async function commitIn(name, file) {
    const work = join(dir, 'work', name);
    mkdirSync(work, { recursive: true });
    await git(['init', '-q', work]);
    writeFileSync(join(work, file), `${file}\n`);
    await git(['-C', work, 'add', file]);
    assert.equal((await git(['-C', work, 'commit', '-q', '-m', `add ${file}`])).code, 0);
    return { work, id: (await git(['-C', work, 'rev-parse', 'HEAD'])).stdout.trim() };
  }

  let created;
  let pushed;

  test('POST /repos creates a repo whose remote and write token work with git', async () => {
    const res = await call('POST', '/repos', { name: 'demo' });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['name', 'remote', 'token']);
    assert.equal(res.body.name, 'demo');
    assert.equal(res.body.remote, `${gitBase}/git/default/demo.git`);
    assert.match(res.body.token, TOKEN);
    created = res.body;

    const empty = await git(['ls-remote', created.remote], { token: created.token });
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, '');

    pushed = await commitIn('demo', 'README.md');
    const push = await git(['-C', pushed.work, 'push', '-q', created.remote, 'HEAD:refs/heads/main'], { token: created.token });
    assert.equal(push.code, 0, push.stderr);
    const listed = await git(['ls-remote', created.remote, 'refs/heads/main'], { token: created.token });
    assert.equal(listed.stdout, `${pushed.id}\trefs/heads/main\n`);

    const anonymous = await git(['ls-remote', created.remote]);
    assert.notEqual(anonymous.code, 0);
  });

  test('POST /repos without a body creates the docs\' "starter-repo"', async () => {
    const res = await fetch(`${base}/repos`, { method: 'POST' });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.name, 'starter-repo');
    assert.equal(body.remote, `${gitBase}/git/default/starter-repo.git`);
    assert.match(body.token, TOKEN);
  });

  test('GET /repos/<name> answers the repo info fields', async () => {
    const res = await call('GET', '/repos/demo');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['id', 'name', 'remote', 'defaultBranch']);
    assert.match(res.body.id, /^[0-9a-z]{16}$/);
    assert.equal(res.body.name, 'demo');
    assert.equal(res.body.remote, created.remote);
    assert.equal(res.body.defaultBranch, 'main');
    // Names are case-insensitive; the stored spelling comes back.
    assert.deepEqual((await call('GET', '/repos/DEMO')).body, res.body);
  });

  test('POST /tokens mints a read token (default) the git server accepts for reads only', async () => {
    const before = Date.now();
    const res = await call('POST', '/tokens', { repo: 'demo' });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['expiresAt', 'id', 'plaintext', 'scope']);
    assert.match(res.body.id, /^[0-9a-z]{16}$/);
    assert.equal(res.body.scope, 'read');
    assert.match(res.body.plaintext, TOKEN);
    const ttl = (Date.parse(res.body.expiresAt) - before) / 1000;
    assert.ok(ttl > 3590 && ttl <= 3601, `ttl ${ttl}`);

    const listed = await git(['ls-remote', created.remote, 'refs/heads/main'], { token: res.body.plaintext });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, `${pushed.id}\trefs/heads/main\n`);

    const refused = await git(['-C', pushed.work, 'push', created.remote, 'HEAD:refs/heads/other'], { token: res.body.plaintext });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /403|Insufficient permissions/);
  });

  test('POST /tokens with scope "write" and a ttl mints a token that pushes', async () => {
    const res = await call('POST', '/tokens', { repo: 'demo', scope: 'write', ttl: 120 });
    assert.equal(res.status, 200);
    assert.equal(res.body.scope, 'write');
    const next = await commitIn('demo-2', 'NOTES.md');
    const push = await git(['-C', next.work, 'push', '-q', created.remote, 'HEAD:refs/heads/notes'], { token: res.body.plaintext });
    assert.equal(push.code, 0, push.stderr);
    const listed = await git(['ls-remote', created.remote, 'refs/heads/notes'], { token: created.token });
    assert.equal(listed.stdout, `${next.id}\trefs/heads/notes\n`);

    // A token for another repo is refused by this one.
    const other = await call('POST', '/tokens', { repo: 'starter-repo' });
    const wrongRepo = await git(['ls-remote', created.remote], { token: other.body.plaintext });
    assert.notEqual(wrongRepo.code, 0);
    assert.match(wrongRepo.stderr, /403|Invalid or expired token/);
  });

  test('errors become the example\'s JSON errors with matching statuses', async () => {
    const expectError = async (res, status, code, numericCode, message) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body), ['error']);
      assert.equal(res.body.error.code, code);
      assert.equal(res.body.error.numericCode, numericCode);
      assert.match(res.body.error.message, message);
    };
    await expectError(await call('POST', '/repos', { name: 'demo' }), 409, 'ALREADY_EXISTS', 10201, /already exists/i);
    await expectError(await call('POST', '/repos', { name: 'Demo' }), 409, 'ALREADY_EXISTS', 10201, /already exists/i);
    await expectError(await call('POST', '/repos', { name: 'bad name' }), 400, 'INVALID_REPO_NAME', 10101, /repo name/i);
    await expectError(await call('GET', '/repos/missing'), 404, 'NOT_FOUND', 10200, /not found/i);
    await expectError(await call('POST', '/tokens', { repo: 'missing' }), 404, 'NOT_FOUND', 10200, /not found/i);
    await expectError(await call('POST', '/tokens', { repo: 'demo', ttl: 59 }), 400, 'INVALID_TTL', 10103, /ttl/i);

    // The failed calls changed nothing; a name the core rejects in a path is a 400 too.
    assert.equal((await call('GET', '/repos/demo')).status, 200);
    assert.equal((await call('GET', '/repos/bad%20name')).status, 400);
  });

  test('other routes answer the example\'s 404 JSON', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/repos'],
      ['DELETE', '/repos/demo'],
      ['GET', '/tokens'],
    ]) {
      const res = await call(method, path);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(res.body, { message: 'Use POST /repos, GET /repos/<name>, or POST /tokens.' });
    }
    // DELETE did not reach the binding.
    assert.equal((await call('GET', '/repos/demo')).status, 200);
  });

  test('workerd logged no errors', () => {
    assert.doesNotMatch(worker.output(), /error|uncaught/i, worker.output());
  });
}
