// The local HTTP surface resists the browser (hardening parts 5, 9 and the
// git session limit): Host checks against DNS rebinding on every route, CSRF
// checks on REST API writes (and git POSTs that a page cannot forge), the
// API tokens (edit, read-only) that exposing the server requires, duplicate
// identical Authorization headers from git, and the limit on git requests in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStorage } from 'open-artifacts';
import { startServer, ServerConfigError } from '../../js/src/server.js';
import { sharedHarness, gitWithInput } from './git-harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RECEIVE = 'application/x-git-receive-pack-request';
const API_TOKEN = 'test-api-token-0123456789abcdef';
const READ_TOKEN = 'test-read-token-0123456789abcdef';
// The REST API (js/src/rest/handler.js) of account "local", namespace "default".
const REST = '/client/v4/accounts/local/artifacts';
const REPOS = `${REST}/namespaces/default/repos`;
const TOKENS = `${REST}/namespaces/default/tokens`;
const h = sharedHarness();

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'oa-security-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(t, options = {}) {
  const server = await startServer({ port: 0, dataDir: tempDir(t), ...options });
  t.after(() => server.close({ graceMs: 100 }));
  return server;
}

// One raw request (any Host, any headers): { status, headers, text, json }.
// headers: lower-case names; values may be arrays (repeated headers).
function raw(server, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            // a git or plain-text answer
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Every stored row, through a second connection to the server's database.
function snapshot(server) {
  const storage = new SqliteStorage(server.dbPath);
  try {
    return JSON.stringify(storage.snapshot());
  } finally {
    storage.close();
  }
}

const json = (body) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });
const post = (server, path, { headers = {}, body } = {}) => raw(server, { method: 'POST', path, headers, body });

