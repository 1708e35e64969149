// The local server (js/src/server.js) and its CLI: the control API with
// Cloudflare's envelope and the core's errors as HTTP statuses, persistence
// across restarts on the same data dir, and a clean shutdown on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../js/src/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = /^art_v1_[0-9a-f]{40}\?expires=\d+$/;

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'oa-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(t, dataDir, options = {}) {
  const server = await startServer({ port: 0, dataDir, ...options });
  t.after(() => server.close());
  return server;
}

function client(server) {
  return async (method, path, body, { raw } = {}) => {
    const init = { method };
    // State-changing requests must say JSON (CSRF guard), also without a body.
    if (body !== undefined || method === 'POST') init.headers = { 'Content-Type': 'application/json' };
    if (body !== undefined) init.body = raw ? body : JSON.stringify(body);
    const res = await fetch(new URL(path, server.url), init);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    return { status: res.status, body: await res.json() };
  };
}

function assertSuccess({ status, body }, expectedStatus) {
  assert.equal(status, expectedStatus, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), ['result', 'success', 'errors', 'messages']);
  assert.equal(body.success, true);
  assert.deepEqual(body.errors, []);
  assert.deepEqual(body.messages, []);
  return body.result;
}

function assertFailure({ status, body }, expectedStatus, numericCode) {
  assert.equal(status, expectedStatus, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), ['result', 'success', 'errors', 'messages']);
  assert.equal(body.result, null);
  assert.equal(body.success, false);
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0].code, numericCode, JSON.stringify(body));
  assert.equal(typeof body.errors[0].message, 'string');
  assert.ok(body.errors[0].message.length > 0);
  return body.errors[0];
}

test('control API: create, list, info, token, delete in the success envelope', async (t) => {
  const server = await start(t, tempDir(t));
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const api = client(server);

  const created = assertSuccess(await api('POST', '/api/repos', { name: 'demo', description: 'first', defaultBranch: 'trunk' }), 201);
  assert.equal(created.name, 'demo');
  assert.equal(created.description, 'first');
  assert.equal(created.defaultBranch, 'trunk');
  assert.equal(created.remote, `${server.url}/git/default/demo.git`, 'remotes point at the listening address');
  assert.match(created.token, TOKEN);
  assertSuccess(await api('POST', '/api/repos', { name: 'second', readOnly: true }), 201);

  const list = assertSuccess(await api('GET', '/api/repos'), 200);
  assert.equal(list.total, 2);
  assert.deepEqual(list.repos.map((r) => r.name).sort(), ['demo', 'second']);
  const page = assertSuccess(await api('GET', '/api/repos?limit=1'), 200);
  assert.equal(page.repos.length, 1);
  assert.equal(typeof page.cursor, 'string');
  const rest = assertSuccess(await api('GET', `/api/repos?limit=1&cursor=${encodeURIComponent(page.cursor)}`), 200);
  assert.notEqual(rest.repos[0].name, page.repos[0].name);

  const info = assertSuccess(await api('GET', '/api/repos/DEMO'), 200);
  assert.equal(info.id, created.id);
  assert.equal(info.readOnly, false);
  assert.equal(assertSuccess(await api('GET', '/api/repos/second'), 200).readOnly, true);

  const token = assertSuccess(await api('POST', '/api/repos/demo/tokens', { scope: 'read', ttl: 600 }), 201);
  assert.equal(token.scope, 'read');
  assert.match(token.plaintext, TOKEN);
  const defaults = assertSuccess(await api('POST', '/api/repos/demo/tokens'), 201);
  assert.equal(defaults.scope, 'write', 'no body: the core defaults');

  assert.deepEqual(assertSuccess(await api('DELETE', '/api/repos/demo'), 200), { deleted: true });
  assertFailure(await api('GET', '/api/repos/demo'), 404, 10200);
  assertFailure(await api('DELETE', '/api/repos/demo'), 404, 10200);
  assert.equal(assertSuccess(await api('GET', '/api/repos'), 200).total, 1);
});

