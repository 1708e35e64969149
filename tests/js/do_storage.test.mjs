// DurableObjectSqliteStorage in real workerd (npm `workerd`), with SQLite-backed
// Durable Objects whose state is on disk: the shared storage contract cases
// (each in a Durable Object of its own), the package end to end over it,
// surviving a restart of workerd on the same state, and the 2,000,000-byte
// row limit that local workerd does not enforce but production does.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageContractCaseNames } from './storage-contract-cases.mjs';
import { startBundledWorker } from './workerd-harness.mjs';

const DURABLE_OBJECTS = [{ className: 'StorageTestObject', binding: 'STORE', uniqueKey: 'open-artifacts-do-storage-test' }];

// State directories, removed once every test (and so every workerd) has ended.
const stateDirs = [];
after(() => stateDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'oa-do-state-'));
  stateDirs.push(dir);
  return dir;
}

async function start(t, stateDir) {
  const worker = await startBundledWorker('do-storage-worker.mjs', { durableObjects: DURABLE_OBJECTS, stateDir });
  t.after(() => worker.stop());
  return worker;
}

async function getJson(worker, path) {
  const res = await worker.fetch(`${worker.url}${path}`, { signal: AbortSignal.timeout(120_000) });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}\n${worker.output()}`);
  return JSON.parse(text);
}

test('every shared storage contract case passes against DurableObjectSqliteStorage in workerd, each in a fresh Durable Object', async (t) => {
  const worker = await start(t, tempDir());
  const { names, results } = await getJson(worker, '/contract');
  const nodeNames = storageContractCaseNames();
  assert.ok(nodeNames.length >= 10, 'the table has its cases');
  assert.equal(new Set(nodeNames).size, nodeNames.length, 'case names are unique');
  assert.deepEqual(names, nodeNames, 'workerd ran the same list of cases as node:test');
  assert.deepEqual(results.map((r) => r.name), nodeNames, 'one result per case, in order');
  for (const result of results) {
    assert.equal(result.error, undefined, `${result.name}:\n${result.error}`);
    assert.equal(result.ok, true, result.name);
    // The table comes with the first write: a case that only reads, or whose writes were refused, has none.
    assert.ok(['', 'kv'].includes(result.facts.tables.join()), `${result.name}: at most one table, kv: ${result.facts.tables}`);
    assert.equal(result.facts.quickCheck, 'ok', result.name);
  }
  assert.doesNotMatch(worker.output(), /error|uncaught/i, worker.output());
});

test('the package over DurableObjectSqliteStorage in workerd: create, commit, fork, read; all of it still there after workerd restarts on the same state', async (t) => {
  const stateDir = tempDir();
  const first = await start(t, stateDir);
  const written = await getJson(first, '/e2e/write');
  assert.equal(written.crash, undefined, written.crash);
  await first.stop();
  assert.doesNotMatch(first.output(), /error|uncaught/i, first.output());

  const origin = written.read.origin;
  const copy = written.read.copy;
  // What was written reads back at once.
  assert.equal(written.sharesRepoStorage, true);
  assert.equal(written.forked.objects, 0, 'the fork reads its parent\'s objects in place (one store)');
  assert.deepEqual(written.read.list.map((r) => r.name).sort(), ['copy', 'origin']);
  assert.equal(written.read.total, 2);
  assert.equal(written.read.gone, 'NOT_FOUND', 'the deleted repo is gone');
  assert.equal(origin.info.id, written.created.id);
  assert.equal(origin.info.description, 'kept in a Durable Object');
  assert.deepEqual(origin.log.map((c) => c.message), ['second', 'first']);
  assert.deepEqual(origin.log.map((c) => c.hash), [written.second.commit, written.first.commit]);
  assert.deepEqual(origin.log[0].parents, [written.first.commit]);
  assert.equal(origin.readme, '# kept\n');
  assert.equal(origin.summer, 'autumn\n');
  assert.equal(origin.firstSummer, 'summer \u{1F600}\n', 'the first commit\'s version of a file');
  assert.equal(origin.forkFile, null);
  assert.equal(origin.bigSize, 3 * 1024 * 1024 + 12345);
  assert.equal(origin.bigSha256, written.bigSha256, 'the 3 MiB file, chunked over several rows, reads back whole');
  assert.equal(copy.info.source, 'artifacts:durable/origin');
  assert.equal(copy.info.description, 'a fork');
  assert.deepEqual(copy.log.map((c) => c.hash), [written.forkCommit.commit, written.second.commit, written.first.commit]);
  assert.equal(copy.forkFile, 'mine\n');
  assert.equal(copy.summer, 'autumn\n');
  assert.equal(copy.bigSha256, written.bigSha256);
  // The storage as the adapter keeps it: one table, no row over the limit, but rows near 1 MiB (chunks).
  assert.deepEqual(written.facts.tables, ['kv']);
  assert.equal(written.facts.quickCheck, 'ok');
  assert.ok(written.facts.maxRowBytes <= 2_000_000, `largest row ${written.facts.maxRowBytes}`);
  assert.ok(written.facts.maxRowBytes > 1_000_000, `the big file made rows of about 1 MiB (${written.facts.maxRowBytes})`);
  assert.equal(written.snapshot.rows, written.facts.rows);

  // The state is on disk, in SQLite files of workerd's own layout.
  const files = readdirSync(join(stateDir, 'open-artifacts-do-storage-test'));
  assert.ok(files.some((f) => /^[0-9a-f]{64}\.sqlite$/.test(f)), files.join(', '));

  // A new workerd process on the same directory: nothing lost.
  const second = await start(t, stateDir);
  const again = await getJson(second, '/e2e/read');
  assert.equal(again.crash, undefined, again.crash);
  assert.deepEqual(again.snapshot, written.snapshot, 'every row came back, byte for byte');
  assert.deepEqual(again.read, written.read, 'list, info, log and every file read the same');
  assert.equal(again.facts.quickCheck, 'ok');
  await second.stop();
  assert.doesNotMatch(second.output(), /error|uncaught/i, second.output());
});

test('a batch with a row over 2,000,000 bytes (key + value, UTF-8) throws and writes nothing; a row of exactly 2,000,000 is stored', async (t) => {
  const worker = await start(t, tempDir());
  const report = await getJson(worker, '/row-limit');
  assert.equal(report.crash, undefined, report.crash);
  assert.equal(report.maxRowBytes, 2_000_000);
  assert.equal(report.over.name, 'RangeError', JSON.stringify(report.over));
  assert.match(report.over.message, /row too large for a Durable Object: key "repo\/r\/big" and its value are 2000001 bytes, over the 2000000-byte row limit/);
  assert.equal(report.overUnchanged, true, 'neither the put nor the delete before it was written');
  assert.equal(report.overWide.name, 'RangeError', `a key of ${report.wideKeyUnits} UTF-16 units counts its UTF-8 bytes: ${JSON.stringify(report.overWide)}`);
  assert.match(report.overWide.message, /2000001 bytes/);
  assert.equal(report.overWideUnchanged, true);
  assert.deepEqual(report.atLimit, { result: true });
  assert.equal(report.atLimitRead, 2_000_000 - 31, 'the value of the 2,000,000-byte row (a 31-byte key)');
  assert.equal(report.facts.maxRowBytes, 2_000_000);
  assert.equal(report.rawRowBytes, 2_000_001, 'local workerd itself stores such a row: the adapter is what refuses it');
});