test('Host must be the bound address, a loopback name or a --public-host name, on every route (DNS rebinding)', async (t) => {
  const server = await start(t, { publicHosts: ['git.example.com', 'pinned.example:8443'] });
  const before = snapshot(server);
  const refused = ['evil.example', `evil.example:${server.port}`, `localhost:${server.port + 1}`, 'pinned.example', 'pinned.example:9', 'git.example.com.evil.example'];
  for (const host of refused) {
    const create = await post(server, REPOS, { headers: { host, 'content-type': 'application/json' }, body: '{"name":"rebound"}' });
    assert.equal(create.status, 421, `${host}: ${create.text}`);
    assert.match(create.json.errors[0].message, /does not answer to Host/);
    assert.equal((await raw(server, { path: REPOS, headers: { host } })).status, 421, host);
    assert.equal((await raw(server, { path: '/git/default/rebound.git/info/refs?service=git-upload-pack', headers: { host } })).status, 421, host);
    assert.equal((await raw(server, { path: '/nowhere', headers: { host } })).status, 421, host);
  }
  assert.equal(snapshot(server), before, 'nothing was created');
  const allowed = [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`, 'git.example.com', 'git.example.com:1234', 'pinned.example:8443'];
  for (const host of allowed) {
    const list = await raw(server, { path: REPOS, headers: { host } });
    assert.equal(list.status, 200, `${host}: ${list.text}`);
  }
  // The allowed names work for writes too.
  assert.equal((await post(server, REPOS, { headers: { host: 'git.example.com', 'content-type': 'application/json' }, body: '{"name":"ok"}' })).status, 201);
});

test('CSRF: REST API writes refuse foreign origins, cross-site fetches and non-JSON bodies; nothing changes', async (t) => {
  const server = await start(t);
  const victim = await post(server, REPOS, { headers: { 'content-type': 'application/json' }, body: '{"name":"victim"}' });
  assert.equal(victim.status, 201);
  const tokens = await raw(server, { path: `${REPOS}/victim/tokens` });
  assert.equal(tokens.status, 200, tokens.text);
  const [{ id: tokenId }] = tokens.json.result; // the token create() minted
  const before = snapshot(server);
  const evil = 'http://evil.example';
  const cases = [
    // The reported attack: a text/plain POST from a foreign page minted a write token.
    ['POST', TOKENS, { 'content-type': 'text/plain', origin: evil }, '{"repo":"victim","scope":"write"}', 403],
    ['POST', TOKENS, { 'content-type': 'text/plain;charset=UTF-8' }, '{"repo":"victim","scope":"write"}', 415],
    ['POST', TOKENS, {}, '', 415],
    ['POST', REPOS, { 'content-type': 'application/x-www-form-urlencoded' }, 'name=csrf', 415],
    ['POST', REPOS, { 'content-type': 'multipart/form-data; boundary=x' }, '--x--', 415],
    ['POST', REPOS, { 'content-type': 'application/json', origin: evil }, '{"name":"csrf"}', 403],
    ['POST', REPOS, { 'content-type': 'application/json', origin: 'null' }, '{"name":"csrf"}', 403],
    ['POST', REPOS, { 'content-type': 'application/json', origin: `http://localhost:${server.port + 1}` }, '{"name":"csrf"}', 403],
    ['POST', REPOS, { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, '{"name":"csrf"}', 403],
    ['POST', `${REPOS}/victim/fork`, { 'content-type': 'text/plain', origin: evil }, '{"name":"forked"}', 403],
    ['POST', `${REPOS}/csrf/import`, { 'content-type': 'text/plain', origin: evil }, '{"url":"https://example.com/r.git"}', 403],
    ['POST', `${REST}/namespaces`, { 'content-type': 'application/json', origin: evil }, '{"namespace":"csrf"}', 403],
    ['DELETE', `${REPOS}/victim`, { origin: evil }, undefined, 403],
    ['DELETE', `${REPOS}/victim`, { 'sec-fetch-site': 'cross-site' }, undefined, 403],
    ['DELETE', `${TOKENS}/${tokenId}`, { origin: evil }, undefined, 403],
    ['DELETE', `${REST}/namespaces/default`, { 'sec-fetch-site': 'cross-site' }, undefined, 403],
  ];
  for (const [method, path, headers, body, status] of cases) {
    const r = await raw(server, { method, path, headers, body });
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(headers)}: ${r.text}`);
    assert.equal(r.json.success, false);
  }
  assert.equal(snapshot(server), before, 'no refused request changed storage');

  // Our own origin, a loopback alias of it, and non-browser clients pass.
  const own = await post(server, TOKENS, { headers: { 'content-type': 'application/json', origin: server.url }, body: '{"repo":"victim"}' });
  assert.equal(own.status, 201, own.text);
  const alias = await post(server, REPOS, { headers: { 'content-type': 'application/json; charset=utf-8', origin: `http://localhost:${server.port}`, 'sec-fetch-site': 'same-origin' }, body: '{"name":"mine"}' });
  assert.equal(alias.status, 201, alias.text);
  assert.equal((await raw(server, { method: 'DELETE', path: `${REPOS}/mine` })).status, 202);
  assert.equal((await raw(server, { method: 'DELETE', path: `${TOKENS}/${tokenId}` })).status, 200);
  // Reads stay open to any origin (a foreign page cannot read the answer: no CORS headers).
  const read = await raw(server, { path: REPOS, headers: { origin: evil } });
  assert.equal(read.status, 200);
  assert.equal(read.headers['access-control-allow-origin'], undefined);
});

test('git POST routes: a cross-origin text/plain push changes nothing; the same bytes as git sends them land', async () => {
  const hh = await h();
  const { token } = await hh.createRepo('csrf-git');
  const work = hh.path('csrf-git-work');
  await hh.git(['init', '-q', '-b', 'main', work]);
  const commit = await hh.commit(work, { 'pwned.txt': 'pwned\n' }, 'forged');
  const pack = (await gitWithInput(hh, ['pack-objects', '--stdout', '--revs'], `${commit}\n`, { cwd: work })).stdout;
  const line = `${'0'.repeat(40)} ${commit} refs/heads/evil\0report-status\n`;
  const body = Buffer.concat([Buffer.from(`${(line.length + 4).toString(16).padStart(4, '0')}${line}0000`), pack]);
  const path = '/git/default/csrf-git.git/git-receive-pack';
  const before = snapshot(hh.server);
  const forms = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'];
  for (const type of forms) {
    for (const auth of [{}, { authorization: `Bearer ${token}` }]) {
      const r = await post(hh.server, path, { headers: { 'content-type': type, origin: 'http://evil.example', ...auth }, body });
      assert.ok(r.status === 401 || r.status === 415, `${type} ${Object.keys(auth)}: ${r.status} ${r.text}`);
    }
  }
  assert.equal(snapshot(hh.server), before, 'no forged push changed storage');
  assert.doesNotMatch((await hh.git(['ls-remote', hh.remote('csrf-git')], { token })).stdout, /refs\/heads\/evil/);
  // The control: git's own content type (which no page can send cross-origin without a preflight) lands.
  const real = await post(hh.server, path, { headers: { 'content-type': RECEIVE, authorization: `Bearer ${token}` }, body });
  assert.equal(real.status, 200, real.text);
  assert.match((await hh.git(['ls-remote', hh.remote('csrf-git')], { token })).stdout, new RegExp(`^${commit}\\trefs/heads/evil$`, 'm'));
});

test('two identical Authorization headers (git -c http.extraHeader twice) work; two different ones are 403', async () => {
  const hh = await h();
  const { token } = await hh.createRepo('dup-auth');
  const other = await hh.createRepo('dup-other');
  const header = (t) => `http.extraHeader=Authorization: Bearer ${t}`;
  const twice = await hh.run(['-c', header(token), '-c', header(token), 'ls-remote', hh.remote('dup-auth')]);
  assert.equal(twice.code, 0, twice.stderr);
  const clone = await hh.run(['-c', header(token), '-c', header(token), 'clone', '-q', hh.remote('dup-auth'), hh.path('dup-clone')]);
  assert.equal(clone.code, 0, clone.stderr);
  for (const [a, b] of [[token, other.token], [other.token, token], [token, 'garbage']]) {
    const r = await hh.run(['-c', header(a), '-c', header(b), 'ls-remote', hh.remote('dup-auth')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /403/, r.stderr);
  }
  // The same through raw HTTP, one header line each.
  const path = '/git/default/dup-auth.git/info/refs?service=git-upload-pack';
  assert.equal((await raw(hh.server, { path, headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } })).status, 200);
  assert.equal((await raw(hh.server, { path, headers: { authorization: [`Bearer ${token}`, `Bearer ${other.token}`] } })).status, 403);
});

test('API token: required by the REST API when set; repo tokens are not API tokens, nor the API token a repo token', async (t) => {
  const server = await start(t, { apiToken: API_TOKEN });
  const bearer = (value) => ({ authorization: `Bearer ${value}` });
  const missing = await raw(server, { path: REPOS });
  assert.equal(missing.status, 401);
  assert.match(missing.headers['www-authenticate'], /^Bearer/);
  assert.equal(missing.json.errors[0].code, 10000);
  // Unknown routes are a plain 404 before any check (as live); the token check guards every route.
  assert.equal((await raw(server, { path: `${REST}/nowhere` })).status, 404);
  assert.equal((await raw(server, { path: REPOS, headers: bearer('wrong-token-0123456789') })).status, 403);
  assert.equal((await raw(server, { path: REPOS, headers: { authorization: `Basic ${Buffer.from(`x:${API_TOKEN}`).toString('base64')}` } })).status, 403);
  assert.equal((await raw(server, { path: REPOS, headers: { authorization: [`Bearer ${API_TOKEN}`, 'Bearer other-token-0123456789'] } })).status, 403);
  // One credential only: repeated headers arrive joined ("Bearer t, Bearer t"), even identical ones
  // (unlike git's endpoint, where git itself may repeat the header).
  assert.equal((await raw(server, { path: REPOS, headers: { authorization: [`Bearer ${API_TOKEN}`, `Bearer ${API_TOKEN}`] } })).status, 403);
  assert.equal((await raw(server, { path: REPOS, headers: bearer(API_TOKEN) })).status, 200);
  const before = snapshot(server);
  assert.equal((await post(server, REPOS, { headers: { 'content-type': 'application/json' }, body: '{"name":"nope"}' })).status, 401);
  assert.equal(snapshot(server), before);

  const created = await post(server, REPOS, { headers: { 'content-type': 'application/json', ...bearer(API_TOKEN) }, body: '{"name":"guarded"}' });
  assert.equal(created.status, 201, created.text);
  const repoToken = created.json.result.token;
  assert.equal((await raw(server, { path: REPOS, headers: bearer(repoToken) })).status, 403, 'a repo token is no API token');
  const refs = '/git/default/guarded.git/info/refs?service=git-upload-pack';
  const viaApiToken = await raw(server, { path: refs, headers: bearer(API_TOKEN) });
  assert.equal(viaApiToken.status, 403, 'the API token is no repo token');
  assert.match(viaApiToken.text, /Invalid or expired token/);
  assert.equal((await raw(server, { path: refs, headers: bearer(repoToken) })).status, 200);
});

test('a read-only API token (apiReadToken) reads everything and changes nothing', async (t) => {
  const server = await start(t, { apiToken: API_TOKEN, apiReadToken: READ_TOKEN });
  const auth = (value) => ({ authorization: `Bearer ${value}` });
  const json = { 'content-type': 'application/json' };
  const created = await post(server, REPOS, { headers: { ...json, ...auth(API_TOKEN) }, body: '{"name":"shared"}' });
  assert.equal(created.status, 201, created.text);
  for (const path of [REPOS, `${REPOS}/shared`, `${REPOS}/shared/tokens`, `${REST}/namespaces`, `${REST}/namespaces/default`]) {
    const r = await raw(server, { path, headers: auth(READ_TOKEN) });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
  }
  const tokenId = (await raw(server, { path: `${REPOS}/shared/tokens`, headers: auth(READ_TOKEN) })).json.result[0].id;
  const before = snapshot(server);
  const writes = [
    ['POST', REPOS, '{"name":"nope"}'],
    ['POST', TOKENS, '{"repo":"shared","scope":"write"}'],
    ['POST', `${REPOS}/shared/fork`, '{"name":"nope"}'],
    ['POST', `${REPOS}/nope/import`, '{"url":"https://example.com/r.git"}'],
    ['POST', `${REST}/namespaces`, '{"namespace":"nope"}'],
    ['DELETE', `${REPOS}/shared`],
    ['DELETE', `${TOKENS}/${tokenId}`],
    ['DELETE', `${REST}/namespaces/default`],
  ];
  for (const [method, path, body] of writes) {
    const r = await raw(server, { method, path, headers: body ? { ...json, ...auth(READ_TOKEN) } : auth(READ_TOKEN), body });
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.errors[0].code, 10000);
    assert.match(r.json.errors[0].message, /may only read/);
  }
  assert.equal(snapshot(server), before, 'the read-only token changed nothing');
  // Neither API token is a repo token.
  const refs = '/git/default/shared.git/info/refs?service=git-upload-pack';
  assert.equal((await raw(server, { path: refs, headers: auth(READ_TOKEN) })).status, 403);
  // The edit token still writes.
  assert.equal((await raw(server, { method: 'DELETE', path: `${REPOS}/shared`, headers: auth(API_TOKEN) })).status, 202);
});

