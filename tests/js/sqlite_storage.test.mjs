// SqliteStorage (js/src/sqlite-storage.js) against the storage contract of
// js/index.d.ts, with MemoryStorage as the reference for ordering, and the
// control plane over it surviving a close and reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createArtifacts, MemoryStorage, SqliteStorage } from 'open-artifacts';
import { assertRejectsUnchanged, manualHost } from './helpers.mjs';

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'oa-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openStorage(t, path) {
  const storage = new SqliteStorage(path ?? tempDir(t));
  t.after(() => storage.close());
  return storage;
}

const bytes = (...values) => new Uint8Array(values);
const text = (s) => new TextEncoder().encode(s);
const keysOf = (rows) => rows.map(([k]) => k);

test('get returns null for a missing key and a Uint8Array for a stored one', (t) => {
  const repo = openStorage(t).repo('r1');
  assert.equal(repo.get('missing'), null);
  repo.batch([{ type: 'put', key: 'k', value: bytes(1, 2, 3) }]);
  const value = repo.get('k');
  assert.ok(value instanceof Uint8Array);
  assert.deepEqual([...value], [1, 2, 3]);
});

test('scan: key order, prefix, strictly-after cursor and limit match MemoryStorage', (t) => {
  const sqlite = openStorage(t).repo('r');
  const memory = new MemoryStorage().repo('r');
  const keys = ['a', 'a/', 'a/0', 'a/1', 'a/10', 'a/2', 'a/b/c', 'a0', 'ab', 'b', 'b/x', 'B', '~', 'a.', 'a-', 'a_'];
  const ops = keys.map((key, i) => ({ type: 'put', key, value: bytes(i) }));
  sqlite.batch(ops);
  memory.batch(ops);
  const prefixes = ['', 'a', 'a/', 'a/1', 'b', 'c', '~', 'zz'];
  const afters = ['', 'a', 'a/', 'a/1', 'a/10', 'a/5', 'b', '0', 'zzz'];
  for (const prefix of prefixes) {
    for (const after of afters) {
      for (const limit of [0, 1, 2, 3, 100, Infinity, 2 ** 64]) {
        const got = sqlite.scan(prefix, after, limit);
        const want = memory.scan(prefix, after, limit);
        assert.deepEqual(keysOf(got), keysOf(want), `scan(${JSON.stringify(prefix)}, ${JSON.stringify(after)}, ${limit})`);
        for (const [key, value] of got) assert.deepEqual([...value], [keys.indexOf(key)]);
      }
    }
  }
  assert.deepEqual(keysOf(sqlite.scan('a/', '', 10)), ['a/', 'a/0', 'a/1', 'a/10', 'a/2', 'a/b/c'], 'bytewise order');
  assert.deepEqual(keysOf(sqlite.scan('a/', 'a/1', 2)), ['a/10', 'a/2'], 'after is exclusive');
});

test('registry and repo handles see only their own keys', (t) => {
  const storage = openStorage(t);
  storage.registry('team').batch([{ type: 'put', key: 'x', value: bytes(1) }]);
  storage.repo('id1').batch([{ type: 'put', key: 'x', value: bytes(2) }]);
  storage.repo('id2').batch([{ type: 'put', key: 'x', value: bytes(3) }]);
  assert.deepEqual([...storage.registry('team').get('x')], [1]);
  assert.deepEqual([...storage.repo('id1').get('x')], [2]);
  assert.equal(storage.registry('other').get('x'), null);
  assert.deepEqual(keysOf(storage.repo('id1').scan('', '', 10)), ['x']);
  assert.deepEqual(keysOf(storage.snapshot()), ['ns/team/x', 'repo/id1/x', 'repo/id2/x']);
});

test('batch: puts, overwrites and deletes apply in order', (t) => {
  const repo = openStorage(t).repo('r');
  repo.batch([
    { type: 'put', key: 'a', value: bytes(1) },
    { type: 'put', key: 'b', value: bytes(2) },
    { type: 'put', key: 'a', value: bytes(3) },
    { type: 'delete', key: 'b' },
    { type: 'delete', key: 'never-there' },
    { type: 'put', key: 'c', value: bytes(4) },
  ]);
  assert.deepEqual(repo.scan('', '', 10).map(([k, v]) => [k, [...v]]), [['a', [3]], ['c', [4]]]);
  repo.batch([]);
  assert.equal(repo.scan('', '', 10).length, 2);
});

test('batch is all-or-nothing: an op that throws half-way leaves nothing behind', (t) => {
  const storage = openStorage(t);
  const repo = storage.repo('r');
  repo.batch([{ type: 'put', key: 'keep', value: bytes(1) }]);
  const before = JSON.stringify(storage.snapshot());
  const bad = [
    [{ type: 'frobnicate', key: 'z' }, /unknown storage op/],
    [{ type: 'put', key: 'z', value: 'not bytes' }, /Uint8Array/],
    [{ type: 'put', key: 'z', value: null }, /Uint8Array/],
    [{ type: 'put', key: 'z', value: new ArrayBuffer(2) }, /Uint8Array/],
  ];
  for (const [op, message] of bad) {
    assert.throws(
      () =>
        repo.batch([
          { type: 'put', key: 'new', value: bytes(9) },
          { type: 'put', key: 'keep', value: bytes(2) },
          { type: 'delete', key: 'keep' },
          op,
          { type: 'put', key: 'after', value: bytes(3) },
        ]),
      message,
    );
    assert.equal(JSON.stringify(storage.snapshot()), before, `nothing of the failed batch remains (${JSON.stringify(op)})`);
  }
  assert.deepEqual([...repo.get('keep')], [1]);
});