test('control API: the core errors as HTTP statuses in the error envelope', async (t) => {
  const server = await start(t, tempDir(t));
  const api = client(server);
  assertSuccess(await api('POST', '/api/repos', { name: 'taken' }), 201);

  const invalidName = assertFailure(await api('POST', '/api/repos', { name: 'bad name' }), 400, 10101);
  assert.deepEqual(invalidName.source, { pointer: '/name' });
  assertFailure(await api('POST', '/api/repos', {}), 400, 10101);
  assertFailure(await api('POST', '/api/repos', { name: 'TAKEN' }), 409, 10201);
  assertFailure(await api('POST', '/api/repos', { name: 'ok', description: 5 }), 400, 10100);
  assertFailure(await api('POST', '/api/repos', { name: 'ok', defaultBranch: 'bad..branch' }), 400, 10100);
  assertFailure(await api('POST', '/api/repos', '{"name": nope', { raw: true }), 400, 10100);
  assertFailure(await api('POST', '/api/repos', 'x'.repeat(1024 * 1024 + 1), { raw: true }), 413, 10402);
  assertFailure(await api('GET', '/api/repos?limit=0'), 400, 10100);
  assertFailure(await api('GET', '/api/repos?limit=abc'), 400, 10100);
  assertFailure(await api('GET', '/api/repos?cursor=forged'), 400, 10100);
  assertFailure(await api('GET', '/api/repos/missing'), 404, 10200);
  assertFailure(await api('GET', '/api/repos/%E0%A4%A'), 400, 10100);
  assertFailure(await api('POST', '/api/repos/taken/tokens', { ttl: 59 }), 400, 10103);
  assertFailure(await api('POST', '/api/repos/taken/tokens', { scope: 'admin' }), 400, 10100);
  assertFailure(await api('POST', '/api/repos/missing/tokens', {}), 404, 10200);
  assertFailure(await api('PUT', '/api/repos'), 404, 10200);
  assertFailure(await api('GET', '/nowhere'), 404, 10200);
  assert.equal(assertSuccess(await api('GET', '/api/repos'), 200).total, 1, 'no failed call changed anything');
});

test('the repos survive a restart on the same data dir', async (t) => {
  const dataDir = tempDir(t);
  const first = await startServer({ port: 0, dataDir });
  const created = assertSuccess(await client(first)('POST', '/api/repos', { name: 'durable', description: 'kept' }), 201);
  await first.close();
  assert.ok(existsSync(join(dataDir, 'artifacts.sqlite')));
  await assert.rejects(fetch(`${first.url}/api/repos`), 'the first server is gone');

  const second = await start(t, dataDir);
  const api = client(second);
  const info = assertSuccess(await api('GET', '/api/repos/durable'), 200);
  assert.equal(info.id, created.id);
  assert.equal(info.description, 'kept');
  assert.equal(info.remote, `${second.url}/git/default/durable.git`, 'remotes follow the current address');
  assertFailure(await api('POST', '/api/repos', { name: 'durable' }), 409, 10201);
});

test('/git/ goes to artifacts.fetch', async (t) => {
  const server = await start(t, tempDir(t));
  const res = await fetch(`${server.url}/git/default/x.git/info/refs?service=git-upload-pack`);
  await res.arrayBuffer();
  assert.equal(res.status, 401, 'the core asks for credentials');
  assert.equal(res.headers.get('www-authenticate'), 'Basic realm="artifacts"');
});

test('a bad namespace fails at start and frees the port and the database', async (t) => {
  const dataDir = tempDir(t);
  await assert.rejects(startServer({ port: 0, dataDir, namespace: 'x' }), { name: 'ArtifactsError', code: 'INVALID_INPUT' });
  const ok = await start(t, dataDir, { namespace: 'team-a' });
  assertSuccess(await client(ok)('POST', '/api/repos', { name: 'r' }), 201);
  assert.match(assertSuccess(await client(ok)('GET', '/api/repos/r'), 200).remote, /\/git\/team-a\/r\.git$/);
});

test('CLI: open-artifacts serve --port 0 prints its URL, how to clone and the demo URL, stops cleanly on SIGTERM', async (t) => {
  const dataDir = tempDir(t);
  const child = spawn(process.execPath, [join(root, 'js/bin/open-artifacts.js'), 'serve', '--port', '0', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
  assert.match(out, new RegExp(`curl -s -X POST ${url}/client/v4/accounts/local/artifacts/namespaces/default/repos `));
  assert.match(out, /^ {2}node \S*js\/bin\/open-artifacts\.js repos create my-repo$/m, 'and the CLI');
  assert.match(out, new RegExp(`git clone -c http.extraHeader="Authorization: Bearer \\$TOKEN" ${url}/git/default/my-repo.git`));
  assert.match(out, new RegExp(`^Browser demo: ${url}/demo/ `, 'm'), 'npm start shows where the browser demo is');

  const res = await fetch(`${url}/api/repos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'via-cli' }),
  });
  assert.equal(res.status, 201);
  await res.json();
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null }, out);
  assert.match(out, /SIGTERM/);
  assert.match(out, /POST \/api\/repos 201/, 'requests are logged');

  const again = await start(t, dataDir);
  assertSuccess(await client(again)('GET', '/api/repos/via-cli'), 200);
});

test('CLI: bad arguments exit 2 with usage', async () => {
  for (const args of [['serve', '--port', 'abc'], ['serve', '--bogus'], ['frobnicate'], []]) {
    const child = spawn(process.execPath, [join(root, 'js/bin/open-artifacts.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 2, `${args.join(' ')}: ${err}`);
    assert.match(err, args[0] === 'serve' ? /Usage: open-artifacts serve/ : /Usage: open-artifacts /);
  }
});
