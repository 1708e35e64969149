// A job that dies mid-way (SIGKILL) must not leave its target "importing" for
// ever: its lease lapses and any later call, from any process sharing the
// SQLite file, reclaims the name and the rows. The sweep at server start
// removes stores no registry names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArtifacts, SqliteStorage, ArtifactsError } from 'open-artifacts';
import { startServer } from '../../js/src/server.js';

const CLI = fileURLToPath(new URL('../../js/bin/open-artifacts.js', import.meta.url));
const LEASE_MS = 120_000; // core/artifacts/namespace_service.h kJobLeaseMs

async function codeOf(promise) {
  try {
    await promise;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof ArtifactsError, String(e?.stack ?? e));
    return e.code;
  }
}

test('an import killed with SIGKILL is reclaimed by another process once its lease lapses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oa-lease-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A "remote" that accepts connections and never answers: the import waits forever.
  const silent = createServer(() => {});
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => silent.close());
  const url = `http://127.0.0.1:${silent.address().port}/stuck.git`;
  const child = spawn(process.execPath, [CLI, 'import', url, 'stuck', '--data', dir, '--allow-http-import', '--allow-private-import'], {
    stdio: 'ignore',
  });
  t.after(() => child.kill('SIGKILL'));

  let now = Date.now();
  const host = { now: () => now, randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)) };
  const storage = new SqliteStorage(dir);
  t.after(() => storage.close());
  const artifacts = createArtifacts({ storage, host });
  // Wait until the other process has registered its target and written its
  // store (two batches: the registry's, then the store's).
  for (let i = 0; (await codeOf(artifacts.get('stuck'))) !== 'IMPORT_IN_PROGRESS' || storage.repoIds().length === 0; i++) {
    assert.ok(i < 200, 'the import registered its target');
    await new Promise((r) => setTimeout(r, 50));
  }
  now = Date.now(); // the other process registered within the last poll, so its lease ends ~120 s from here
  const storesWhileRunning = storage.repoIds();
  assert.equal(storesWhileRunning.length, 1);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  // Within the lease the name stays taken; past it, the next call reclaims it.
  now += LEASE_MS - 1000;
  assert.equal(await codeOf(artifacts.get('stuck')), 'IMPORT_IN_PROGRESS');
  assert.equal(await codeOf(artifacts.create('stuck')), 'ALREADY_EXISTS');
  now += 2000;
  assert.equal(await codeOf(artifacts.get('stuck')), 'NOT_FOUND');
  assert.deepEqual(storage.repoIds(), [], 'the dead import left no rows');
  assert.equal((await artifacts.list()).repos.length, 0);
  const fresh = await artifacts.create('stuck');
  assert.notEqual(fresh.id, undefined);
  assert.deepEqual(storage.repoIds(), [fresh.id]);
});

test('the server sweeps stores no registry names at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oa-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const storage = new SqliteStorage(dir);
  const artifacts = createArtifacts({ storage });
  const kept = await artifacts.create('kept');
  const orphan = await artifacts.create('orphan');
  // Rows under the orphan's id after its name went (as a push racing a delete leaves them).
  const rows = storage.snapshot().filter(([k]) => k.startsWith(`repo/${orphan.id}/`));
  await artifacts.delete('orphan');
  storage.repo(orphan.id).batch(rows.map(([k, v]) => ({ type: 'put', key: k.slice(`repo/${orphan.id}/`.length), value: Uint8Array.from(v.split(','), Number) })));
  assert.deepEqual(storage.repoIds().sort(), [kept.id, orphan.id].sort());
  storage.close();

  const server = await startServer({ port: 0, dataDir: dir });
  t.after(() => server.close({ graceMs: 100 }));
  const after = new SqliteStorage(dir);
  t.after(() => after.close());
  assert.deepEqual(after.repoIds(), [kept.id]);
  assert.equal((await server.artifacts.get('kept')).constructor.name.length > 0, true);
});
