// The local server (js/src/server.js) and its CLI: the REST API (Cloudflare
// v4 envelope, snake_case shapes, the core's errors as HTTP statuses),
// persistence across restarts on the same data dir, and a clean shutdown on SIGTERM.
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
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const REST = '/client/v4/accounts/local/artifacts';
const NS = `${REST}/namespaces/default`;

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

// One request, `path` from the server's root: { status, type, body } (body
// parsed when the answer is JSON, else the text).
function client(server) {
  return async (method, path, body, { raw } = {}) => {
    const init = { method };
    // State-changing requests must say JSON (CSRF guard), also without a body.
    if (body !== undefined || method !== 'GET') init.headers = { 'Content-Type': 'application/json' };
    if (body !== undefined) init.body = raw ? body : JSON.stringify(body);
    const res = await fetch(new URL(path, server.url), init);
    const type = res.headers.get('content-type');
    const text = await res.text();
    return { status: res.status, type, body: /^application\/json/.test(type) ? JSON.parse(text) : text };
  };
}

const ENVELOPE = ['result', 'success', 'errors', 'messages'];

function assertSuccess({ status, body }, expectedStatus) {
  assert.equal(status, expectedStatus, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), ENVELOPE);
  assert.equal(body.success, true);
  assert.deepEqual(body.errors, []);
  assert.deepEqual(body.messages, []);
  return body.result;
}

// A list: the envelope plus result_info; returns { result, info }.
function assertList({ status, body }) {
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), [...ENVELOPE, 'result_info']);
  assert.equal(body.success, true);
  assert.ok(Array.isArray(body.result));
  return { result: body.result, info: body.result_info };
}

function assertFailure({ status, type, body }, expectedStatus, numericCode) {
  assert.equal(status, expectedStatus, JSON.stringify(body));
  assert.match(type, /^application\/json/);
  assert.deepEqual(Object.keys(body), ENVELOPE);
  assert.equal(body.result, null);
  assert.equal(body.success, false);
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0].code, numericCode, JSON.stringify(body));
  assert.equal(typeof body.errors[0].message, 'string');
  assert.ok(body.errors[0].message.length > 0);
  return body.errors[0];
}

// No such route under the REST base: a plain-text 404, as the live service answers.
function assertNoRoute({ status, type, body }) {
  assert.equal(status, 404, body);
  assert.match(type, /^text\/plain/);
  assert.equal(body, '404 Not Found');
}

const REPO_KEYS = ['id', 'name', 'description', 'default_branch', 'created_at', 'updated_at', 'last_push_at', 'source', 'read_only', 'remote'];