test('values round-trip as bytes: empty, every byte value, 1 MiB', (t) => {
  const dir = tempDir(t);
  let storage = new SqliteStorage(dir);
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const big = new Uint8Array(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const view = new Uint8Array([7, 7, 1, 2, 3, 7]).subarray(2, 5); // a view with an offset
  storage.repo('r').batch([
    { type: 'put', key: 'empty', value: new Uint8Array(0) },
    { type: 'put', key: 'all', value: all },
    { type: 'put', key: 'big', value: big },
    { type: 'put', key: 'view', value: view },
    { type: 'put', key: 'text', value: text('héllo\0world') },
  ]);
  for (let round = 0; round < 2; round++) {
    const repo = storage.repo('r');
    const empty = repo.get('empty');
    assert.ok(empty instanceof Uint8Array, 'an empty value is an empty Uint8Array, not null');
    assert.equal(empty.length, 0);
    assert.deepEqual(repo.get('all'), Buffer.from(all));
    assert.ok(Buffer.from(big).equals(repo.get('big')), '1 MiB value intact');
    assert.deepEqual([...repo.get('view')], [1, 2, 3]);
    assert.equal(new TextDecoder().decode(repo.get('text')), 'héllo\0world');
    for (const [, value] of repo.scan('', '', 10)) assert.ok(value instanceof Uint8Array);
    storage.close();
    storage = new SqliteStorage(dir); // and again after a reopen
  }
  storage.close();
});

test('data persists across close and reopen; the file is in WAL mode', (t) => {
  const dir = tempDir(t);
  const first = new SqliteStorage(dir);
  assert.equal(first.path, join(dir, 'artifacts.sqlite'));
  first.registry('ns1').batch([{ type: 'put', key: 'a', value: text('one') }]);
  first.repo('x').batch([{ type: 'put', key: 'b', value: text('two') }]);
  first.close();
  first.close(); // idempotent
  assert.equal(first.open, false);
  assert.throws(() => first.repo('x').get('b'), /not open/);

  const wal = new Database(join(dir, 'artifacts.sqlite'), { readonly: true });
  assert.equal(wal.pragma('journal_mode', { simple: true }), 'wal');
  wal.close();

  const second = openStorage(t, join(dir, 'artifacts.sqlite')); // the file path works as well as its directory
  assert.equal(new TextDecoder().decode(second.registry('ns1').get('a')), 'one');
  assert.equal(new TextDecoder().decode(second.repo('x').get('b')), 'two');
});

test('a path that does not exist yet becomes the database file, its directory created', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'deep', 'er', 'db.sqlite');
  openStorage(t, file).repo('r').batch([{ type: 'put', key: 'k', value: bytes(1) }]);
  assert.ok(statSync(file).isFile());
  const inDir = openStorage(t, join(dir, 'new-dir') + '/');
  assert.equal(inDir.path, join(dir, 'new-dir', 'artifacts.sqlite'));
});

test('the control plane over SqliteStorage survives a reopen', async (t) => {
  const dir = tempDir(t);
  const host = manualHost();
  const options = { namespace: 'default', baseUrl: 'http://127.0.0.1:8788', host };

  let storage = new SqliteStorage(dir);
  let artifacts = createArtifacts({ storage, ...options });
  const kept = await artifacts.create('kept', { description: 'survives', setDefaultBranch: 'trunk' });
  host.advance(1);
  await artifacts.create('dropped');
  host.advance(1);
  await artifacts.create('third', { readOnly: true });
  const repo = await artifacts.get('kept');
  const read = await repo.createToken('read', 3600);
  const revoked = await repo.createToken('write', 3600);
  assert.equal(await repo.revokeToken(revoked.id), true);
  assert.equal(await artifacts.delete('dropped'), true);
  await assertRejectsUnchanged(storage, () => artifacts.create('KEPT'), 'ALREADY_EXISTS', 10201);
  const infoBefore = await repo.info();
  const listBefore = await artifacts.list();
  const tokensBefore = await repo.listTokens();
  const rowsBefore = storage.snapshot();
  storage.close();

  storage = new SqliteStorage(dir);
  t.after(() => storage.close());
  artifacts = createArtifacts({ storage, ...options });
  assert.deepEqual(storage.snapshot(), rowsBefore, 'every row came back');
  const again = await artifacts.get('KEPT');
  assert.deepEqual(await again.info(), infoBefore);
  assert.equal(infoBefore.id, kept.id);
  assert.equal(infoBefore.defaultBranch, 'trunk');
  assert.deepEqual(await artifacts.list(), listBefore);
  assert.deepEqual(listBefore.repos.map((r) => r.name), ['third', 'kept']);
  assert.deepEqual(await again.listTokens(), tokensBefore);
  assert.equal(tokensBefore.total, 2, 'the initial write token and the read token; the revoked one is gone');
  assert.ok(tokensBefore.tokens.some((tk) => tk.id === read.id));
  assert.ok(!tokensBefore.tokens.some((tk) => tk.id === revoked.id));
  assert.equal(await again.revokeToken(read.plaintext), true, 'a token minted before the reopen is still known');
  await assert.rejects(artifacts.get('dropped'), { code: 'NOT_FOUND' });
  await assertRejectsUnchanged(storage, () => artifacts.create('third'), 'ALREADY_EXISTS', 10201);
});
