// The Artifacts binding surface of issue 2 over the wasm core: create, get,
// list, delete, info and tokens, field by field as spec §2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createArtifacts, MemoryStorage } from 'open-artifacts';
import { assertRejectsUnchanged, freshNamespace } from './helpers.mjs';

const TOKEN = /^art_v1_[0-9a-f]{40}\?expires=\d+$/;
const ID = /^[0-9a-z]{16}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('create returns ArtifactsCreateRepoResult with a write token', async () => {
  const { artifacts } = freshNamespace();
  const r = await artifacts.create('demo', { description: 'first', setDefaultBranch: 'trunk' });
  assert.deepEqual(Object.keys(r).sort(), ['defaultBranch', 'description', 'id', 'name', 'remote', 'token']);
  assert.match(r.id, ID);
  assert.equal(r.name, 'demo');
  assert.equal(r.description, 'first');
  assert.equal(r.defaultBranch, 'trunk');
  assert.equal(r.remote, 'http://127.0.0.1:8788/git/default/demo.git');
  assert.match(r.token, TOKEN);
  assert.equal(Number(r.token.split('=')[1]), Math.floor((Date.UTC(2026, 4, 18, 15, 53, 46, 833) + 86400e3) / 1000));
});

test('get returns a handle whose info() is ArtifactsRepoInfo, fresh on every call', async () => {
  const { artifacts } = freshNamespace();
  const created = await artifacts.create('Repo.One', { readOnly: true });
  const repo = await artifacts.get('repo.one');
  const info = await repo.info();
  assert.deepEqual(info, {
    id: created.id,
    name: 'Repo.One',
    description: null,
    defaultBranch: 'main',
    createdAt: '2026-05-18T15:53:46.833Z',
    updatedAt: '2026-05-18T15:53:46.833Z',
    lastPushAt: null,
    source: null,
    readOnly: true,
    remote: 'http://127.0.0.1:8788/git/default/Repo.One.git',
  });
  await artifacts.delete('Repo.One');
  await assert.rejects(repo.info(), { name: 'ArtifactsError', code: 'NOT_FOUND', numericCode: 10200 });
  await artifacts.create('Repo.One');
  await assert.rejects(repo.info(), { code: 'NOT_FOUND' }, 'a handle stays bound to the repo it was made for');
});

test('tokens: create, list (active only, newest first), revoke by id and by plaintext', async () => {
  const { artifacts, host } = freshNamespace();
  const created = await artifacts.create('t');
  const repo = await artifacts.get('t');
  const initial = (await repo.listTokens()).tokens;
  assert.equal(initial.length, 1);
  assert.deepEqual(Object.keys(initial[0]).sort(), ['createdAt', 'expiresAt', 'id', 'scope', 'state']);
  assert.equal(initial[0].scope, 'write');
  assert.equal(initial[0].state, 'active');

  host.advance(1000);
  const def = await repo.createToken();
  assert.deepEqual(Object.keys(def).sort(), ['expiresAt', 'id', 'plaintext', 'scope']);
  assert.equal(def.scope, 'write');
  assert.match(def.id, ID);
  assert.match(def.plaintext, TOKEN);
  assert.match(def.expiresAt, ISO);
  assert.equal(Date.parse(def.expiresAt) - host.now(), 86400e3);

  host.advance(1000);
  const short = await repo.createToken('read', 60);
  let list = await repo.listTokens();
  assert.equal(list.total, 3);
  assert.deepEqual(list.tokens.map((t) => t.id), [short.id, def.id, initial[0].id]);
  assert.ok(!JSON.stringify(list).includes(short.plaintext.slice(7, 47)), 'listing never shows secrets');

  host.advance(60_000);
  list = await repo.listTokens();
  assert.deepEqual(list.tokens.map((t) => t.id), [def.id, initial[0].id], 'expired tokens are left out');

  assert.equal(await repo.revokeToken(def.id), true);
  assert.equal(await repo.revokeToken(def.id), false);
  assert.equal(await repo.revokeToken(created.token), true, 'revoke by plaintext with ?expires=');
  assert.equal(await repo.revokeToken(created.token.split('?')[0]), false, 'and again without the suffix');
  assert.equal(await repo.revokeToken('zzzzzzzzzzzzzzzz'), false);
  assert.deepEqual(await repo.listTokens(), { tokens: [], total: 0 });
});

test('list: newest first, total, opaque cursor, status on every item', async () => {
  const { artifacts, host } = freshNamespace();
  for (let i = 0; i < 7; i++) {
    await artifacts.create(`r${i}`);
    host.advance(1);
  }
  const first = await artifacts.list({ limit: 3 });
  assert.equal(first.total, 7);
  assert.deepEqual(first.repos.map((r) => r.name), ['r6', 'r5', 'r4']);
  assert.equal(typeof first.cursor, 'string');
  for (const r of first.repos) {
    assert.equal(r.status, 'ready');
    assert.match(r.createdAt, ISO);
    assert.ok('remote' in r && 'readOnly' in r && 'lastPushAt' in r && 'source' in r);
  }
  await artifacts.delete('r3');
  const second = await artifacts.list({ limit: 3, cursor: first.cursor });
  assert.deepEqual(second.repos.map((r) => r.name), ['r2', 'r1', 'r0']);
  assert.equal(second.total, 6);
  assert.equal(second.cursor, undefined);
  assert.equal((await artifacts.list()).repos.length, 6, 'default limit 50');
});