test('REST API: create, list, info, tokens, delete in the success envelope', async (t) => {
  const server = await start(t, tempDir(t));
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.restUrl, `${server.url}${REST}`);
  const api = client(server);

  const created = assertSuccess(await api('POST', `${NS}/repos`, { name: 'demo', description: 'first', default_branch: 'trunk' }), 201);
  assert.deepEqual(Object.keys(created), ['id', 'name', 'description', 'default_branch', 'remote', 'token']);
  assert.equal(created.name, 'demo');
  assert.equal(created.description, 'first');
  assert.equal(created.default_branch, 'trunk');
  assert.equal(created.remote, `${server.url}/git/default/demo.git`, 'remotes point at the listening address');
  assert.match(created.token, TOKEN);
  assertSuccess(await api('POST', `${NS}/repos`, { name: 'second', read_only: true }), 201);

  const list = assertList(await api('GET', `${NS}/repos`));
  assert.deepEqual(list.info, { page: 1, per_page: 50, total_pages: 1, count: 2, total_count: 2 }, 'everything on one page: the offset form');
  assert.deepEqual(list.result.map((r) => r.name).sort(), ['demo', 'second']);
  for (const r of list.result) assert.deepEqual(Object.keys(r), [...REPO_KEYS, 'status']);
  assert.equal(list.result.find((r) => r.name === 'demo').status, 'ready');
  const page = assertList(await api('GET', `${NS}/repos?limit=1`));
  assert.equal(page.result.length, 1);
  assert.deepEqual(Object.keys(page.info), ['cursor', 'per_page', 'count'], 'more pages remain: the cursor form');
  assert.equal(typeof page.info.cursor, 'string');
  assert.ok(page.info.cursor.length > 0);
  assert.equal(page.info.per_page, 1);
  assert.equal(page.info.count, 1);
  const rest = assertList(await api('GET', `${NS}/repos?limit=1&cursor=${encodeURIComponent(page.info.cursor)}`));
  assert.equal(rest.result.length, 1);
  assert.notEqual(rest.result[0].name, page.result[0].name);
  assert.deepEqual(rest.info, { cursor: '', per_page: 1, count: 1 }, 'the last page by cursor: an empty cursor');

  const info = assertSuccess(await api('GET', `${NS}/repos/DEMO`), 200);
  assert.deepEqual(Object.keys(info), REPO_KEYS);
  assert.equal(info.id, created.id);
  assert.equal(info.name, 'demo');
  assert.equal(info.default_branch, 'trunk');
  assert.equal(info.read_only, false);
  assert.equal(info.last_push_at, null);
  assert.match(info.created_at, ISO);
  assert.equal(info.remote, created.remote);
  assert.equal(assertSuccess(await api('GET', `${NS}/repos/second`), 200).read_only, true);

  const before = Date.now();
  const token = assertSuccess(await api('POST', `${NS}/tokens`, { repo: 'demo', scope: 'read', ttl: 600 }), 201);
  assert.deepEqual(Object.keys(token), ['id', 'plaintext', 'scope', 'expires_at']);
  assert.equal(token.scope, 'read');
  assert.match(token.plaintext, TOKEN);
  const expires = Date.parse(token.expires_at);
  assert.ok(expires >= before + 599_000 && expires <= Date.now() + 601_000, `${token.expires_at}: in 600 s`);
  const defaults = assertSuccess(await api('POST', `${NS}/tokens`, { repo: 'demo' }), 201);
  assert.equal(defaults.scope, 'write', 'no scope, no ttl: the core defaults');
  const tokens = assertList(await api('GET', `${NS}/repos/demo/tokens`));
  const ids = tokens.result.map((k) => k.id);
  assert.ok(ids.includes(token.id) && ids.includes(defaults.id), JSON.stringify(tokens.result));
  const listed = tokens.result.find((k) => k.id === token.id);
  assert.deepEqual(Object.keys(listed), ['id', 'scope', 'state', 'created_at', 'expires_at']);
  assert.deepEqual([listed.scope, listed.state, listed.expires_at], ['read', 'active', token.expires_at]);
  assert.match(listed.created_at, ISO);
  assert.ok(!JSON.stringify(tokens.result).includes('art_v1_'), 'a token list never shows a secret');
  assert.deepEqual(tokens.info, { page: 1, per_page: 30, total_pages: 1, count: ids.length, total_count: ids.length });
  assert.deepEqual(assertSuccess(await api('DELETE', `${NS}/tokens/${token.id}`), 200), { id: token.id });
  const revoked = assertList(await api('GET', `${NS}/repos/demo/tokens?state=revoked`));
  assert.deepEqual(revoked.result.map((k) => [k.id, k.state]), [[token.id, 'revoked']]);
  assertFailure(await api('DELETE', `${NS}/tokens/no-such-token`), 404, 10200);

  assert.deepEqual(assertSuccess(await api('DELETE', `${NS}/repos/demo`), 202), { id: created.id });
  assertFailure(await api('GET', `${NS}/repos/demo`), 404, 10200);
  assertFailure(await api('DELETE', `${NS}/repos/demo`), 404, 10200);
  assert.equal(assertList(await api('GET', `${NS}/repos`)).info.total_count, 1);
});

