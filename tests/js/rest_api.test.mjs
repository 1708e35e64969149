// The REST API's contract (spec §3, §5; js/src/rest/): every route's success
// status and shape, the v4 envelope, and a table of bad requests, each with
// its status, code and pointer, that must leave the database unchanged.
// Runs against the real Node server over HTTP; the database is read back
// with a second SQLite connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../js/src/server.js';

// Async: the server runs in this process, so a blocking git would deadlock it.
const git = async (...args) => (await promisify(execFile)('git', args)).stdout;
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[0-9a-z]{16}$/;
const TOKEN = /^art_v1_[0-9a-f]{40}\?expires=\d+$/;
const DOCS = 'https://developers.cloudflare.com/artifacts/api/errors#';

let dataDir;
let server;
let base;
let db;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'oa-rest-'));
  server = await startServer({ port: 0, dataDir });
  base = server.restUrl;
  db = new Database(server.dbPath, { readonly: true, fileMustExist: true });
});

after(async () => {
  db?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Every row of the database (what a refused request must not change).
const snapshot = () =>
  db
    .prepare('SELECT key, hex(value) AS v FROM kv ORDER BY key')
    .all()
    .map((r) => `${r.key}=${r.v}`)
    .join('\n');

async function call(method, path, { body, raw, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined || raw !== undefined) {
    init.headers['content-type'] ??= 'application/json';
    init.body = raw ?? JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, init);
  const type = res.headers.get('content-type') ?? '';
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  return { status: res.status, type, bytes, text, json: type.startsWith('application/json') ? JSON.parse(text) : undefined, headers: res.headers };
}

function assertSuccess(res, status) {
  assert.equal(res.status, status, res.text);
  assert.match(res.type, /^application\/json/);
  assert.equal(res.json.success, true);
  assert.deepEqual(res.json.errors, []);
  assert.deepEqual(res.json.messages, []);
  return res.json.result;
}

function assertFailure(res, status, code, pointer) {
  assert.equal(res.status, status, res.text);
  assert.match(res.type, /^application\/json/, res.text);
  assert.deepEqual(Object.keys(res.json), ['result', 'success', 'errors', 'messages']);
  assert.equal(res.json.result, null);
  assert.equal(res.json.success, false);
  assert.equal(res.json.errors.length, 1);
  const [error] = res.json.errors;
  assert.equal(error.code, code, res.text);
  assert.ok(typeof error.message === 'string' && error.message.length > 0);
  if (code >= 10100) assert.equal(error.documentation_url, `${DOCS}${code}`);
  assert.deepEqual(error.source, pointer === undefined ? undefined : { pointer }, res.text);
  return error;
}

let alpha; // the create result of repo "alpha"
let head; // its one commit
let tree;
let blob;

test('namespaces: create with a jurisdiction, get, list, delete (spec §5.3)', async () => {
  const eu = assertSuccess(await call('POST', '/namespaces', { body: { namespace: 'team-eu', jurisdiction: 'eu' } }), 201);
  assert.deepEqual(Object.keys(eu), ['namespace', 'jurisdiction', 'repo_count', 'created_at', 'updated_at']);
  assert.equal(eu.namespace, 'team-eu');
  assert.equal(eu.jurisdiction, 'eu');
  assert.equal(eu.repo_count, 0);
  assert.match(eu.created_at, ISO);
  const plain = assertSuccess(await call('POST', '/namespaces', { body: { namespace: 'team-any' } }), 201);
  assert.equal(plain.jurisdiction, 'unrestricted');
  assert.deepEqual(assertSuccess(await call('GET', '/namespaces/team-eu'), 200), eu);

  // The first repo of an unknown namespace makes it (implicit), unrestricted.
  assertSuccess(await call('POST', '/namespaces/implicit/repos', { body: { name: 'r' } }), 201);
  const implicit = assertSuccess(await call('GET', '/namespaces/implicit'), 200);
  assert.equal(implicit.jurisdiction, 'unrestricted');
  assert.equal(implicit.repo_count, 1);

  const list = await call('GET', '/namespaces');
  const names = assertSuccess(list, 200).map((n) => n.namespace);
  for (const n of ['implicit', 'team-any', 'team-eu']) assert.ok(names.includes(n), names.join());
  assert.deepEqual(names, [...names].sort(), 'listed by name');
  assert.deepEqual(list.json.result_info, { page: 1, per_page: 50, total_pages: 1, count: names.length, total_count: names.length });

  // Paged by cursor: one at a time, no overlap, every namespace once.
  const seen = [];
  let cursor;
  for (let i = 0; i < 10; i++) {
    const page = await call('GET', `/namespaces?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const result = assertSuccess(page, 200);
    seen.push(...result.map((n) => n.namespace));
    cursor = page.json.result_info.cursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, names);

  const deleted = await call('DELETE', '/namespaces/team-any');
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, '');
  assertFailure(await call('GET', '/namespaces/team-any'), 404, 10200);
  assert.ok(!assertSuccess(await call('GET', '/namespaces'), 200).some((n) => n.namespace === 'team-any'));
});

test('repos: create, get, list with search/sort/direction, delete → 202 {id}', async () => {
  alpha = assertSuccess(
    await call('POST', '/namespaces/default/repos', { body: { name: 'alpha', description: 'first', default_branch: 'trunk' } }),
    201,
  );
  assert.deepEqual(Object.keys(alpha), ['id', 'name', 'description', 'default_branch', 'remote', 'token']);
  assert.match(alpha.id, ID);
  assert.equal(alpha.default_branch, 'trunk');
  assert.equal(alpha.remote, `${server.url}/git/default/alpha.git`);
  assert.match(alpha.token, TOKEN);
  assertSuccess(await call('POST', '/namespaces/default/repos', { body: { name: 'beta-api', read_only: true } }), 201);
  assertSuccess(await call('POST', '/namespaces/default/repos', { body: { name: 'gamma-API' } }), 201);

  const info = assertSuccess(await call('GET', '/namespaces/default/repos/ALPHA'), 200);
  assert.deepEqual(Object.keys(info), [
    'id', 'name', 'description', 'default_branch', 'created_at', 'updated_at', 'last_push_at', 'source', 'read_only', 'remote',
  ]);
  assert.equal(info.name, 'alpha');
  assert.equal(info.description, 'first');
  assert.equal(info.last_push_at, null);
  assert.equal(info.read_only, false);
  assert.match(info.created_at, ISO);

  const all = await call('GET', '/namespaces/default/repos');
  const items = assertSuccess(all, 200);
  assert.deepEqual(items.map((r) => r.name), ['gamma-API', 'beta-api', 'alpha'], 'newest first by default');
  assert.ok(items.every((r) => r.status === 'ready' && typeof r.remote === 'string' && 'read_only' in r));
  assert.deepEqual(all.json.result_info, { page: 1, per_page: 50, total_pages: 1, count: 3, total_count: 3 }, 'offset form when all fit');

  const byName = assertSuccess(await call('GET', '/namespaces/default/repos?sort=name&direction=asc'), 200);
  assert.deepEqual(byName.map((r) => r.name), ['alpha', 'beta-api', 'gamma-API']);
  const found = await call('GET', '/namespaces/default/repos?search=API&sort=name');
  assert.deepEqual(assertSuccess(found, 200).map((r) => r.name), ['gamma-API', 'beta-api'], 'search is case-insensitive');
  assert.equal(found.json.result_info.total_count, 2);

  const first = await call('GET', '/namespaces/default/repos?limit=2');
  assert.equal(assertSuccess(first, 200).length, 2);
  assert.deepEqual(Object.keys(first.json.result_info), ['cursor', 'per_page', 'count'], 'cursor form while more remain');
  const second = await call('GET', `/namespaces/default/repos?limit=2&cursor=${encodeURIComponent(first.json.result_info.cursor)}`);
  assert.deepEqual(assertSuccess(second, 200).map((r) => r.name), ['alpha']);

  // An unknown namespace lists empty (live).
  assert.deepEqual(assertSuccess(await call('GET', '/namespaces/nobody-here/repos'), 200), []);

  const gone = assertSuccess(await call('DELETE', '/namespaces/default/repos/gamma-API'), 202);
  assert.match(gone.id, ID);
  assertFailure(await call('GET', '/namespaces/default/repos/gamma-API'), 404, 10200);
  assertFailure(await call('DELETE', '/namespaces/default/repos/gamma-API'), 404, 10200);
});

test('commits (our extension) and the content routes: log, commit, tree, blob, file, raw', async () => {
  const written = assertSuccess(
    await call('POST', '/namespaces/default/repos/alpha/commits', {
      body: {
        branch: 'trunk',
        message: 'first commit\n\nbody\n',
        author: { name: 'Ada', email: 'ada@example.com' },
        files: [
          { path: 'README.md', content: 'hello\n' },
          { path: 'bin/data.bin', content: Buffer.from([0, 1, 2, 255]).toString('base64'), encoding: 'base64' },
        ],
      },
    }),
    201,
  );
  head = written.commit;
  tree = written.tree;
  assert.match(head, /^[0-9a-f]{40}$/);

  const log = assertSuccess(await call('GET', '/namespaces/default/repos/alpha/log'), 200);
  assert.equal(log.length, 1);
  assert.deepEqual(Object.keys(log[0]).sort(), ['author', 'authoredAt', 'committedAt', 'committer', 'hash', 'message', 'parents', 'treeHash']);
  assert.equal(log[0].hash, head);
  assert.equal(log[0].message, 'first commit\n\nbody');
  assert.deepEqual(assertSuccess(await call('GET', '/namespaces/default/repos/alpha/log?ref=nope'), 200), []);
  assert.equal(assertSuccess(await call('GET', '/namespaces/default/repos/alpha/log?limit=5000'), 200).length, 1, 'limit capped, not refused');

  const commit = assertSuccess(await call('GET', `/namespaces/default/repos/alpha/commit/${head}`), 200);
  assert.equal(commit.treeHash, tree);
  const entries = assertSuccess(await call('GET', `/namespaces/default/repos/alpha/tree/${tree}`), 200);
  assert.deepEqual(entries.map((e) => [e.name, e.type, e.mode]), [['README.md', 'blob', '100644'], ['bin', 'tree', '40000']]);
  blob = entries[0].hash;

  const rawBlob = await call('GET', `/namespaces/default/repos/alpha/blob/${blob}`);
  assert.equal(rawBlob.status, 200);
  assert.equal(rawBlob.type, 'application/octet-stream');
  assert.equal(rawBlob.text, 'hello\n');

  const file = await call('GET', '/namespaces/default/repos/alpha/file?ref=trunk&path=README.md');
  assert.equal(file.status, 200);
  assert.equal(file.type, 'application/octet-stream', 'file: always octet-stream (live)');
  assert.equal(file.text, 'hello\n');

  const text = await call('GET', '/namespaces/default/repos/alpha/raw/trunk/README.md');
  assert.equal(text.type, 'text/plain; charset=utf-8', 'raw: sniffed');
  assert.equal(text.text, 'hello\n');
  const bytes = await call('GET', `/namespaces/default/repos/alpha/raw/${head}/bin/data.bin`);
  assert.equal(bytes.type, 'application/octet-stream');
  assert.deepEqual([...bytes.bytes], [0, 1, 2, 255]);

  // The commit is real git: it clones and passes fsck --strict.
  const clone = mkdtempSync(join(tmpdir(), 'oa-rest-clone-'));
  try {
    await git('-c', `http.extraHeader=Authorization: Bearer ${alpha.token}`, 'clone', '-q', alpha.remote, clone);
    await git('-C', clone, 'fsck', '--strict');
    assert.equal((await git('-C', clone, 'rev-parse', 'HEAD')).trim(), head);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
  const pushed = assertSuccess(await call('GET', '/namespaces/default/repos/alpha'), 200);
  assert.match(pushed.last_push_at, ISO, 'a commit moves last_push_at like a push');
});

test('tokens: create, list with state and paging, revoke by id', async () => {
  const created = assertSuccess(await call('POST', '/namespaces/default/tokens', { body: { repo: 'alpha', scope: 'read', ttl: 600 } }), 201);
  assert.deepEqual(Object.keys(created), ['id', 'plaintext', 'scope', 'expires_at']);
  assert.equal(created.scope, 'read');
  assert.match(created.plaintext, TOKEN);
  const defaults = assertSuccess(await call('POST', '/namespaces/default/tokens', { body: { repo: 'alpha' } }), 201);
  assert.equal(defaults.scope, 'write');

  const list = await call('GET', '/namespaces/default/repos/alpha/tokens');
  const tokens = assertSuccess(list, 200);
  assert.equal(tokens.length, 3, 'the initial token and two more');
  assert.deepEqual(Object.keys(tokens[0]), ['id', 'scope', 'state', 'created_at', 'expires_at']);
  assert.deepEqual(list.json.result_info, { page: 1, per_page: 30, total_pages: 1, count: 3, total_count: 3 });
  const paged = await call('GET', '/namespaces/default/repos/alpha/tokens?per_page=2&page=2');
  assert.equal(assertSuccess(paged, 200).length, 1);
  assert.deepEqual(paged.json.result_info, { page: 2, per_page: 2, total_pages: 2, count: 1, total_count: 3 });

  assert.deepEqual(assertSuccess(await call('DELETE', `/namespaces/default/tokens/${created.id}`), 200), { id: created.id });
  assert.deepEqual(assertSuccess(await call('DELETE', `/namespaces/default/tokens/${created.id}`), 200), { id: created.id }, 'again: 200');
  const revoked = assertSuccess(await call('GET', '/namespaces/default/repos/alpha/tokens?state=revoked'), 200);
  assert.deepEqual(revoked.map((t) => [t.id, t.state]), [[created.id, 'revoked']]);
  assert.equal(assertSuccess(await call('GET', '/namespaces/default/repos/alpha/tokens?state=all'), 200).length, 3);
  // A revoked token no longer clones.
  await assert.rejects(git('-c', `http.extraHeader=Authorization: Bearer ${created.plaintext}`, 'ls-remote', alpha.remote));
});

test('fork (with objects) and import, with and without ndjson progress', async () => {
  const fork = assertSuccess(await call('POST', '/namespaces/default/repos/alpha/fork', { body: { name: 'alpha-fork', read_only: true } }), 201);
  assert.deepEqual(Object.keys(fork), ['id', 'name', 'description', 'default_branch', 'remote', 'token', 'objects']);
  assert.equal(typeof fork.objects, 'number');
  const forkInfo = assertSuccess(await call('GET', '/namespaces/default/repos/alpha-fork'), 200);
  assert.equal(forkInfo.source, 'artifacts:default/alpha');
  assert.equal(forkInfo.read_only, true);

  // The CLI's progress form: progress lines, then the envelope.
  const streamed = await call('POST', '/namespaces/default/repos/alpha/fork', {
    body: { name: 'alpha-fork2', default_branch_only: false },
    headers: { accept: 'application/x-ndjson' },
  });
  assert.equal(streamed.status, 200);
  assert.match(streamed.type, /^application\/x-ndjson/);
  const lines = streamed.text.trim().split('\n').map((l) => JSON.parse(l));
  const last = lines.pop();
  assert.equal(last.success, true, streamed.text);
  assert.equal(last.result.name, 'alpha-fork2');
  assert.ok(lines.length >= 1 && lines.every((l) => typeof l.progress?.phase === 'string'), streamed.text);

  // Import of a repo this server serves (plain http and loopback are refused by default).
  const refused = await call('POST', '/namespaces/default/repos/imported/import', { body: { url: alpha.remote } });
  assertFailure(refused, 400, 10100, '/url');
  const failedStream = await call('POST', '/namespaces/default/repos/imported/import', {
    body: { url: alpha.remote },
    headers: { accept: 'application/x-ndjson' },
  });
  const failedLast = JSON.parse(failedStream.text.trim().split('\n').pop());
  assert.equal(failedLast.success, false);
  assert.equal(failedLast.errors[0].code, 10100);
  assertFailure(await call('GET', '/namespaces/default/repos/imported'), 404, 10200, undefined);
});

// [label, method, path, options, status, code, pointer]
const BAD_REQUESTS = [
  ['bad namespace name (create)', 'POST', '/namespaces', { body: { namespace: '-x' } }, 400, 10100, '/namespace'],
  ['missing namespace', 'POST', '/namespaces', { body: {} }, 400, 10100, '/namespace'],
  ['bad jurisdiction', 'POST', '/namespaces', { body: { namespace: 'zz-ns', jurisdiction: 'mars' } }, 400, 10100, '/jurisdiction'],
  ['namespace exists', 'POST', '/namespaces', { body: { namespace: 'team-eu' } }, 409, 10201, '/namespace'],
  ['namespace implicitly exists', 'POST', '/namespaces', { body: { namespace: 'default', jurisdiction: 'us' } }, 409, 10201, '/namespace'],
  ['unknown namespace', 'GET', '/namespaces/missing-ns', {}, 404, 10200, undefined],
  ['bad namespace name (path)', 'GET', '/namespaces/x', {}, 400, 10100, '/namespace'],
  ['delete a non-empty namespace', 'DELETE', '/namespaces/default', {}, 400, 10100, '/namespace'],
  ['delete an unknown namespace', 'DELETE', '/namespaces/missing-ns', {}, 404, 10200, undefined],
  ['namespaces limit 0', 'GET', '/namespaces?limit=0', {}, 400, 10100, '/limit'],
  ['namespaces forged cursor', 'GET', '/namespaces?cursor=zzz', {}, 400, 10100, '/cursor'],
  ['bad repo name', 'POST', '/namespaces/default/repos', { body: { name: 'bad name' } }, 400, 10101, '/name'],
  ['missing repo name', 'POST', '/namespaces/default/repos', { body: {} }, 400, 10101, '/name'],
  ['repo exists (case-insensitive)', 'POST', '/namespaces/default/repos', { body: { name: 'ALPHA' } }, 409, 10201, '/name'],
  ['description type', 'POST', '/namespaces/default/repos', { body: { name: 'ok', description: 5 } }, 400, 10100, '/description'],
  ['read_only type', 'POST', '/namespaces/default/repos', { body: { name: 'ok', read_only: 'yes' } }, 400, 10100, '/read_only'],
  ['bad default branch', 'POST', '/namespaces/default/repos', { body: { name: 'ok', default_branch: 'a..b' } }, 400, 10100, '/default_branch'],
  ['body not JSON', 'POST', '/namespaces/default/repos', { raw: '{"name": nope' }, 400, 10100, undefined],
  ['body not an object', 'POST', '/namespaces/default/repos', { raw: '["ok"]' }, 400, 10100, undefined],
  ['body too large', 'POST', '/namespaces/default/repos', { raw: `{"name":"${'x'.repeat(1024 * 1024)}"}` }, 413, 10402, undefined],
  ['repo in a bad namespace', 'POST', '/namespaces/x/repos', { body: { name: 'ok' } }, 400, 10100, '/namespace'],
  ['list limit 0', 'GET', '/namespaces/default/repos?limit=0', {}, 400, 10100, '/limit'],
  ['list limit 500', 'GET', '/namespaces/default/repos?limit=500', {}, 400, 10100, '/limit'],
  ['list limit abc', 'GET', '/namespaces/default/repos?limit=abc', {}, 400, 10100, '/limit'],
  ['list sort', 'GET', '/namespaces/default/repos?sort=size', {}, 400, 10100, '/sort'],
  ['list direction', 'GET', '/namespaces/default/repos?direction=up', {}, 400, 10100, '/direction'],
  ['list forged cursor', 'GET', '/namespaces/default/repos?cursor=forged', {}, 400, 10100, '/cursor'],
  ['unknown repo', 'GET', '/namespaces/default/repos/missing', {}, 404, 10200, undefined],
  ['malformed repo name', 'GET', '/namespaces/default/repos/-bad', {}, 400, 10101, '/name'],
  ['fork: no target name', 'POST', '/namespaces/default/repos/alpha/fork', { body: {} }, 400, 10101, '/name'],
  ['fork: target exists', 'POST', '/namespaces/default/repos/alpha/fork', { body: { name: 'beta-api' } }, 409, 10201, '/name'],
  ['fork: unknown source', 'POST', '/namespaces/default/repos/missing/fork', { body: { name: 'z' } }, 404, 10200, undefined],
  ['import: no url', 'POST', '/namespaces/default/repos/new-one/import', { body: {} }, 400, 10100, '/url'],
  ['import: http url', 'POST', '/namespaces/default/repos/new-one/import', { body: { url: 'http://example.com/r.git' } }, 400, 10100, '/url'],
  ['import: target exists', 'POST', '/namespaces/default/repos/alpha/import', { body: { url: 'https://example.com/r.git' } }, 409, 10201, '/name'],
  ['import: bad depth', 'POST', '/namespaces/default/repos/new-one/import', { body: { url: 'https://example.com/r.git', depth: 0 } }, 400, 10100, '/depth'],
  ['commit: bad path', 'POST', '/namespaces/default/repos/alpha/commits', { body: { branch: 'trunk', message: 'm', files: [{ path: '../x', content: 'x' }] } }, 400, 10100, '/files/0/path'],
  ['commit: .git path', 'POST', '/namespaces/default/repos/alpha/commits', { body: { branch: 'trunk', message: 'm', files: [{ path: '.git/config', content: 'x' }] } }, 400, 10100, '/files/0/path'],
  ['commit: stale head', 'POST', '/namespaces/default/repos/alpha/commits', { body: { branch: 'trunk', expectedHead: '0'.repeat(40), message: 'm', files: [{ path: 'x', content: 'x' }] } }, 409, 10201, '/expectedHead'],
  ['commit: read-only repo', 'POST', '/namespaces/default/repos/beta-api/commits', { body: { message: 'm', files: [{ path: 'x', content: 'x' }] } }, 400, 10100, undefined],
  ['log limit 0', 'GET', '/namespaces/default/repos/alpha/log?limit=0', {}, 400, 10100, '/limit'],
  ['log offset -1', 'GET', '/namespaces/default/repos/alpha/log?offset=-1', {}, 400, 10100, '/offset'],
  ['commit: malformed hash', 'GET', '/namespaces/default/repos/alpha/commit/xyz', {}, 400, 10100, '/hash'],
  ['commit: missing', 'GET', `/namespaces/default/repos/alpha/commit/${'1'.repeat(40)}`, {}, 404, 10200, '/hash'],
  ['tree: missing', 'GET', `/namespaces/default/repos/alpha/tree/${'1'.repeat(40)}`, {}, 404, 10200, '/hash'],
  ['blob: missing', 'GET', `/namespaces/default/repos/alpha/blob/${'1'.repeat(40)}`, {}, 404, 10200, '/hash'],
  ['blob: malformed', 'GET', '/namespaces/default/repos/alpha/blob/XYZ', {}, 400, 10100, '/hash'],
  ['file: no path', 'GET', '/namespaces/default/repos/alpha/file?ref=trunk', {}, 400, 10100, '/path'],
  ['file: missing', 'GET', '/namespaces/default/repos/alpha/file?ref=trunk&path=nope.txt', {}, 404, 10200, '/path'],
  ['file: a directory', 'GET', '/namespaces/default/repos/alpha/file?ref=trunk&path=bin', {}, 404, 10200, '/path'],
  ['raw: missing', 'GET', '/namespaces/default/repos/alpha/raw/trunk/nope.txt', {}, 404, 10200, '/path'],
  ['token: unknown repo', 'POST', '/namespaces/default/tokens', { body: { repo: 'missing' } }, 404, 10200, undefined],
  ['token: no repo', 'POST', '/namespaces/default/tokens', { body: { scope: 'read' } }, 400, 10101, '/repo'],
  ['token: ttl 59', 'POST', '/namespaces/default/tokens', { body: { repo: 'alpha', ttl: 59 } }, 400, 10103, '/ttl'],
  ['token: ttl too long', 'POST', '/namespaces/default/tokens', { body: { repo: 'alpha', ttl: 31536001 } }, 400, 10103, '/ttl'],
  ['token: scope', 'POST', '/namespaces/default/tokens', { body: { repo: 'alpha', scope: 'admin' } }, 400, 10100, '/scope'],
  ['token list: state', 'GET', '/namespaces/default/repos/alpha/tokens?state=gone', {}, 400, 10100, '/state'],
  ['token list: per_page', 'GET', '/namespaces/default/repos/alpha/tokens?per_page=101', {}, 400, 10100, '/per_page'],
  ['token list: page 0', 'GET', '/namespaces/default/repos/alpha/tokens?page=0', {}, 400, 10100, '/page'],
  ['revoke: unknown id', 'DELETE', '/namespaces/default/tokens/0123456789abcdef', {}, 404, 10200, undefined],
  ['revoke: not an id', 'DELETE', '/namespaces/default/tokens/nope', {}, 404, 10200, undefined],
  ['write without JSON', 'POST', '/namespaces/default/repos', { raw: '{"name":"csrf"}', headers: { 'content-type': 'text/plain' } }, 415, 10100, undefined],
  ['write from a foreign origin', 'POST', '/namespaces/default/repos', { body: { name: 'csrf' }, headers: { origin: 'https://evil.example' } }, 403, 10000, undefined],
  ['delete from a cross-site page', 'DELETE', '/namespaces/default/repos/alpha', { headers: { 'sec-fetch-site': 'cross-site' } }, 403, 10000, undefined],
  ['a repo token is not an API token', 'GET', '/namespaces', { headers: { authorization: 'Bearer art_v1_0000000000000000000000000000000000000000' } }, 403, 10000, undefined],
];

test('every bad request: its status, code and pointer, and nothing changed', async (t) => {
  for (const [label, method, path, options, status, code, pointer] of BAD_REQUESTS) {
    await t.test(label, async () => {
      const before = snapshot();
      const res = await call(method, path, options);
      if (code === undefined) {
        assert.equal(res.status, status, res.text);
        assert.equal(res.json.success, false);
      } else {
        assertFailure(res, status, code, pointer);
      }
      assert.equal(snapshot(), before, `${label}: a refused request changes nothing`);
    });
  }
});

test('unknown routes answer 404 "404 Not Found" as text (live)', async () => {
  for (const [method, path] of [
    ['GET', '/nope'],
    ['GET', '/namespaces/default/repos/alpha/unknown'],
    ['PUT', '/namespaces/default/repos/alpha'],
    ['GET', '/namespaces/default/repos/alpha/raw/trunk'],
  ]) {
    const res = await call(method, path);
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.match(res.type, /^text\/plain/);
    assert.equal(res.text, '404 Not Found');
  }
});

test('API tokens: edit and read permissions; repo tokens never authenticate REST, API tokens never git', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oa-rest-auth-'));
  const edit = 'edit-token-0123456789abcdef';
  const read = 'read-token-0123456789abcdef';
  const guarded = await startServer({ port: 0, dataDir: dir, apiToken: edit, apiReadToken: read });
  t.after(async () => {
    await guarded.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const as = (token) => async (method, path, body) => {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(`${guarded.restUrl}${path}`, { method, headers, body: body && JSON.stringify(body) });
    return { status: res.status, json: await res.json(), headers: res.headers };
  };
  const none = await as(undefined)('GET', '/namespaces');
  assert.equal(none.status, 401);
  assert.equal(none.json.errors[0].code, 10000);
  assert.match(none.headers.get('www-authenticate'), /^Bearer/);
  assert.equal((await as('wrong-token-0123456789abcdef')('GET', '/namespaces')).status, 403);
  const created = await as(edit)('POST', '/namespaces/default/repos', { name: 'locked' });
  assert.equal(created.status, 201);
  assert.equal((await as(read)('GET', '/namespaces/default/repos/locked')).status, 200, 'read may read');
  const denied = await as(read)('POST', '/namespaces/default/repos', { name: 'nope' });
  assert.equal(denied.status, 403, 'read may not write');
  assert.equal((await as(read)('DELETE', '/namespaces/default/repos/locked')).status, 403);
  assert.equal((await as(created.json.result.token)('GET', '/namespaces')).status, 403, 'a repo token is not an API token');
  // An API token does not authenticate git.
  await assert.rejects(git('-c', `http.extraHeader=Authorization: Bearer ${edit}`, 'ls-remote', created.json.result.remote));
  await git('-c', `http.extraHeader=Authorization: Bearer ${created.json.result.token}`, 'ls-remote', created.json.result.remote);
});

test('a fixed account id: other accounts are not found', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oa-rest-acct-'));
  const s = await startServer({ port: 0, dataDir: dir, accountId: 'acct-1' });
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal((await fetch(`${s.url}/client/v4/accounts/acct-1/artifacts/namespaces`)).status, 200);
  const other = await fetch(`${s.url}/client/v4/accounts/other/artifacts/namespaces`);
  assert.equal(other.status, 404);
  assert.equal((await other.json()).errors[0].code, 10200);
});