test('delete returns true once, then false; the repo and its tokens are gone', async () => {
  const { artifacts, storage } = freshNamespace();
  const created = await artifacts.create('gone');
  assert.ok(storage.snapshot().some(([k]) => k.startsWith(`repo/${created.id}/`)));
  assert.equal(await artifacts.delete('gone'), true);
  assert.equal(await artifacts.delete('gone'), false);
  assert.ok(!storage.snapshot().some(([k]) => k.startsWith(`repo/${created.id}/`)), 'repo rows removed');
  await assert.rejects(artifacts.get('gone'), { code: 'NOT_FOUND' });
});

test('every bad input rejects with its ArtifactsError code and changes nothing', async () => {
  const { artifacts, storage } = freshNamespace();
  await artifacts.create('taken');
  const repo = await artifacts.get('taken');
  const cases = [
    [() => artifacts.create(''), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create('a'.repeat(64)), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create('.dot'), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create('-dash'), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create('café'), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create(undefined), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create(12), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.create('TAKEN'), 'ALREADY_EXISTS', 10201],
    [() => artifacts.create('ok', 'nope'), 'INVALID_INPUT', 10100],
    [() => artifacts.create('ok', { description: 5 }), 'INVALID_INPUT', 10100],
    [() => artifacts.create('ok', { readOnly: 'yes' }), 'INVALID_INPUT', 10100],
    [() => artifacts.create('ok', { setDefaultBranch: 'bad..name' }), 'INVALID_INPUT', 10100],
    [() => artifacts.create('ok', { setDefaultBranch: 'x.lock' }), 'INVALID_INPUT', 10100],
    [() => artifacts.create('ok', { description: 'd'.repeat(4097) }), 'INVALID_INPUT', 10100],
    [() => artifacts.create('ok', { description: 1n }), 'INVALID_INPUT', 10100],
    [() => artifacts.get('missing'), 'NOT_FOUND', 10200],
    [() => artifacts.get('bad name'), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.delete('bad/name'), 'INVALID_REPO_NAME', 10101],
    [() => artifacts.list({ limit: 0 }), 'INVALID_INPUT', 10100],
    [() => artifacts.list({ limit: 201 }), 'INVALID_INPUT', 10100],
    [() => artifacts.list({ limit: 2.5 }), 'INVALID_INPUT', 10100],
    [() => artifacts.list({ limit: NaN }), 'INVALID_INPUT', 10100],
    [() => artifacts.list({ cursor: 'forged' }), 'INVALID_INPUT', 10100],
    [() => artifacts.list(7), 'INVALID_INPUT', 10100],
    [() => repo.createToken('admin'), 'INVALID_INPUT', 10100],
    [() => repo.createToken('read', 59), 'INVALID_TTL', 10103],
    [() => repo.createToken('read', 31536001), 'INVALID_TTL', 10103],
    [() => repo.createToken('read', 90.5), 'INVALID_TTL', 10103],
    [() => repo.createToken('read', Infinity), 'INVALID_TTL', 10103],
    [() => repo.createToken('write', '3600'), 'INVALID_TTL', 10103],
    [() => repo.revokeToken(''), 'INVALID_INPUT', 10100],
    [() => repo.revokeToken('not a token'), 'INVALID_INPUT', 10100],
    [() => repo.revokeToken(undefined), 'INVALID_INPUT', 10100],
  ];
  for (const [i, [call, code, numeric]] of cases.entries()) {
    await assertRejectsUnchanged(storage, call, code, numeric, `case ${i}: ${call}`);
  }
});

test('TTL bounds 60 and 31,536,000 are accepted', async () => {
  const { artifacts } = freshNamespace();
  await artifacts.create('ttl');
  const repo = await artifacts.get('ttl');
  assert.equal((await repo.createToken('read', 60)).scope, 'read');
  assert.equal((await repo.createToken('write', 31536000)).scope, 'write');
});

test('a bad namespace or base URL rejects every call with INVALID_INPUT', async () => {
  const storage = new MemoryStorage();
  const bad = createArtifacts({ storage, namespace: 'x' });
  await assertRejectsUnchanged(storage, () => bad.list(), 'INVALID_INPUT', 10100);
  const badUrl = createArtifacts({ storage, namespace: 'ns', baseUrl: 'ftp://host' });
  await assertRejectsUnchanged(storage, () => badUrl.create('r'), 'INVALID_INPUT', 10100);
});

test('namespaces sharing one storage are isolated', async () => {
  const storage = new MemoryStorage();
  const a = createArtifacts({ storage, namespace: 'team-a' });
  const b = createArtifacts({ storage, namespace: 'team-b' });
  await a.create('same');
  await b.create('same');
  assert.equal((await a.list()).total, 1);
  assert.equal((await b.get('same')).constructor.name.length > 0, true);
  await a.delete('same');
  assert.equal((await b.list()).total, 1);
  assert.match((await (await b.get('same')).info()).remote, /\/git\/team-b\/same\.git$/);
});

// (Node 20 has Symbol.dispose but not `using`; TypeScript's `using` calls the same method.)
test('handles are disposable', async () => {
  const { artifacts } = freshNamespace();
  await artifacts.create('d');
  const repo = await artifacts.get('d');
  repo[Symbol.dispose]();
  await assert.rejects(repo.info(), /after dispose/);
});