test('REST API: the core errors as HTTP statuses in the error envelope', async (t) => {
  const server = await start(t, tempDir(t));
  const api = client(server);
  assertSuccess(await api('POST', `${NS}/repos`, { name: 'taken' }), 201);

  const invalidName = assertFailure(await api('POST', `${NS}/repos`, { name: 'bad name' }), 400, 10101);
  assert.deepEqual(invalidName.source, { pointer: '/name' });
  assertFailure(await api('POST', `${NS}/repos`, {}), 400, 10101);
  assertFailure(await api('POST', `${NS}/repos`, { name: 'TAKEN' }), 409, 10201);
  assertFailure(await api('POST', `${NS}/repos`, { name: 'ok', description: 5 }), 400, 10100);
  assertFailure(await api('POST', `${NS}/repos`, { name: 'ok', default_branch: 'bad..branch' }), 400, 10100);
  assertFailure(await api('POST', `${NS}/repos`, '{"name": nope', { raw: true }), 400, 10100);
  assert.equal(assertFailure(await api('POST', `${NS}/repos`, '', { raw: true }), 400, 10100).message, 'a JSON body is required');
  assert.equal(assertFailure(await api('POST', `${NS}/repos`, '["ok"]', { raw: true }), 400, 10100).message, 'the JSON body must be an object');
  assertFailure(await api('POST', `${NS}/repos`, 'x'.repeat(1024 * 1024 + 1), { raw: true }), 413, 10402);
  // The connection the 413 came back on stays usable (the unread body is dropped).
  assertFailure(await api('GET', `${NS}/repos?limit=0`), 400, 10100);
  assertFailure(await api('GET', `${NS}/repos?limit=abc`), 400, 10100);
  assertFailure(await api('GET', `${NS}/repos?cursor=forged`), 400, 10100);
  assertFailure(await api('GET', `${NS}/repos/missing`), 404, 10200);
  // A malformed percent-encoding reaches the core as it is: not a repo name.
  assert.deepEqual(assertFailure(await api('GET', `${NS}/repos/%E0%A4%A`), 400, 10101).source, { pointer: '/name' });
  assertFailure(await api('POST', `${NS}/tokens`, { repo: 'taken', ttl: 59 }), 400, 10103);
  assertFailure(await api('POST', `${NS}/tokens`, { repo: 'taken', scope: 'admin' }), 400, 10100);
  assertFailure(await api('POST', `${NS}/tokens`, { repo: 'missing' }), 404, 10200);
  assert.deepEqual(assertFailure(await api('POST', `${NS}/tokens`, {}), 400, 10101).source, { pointer: '/repo' }, 'the repo is named by `repo` here');
  assert.equal(assertFailure(await api('POST', `${NS}/tokens`, '', { raw: true }), 400, 10100).message, 'a JSON body is required');
  // Unknown routes and methods under the REST base: plain 404; elsewhere the JSON envelope.
  assertNoRoute(await api('PUT', `${NS}/repos`));
  assertNoRoute(await api('DELETE', `${NS}/repos`));
  assertNoRoute(await api('GET', `${REST}/nowhere`));
  assertFailure(await api('GET', '/nowhere'), 404, 10200);
  assertFailure(await api('GET', '/api/repos'), 404, 10200);
  assert.equal(assertList(await api('GET', `${NS}/repos`)).info.total_count, 1, 'no failed call changed anything');
});

test('the repos survive a restart on the same data dir', async (t) => {
  const dataDir = tempDir(t);
  const first = await startServer({ port: 0, dataDir });
  const created = assertSuccess(await client(first)('POST', `${NS}/repos`, { name: 'durable', description: 'kept' }), 201);
  await first.close();
  assert.ok(existsSync(join(dataDir, 'artifacts.sqlite')));
  await assert.rejects(fetch(`${first.url}${NS}/repos`), 'the first server is gone');

  const second = await start(t, dataDir);
  const api = client(second);
  const info = assertSuccess(await api('GET', `${NS}/repos/durable`), 200);
  assert.equal(info.id, created.id);
  assert.equal(info.description, 'kept');
  assert.equal(info.remote, `${second.url}/git/default/durable.git`, 'remotes follow the current address');
  assertFailure(await api('POST', `${NS}/repos`, { name: 'durable' }), 409, 10201);
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
  const teamA = `${REST}/namespaces/team-a`;
  assertSuccess(await client(ok)('POST', `${teamA}/repos`, { name: 'r' }), 201);
  assert.match(assertSuccess(await client(ok)('GET', `${teamA}/repos/r`), 200).remote, /\/git\/team-a\/r\.git$/);
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

  // The banner's wording is the CLI's own; this checks only what it must say: the
  // listening URL, the REST API's base, how to clone (a /git/ remote) and the demo.
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
    child.stdout.on('data', () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && out.includes(`${m[1]}/client/v4/accounts/`) && out.includes('/demo/')) {
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

  const res = await fetch(`${url}${NS}/repos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'via-cli' }),
  });
  assert.equal(res.status, 201);
  assert.equal((await res.json()).result.name, 'via-cli');
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null }, out);
  assert.match(out, /SIGTERM/);
  assert.ok(out.includes(`POST ${NS}/repos 201`), `requests are logged: ${out}`);

  const again = await start(t, dataDir);
  assert.equal(assertSuccess(await client(again)('GET', `${NS}/repos/via-cli`), 200).name, 'via-cli');
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
