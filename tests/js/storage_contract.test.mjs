// The storage contract of js/index.d.ts (get/scan/batch, conditional batches
// with { type: 'expect' } ops, store listing): the shared cases of
// storage-contract-cases.mjs against MemoryStorage and SqliteStorage; for
// SQLite also across two connections to one file, as two processes share it,
// and two processes creating and deleting the same names at once (the
// registry's writes are conditional: core/artifacts/repo_registry.h).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArtifacts, MemoryStorage, SqliteStorage } from 'open-artifacts';
import { storageContractCaseNames, storageContractCases } from './storage-contract-cases.mjs';

const bytes = (...values) => new Uint8Array(values);

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'oa-contract-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const stores = {
  MemoryStorage: () => new MemoryStorage(),
  SqliteStorage: (t) => {
    const storage = new SqliteStorage(tempDir(t));
    t.after(() => storage.close());
    return storage;
  },
};

// Every case of the shared table (storage-contract-cases.mjs), against each
// store; the same table runs in workerd against DurableObjectSqliteStorage
// (do_storage.test.mjs).
for (const [name, open] of Object.entries(stores)) {
  for (const caseName of storageContractCaseNames()) {
    test(`${name}: ${caseName}`, (t) => {
      const [one] = storageContractCases(() => open(t)).filter((c) => c.name === caseName);
      return one.run(assert);
    });
  }
}

test('SqliteStorage: a write expecting what one connection read is refused after another connection changed it', (t) => {
  const dir = tempDir(t);
  const first = new SqliteStorage(dir);
  const second = new SqliteStorage(dir);
  t.after(() => (first.close(), second.close()));
  first.registry('ns').batch([{ type: 'put', key: 'record', value: bytes(1) }]);
  const seen = first.registry('ns').get('record'); // read (in a read transaction of this burst)...
  second.registry('ns').batch([{ type: 'delete', key: 'record' }]); // ...another process deletes it...
  const revived = first.registry('ns').batch([
    { type: 'expect', key: 'record', value: seen },
    { type: 'put', key: 'record', value: bytes(2) },
  ]);
  assert.equal(revived, false, '...and the first write is refused, not a resurrection');
  assert.equal(second.registry('ns').get('record'), null);
  assert.equal(first.registry('ns').get('record'), null);
  // The same for a create: both saw the name free, the second to write loses.
  assert.notEqual(second.registry('ns').batch([{ type: 'expect', key: 'name', value: null }, { type: 'put', key: 'name', value: bytes(3) }]), false);
  assert.equal(first.registry('ns').batch([{ type: 'expect', key: 'name', value: null }, { type: 'put', key: 'name', value: bytes(4) }]), false);
  assert.deepEqual([...first.registry('ns').get('name')], [3]);
});

const CHILD = fileURLToPath(new URL('./registry-race-child.mjs', import.meta.url));

function runChild(dir, names, startAt) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(names), String(startAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
}

test('two processes creating and deleting the same names: one wins each, nothing orphaned or miscounted', async (t) => {
  const dir = tempDir(t);
  new SqliteStorage(dir).close(); // the file exists before both start
  const names = 40;
  const startAt = Date.now() + 1500; // both start together, after loading the wasm
  const [one, two] = await Promise.all([runChild(dir, names, startAt), runChild(dir, names, startAt)]);
  for (let i = 0; i < names; i++) {
    const created = [one.created[i], two.created[i]].sort();
    assert.deepEqual(created, ['ALREADY_EXISTS', 'ok'], `r${i}: exactly one create won`);
    const deleted = [one.deleted[i], two.deleted[i]].sort();
    assert.deepEqual(deleted, [false, true], `r${i}: exactly one delete removed it`);
  }
  const storage = new SqliteStorage(dir);
  t.after(() => storage.close());
  const artifacts = createArtifacts({ storage });
  const page = await artifacts.list();
  assert.equal(page.total, 0);
  assert.equal(page.repos.length, 0);
  assert.deepEqual(storage.repoIds(), [], 'every store released, none orphaned');
  assert.deepEqual(
    // The counters, and the namespace's record (a namespace outlives its repos), stay.
    storage.snapshot().map(([k]) => k).filter((k) => !k.endsWith('/m/count') && !k.endsWith('/m/seq') && !k.endsWith('/m/namespace')),
    [],
    'no record, index row or release left',
  );
  // Registry values as ChunkedStore keeps them (core/base/chunked_store.h): a tag byte, then the value.
  const counter = (key) => new TextDecoder().decode(storage.registry('default').get(key).subarray(1));
  assert.equal(counter('m/count'), '0', 'the count is back to 0');
  assert.equal(counter('m/seq'), String(names), 'one sequence number per repo made');
});