test('beyond loopback an API token is required; bad options fail before anything listens', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const refusals = [
    [{ host: '0.0.0.0' }, /refusing to listen on 0\.0\.0\.0 without an API token/],
    [{ host: '::' }, /without an API token/],
    [{ host: '0.0.0.0', apiToken: 'short' }, /at least 16/],
    [{ apiToken: `art_v1_${'a'.repeat(40)}` }, /must not be a repo token/],
    [{ apiReadToken: 'short' }, /read-only API token must be at least 16/],
    [{ apiReadToken: `art_v1_${'a'.repeat(40)}` }, /must not be a repo token/],
    [{ publicHosts: ['evil.example/path'] }, /public host "evil.example\/path"/],
    [{ maxGitSessions: 0 }, /maxGitSessions/],
  ];
  for (const [options, message] of refusals) {
    await assert.rejects(startServer({ port: 0, dataDir, ...options }), (e) => {
      assert.ok(e instanceof ServerConfigError, e?.stack);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.equal(existsSync(dataDir), false, 'nothing was created');
  // With a token it listens on every address (remotes still name loopback).
  const exposed = await start(t, { host: '0.0.0.0', apiToken: API_TOKEN });
  assert.match(exposed.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await raw(exposed, { path: REPOS, headers: { authorization: `Bearer ${API_TOKEN}` } })).status, 200);
});

test('CLI: --host beyond loopback needs a token (OPEN_ARTIFACTS_API_TOKEN or --api-token); --public-host repeats', async (t) => {
  const cli = join(root, 'js/bin/open-artifacts.js');
  const run = (args, env = {}) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPEN_ARTIFACTS_API_TOKEN: '', ...env } });
    t.after(() => child.exitCode === null && child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => out };
  };
  const data = tempDir(t);
  const refused = run(['serve', '--host', '0.0.0.0', '--port', '0', '--data', data]);
  assert.equal(await refused.exited, 1, refused.output());
  assert.match(refused.output(), /could not start: refusing to listen on 0\.0\.0\.0 without an API token/);
  const badLimit = run(['serve', '--max-git-sessions', '0', '--data', data]);
  assert.equal(await badLimit.exited, 2);
  assert.match(badLimit.output(), /--max-git-sessions must be a positive number/);

  const served = run(['serve', '--host', '0.0.0.0', '--port', '0', '--data', data, '--public-host', 'a.example', '--public-host', 'b.example:99'], {
    OPEN_ARTIFACTS_API_TOKEN: API_TOKEN,
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${served.output()}`)), 20_000);
    served.child.stdout.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(served.output());
      if (m && served.output().includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    served.child.on('exit', () => reject(new Error(`exited early: ${served.output()}`)));
  });
  assert.match(served.output(), /-H "Authorization: Bearer \$OPEN_ARTIFACTS_API_TOKEN"/, 'the printed example carries the API token');
  const server = { port: Number(new URL(url).port) };
  assert.equal((await raw(server, { path: REPOS, headers: { host: 'a.example' } })).status, 401, 'a public host, then the token check');
  assert.equal((await raw(server, { path: REPOS, headers: { host: 'b.example:99', authorization: `Bearer ${API_TOKEN}` } })).status, 200);
  assert.equal((await raw(server, { path: REPOS, headers: { host: 'b.example:100', authorization: `Bearer ${API_TOKEN}` } })).status, 421);
  assert.equal((await raw(server, { path: REPOS, headers: { host: 'c.example', authorization: `Bearer ${API_TOKEN}` } })).status, 421);
  served.child.kill('SIGTERM');
  assert.equal(await served.exited, 0, served.output());
});

test('at most maxGitSessions git requests in flight: past it 503 with Retry-After, then recovery', async (t) => {
  const server = await start(t, { maxGitSessions: 1 });
  const created = await post(server, REPOS, { headers: { 'content-type': 'application/json' }, body: '{"name":"busy"}' });
  const { token } = created.json.result;
  const refs = '/git/default/busy.git/info/refs?service=git-upload-pack';
  const auth = { authorization: `Bearer ${token}` };

  // A push whose body has not finished holds a session.
  const held = httpRequest({
    host: '127.0.0.1',
    port: server.port,
    method: 'POST',
    path: '/git/default/busy.git/git-receive-pack',
    headers: { 'content-type': RECEIVE, 'transfer-encoding': 'chunked', ...auth },
  });
  held.on('error', () => {}); // destroyed below
  held.write('0000');

  const waitFor = async (status) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await raw(server, { path: refs, headers: auth });
      if (r.status === status || Date.now() > deadline) return r;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const busy = await waitFor(503);
  assert.equal(busy.status, 503, busy.text);
  assert.equal(busy.headers['retry-after'], '1');
  assert.match(busy.text, /retry/);
  // Nothing else changes: the REST API answers, and the limit holds while the push is open.
  assert.equal((await raw(server, { path: `${REPOS}/busy` })).status, 200);
  assert.equal((await raw(server, { path: refs, headers: auth })).status, 503);

  held.destroy(); // the client goes away: its session ends
  const back = await waitFor(200);
  assert.equal(back.status, 200, back.text);
  // Finished requests release their slot: several in a row all pass.
  for (let i = 0; i < 3; i++) assert.equal((await raw(server, { path: refs, headers: auth })).status, 200);
});
