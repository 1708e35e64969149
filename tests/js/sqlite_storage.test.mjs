// SqliteStorage (js/src/sqlite-storage.js): its file, WAL mode, and data and
// the control plane surviving a close and reopen. The storage contract itself
// (get/scan/batch, order, atomicity) is the shared cases of
// storage-contract-cases.mjs, run by storage_contract.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createArtifacts, SqliteStorage } from 'open-artifacts';
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
