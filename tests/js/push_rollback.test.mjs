// What a push leaves behind when it does not land: nothing (as git discards
// its quarantine). Also: the repo quota holds against pushes that run at the
// same time, and a fork can take its parent's newer commits (objects its
// parent already stores, with deltas between them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryStorage } from 'open-artifacts';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { ZERO, pkt, FLUSH, cat, post, show, packOf, objectId } from './git-wire.mjs';

const MiB = 1024 * 1024;
const h = sharedHarness();
let hh, storage, s;

before(async () => {
  hh = await h();
  storage = new MemoryStorage();
  s = await startInProcessServer({ storage, limits: { maxRepoBytes: 4 * MiB } });
});
after(() => s?.close());

// Storage rows but the repo's removal epoch, which every taking back of
// objects moves on (pack_ingest.h): that is the one row such a push changes.
const REMOVAL_EPOCH = /\/m\/removal-epoch$/;
const rowsBut = (snapshot) => snapshot.filter(([key]) => !REMOVAL_EPOCH.test(key));
const removalEpochs = (snapshot) => snapshot.filter(([key]) => REMOVAL_EPOCH.test(key)).map(([, v]) => v);

const receive = (name, token, commands, pack) =>
  post({ url: s.base }, name, token, 'git-receive-pack', cat(...commands.map((c, i) => pkt(`${c}${i === 0 ? '\0report-status' : ''}\n`)), FLUSH, pack));

test('a push refused after committing several batches of objects leaves storage exactly as it was', async () => {
  const repo = await s.artifacts.create('rollback');
  const dir = hh.path('rollback');
  await hh.git(['clone', '-q', repo.remote, dir], { token: repo.token });
  await hh.commit(dir, { 'README.md': 'fits\n' }, 'first');
  await hh.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: dir, token: repo.token });
  const before = storage.snapshot();

  // 4,500 small files (ingest commits them in batches of 2,000) and then a blob over the 4 MiB quota.
  const files = {};
  for (let i = 0; i < 4500; i++) files[`many/f${i}.txt`] = `file ${i} ${randomBytes(8).toString('hex')}\n`;
  files['zz-big.bin'] = randomBytes(5 * MiB);
  await hh.commit(dir, files, 'over the quota');
  const refused = await hh.run(['push', 'origin', 'HEAD:main'], { cwd: dir, token: repo.token });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /413/, refused.stderr);
  const after = storage.snapshot();
  assert.deepEqual(rowsBut(after), rowsBut(before), 'no object, counter or ref of the refused push remains');
  assert.notDeepEqual(removalEpochs(after), removalEpochs(before), 'the removal epoch moved on');

  // Its quota is not used up: an unrelated 2.5 MiB history still fits.
  const other = hh.path('rollback-other');
  await hh.git(['init', '-q', '-b', 'main', other]);
  await hh.commit(other, { 'one.bin': randomBytes(2.5 * MiB) }, 'unrelated');
  await hh.git(['push', '-q', '--force', repo.remote, 'HEAD:refs/heads/other'], { cwd: other, token: repo.token });
});

test('a push whose refs all fail (missing objects) keeps none of its objects', async () => {
  const repo = await s.artifacts.create('rollback-missing');
  const before = storage.snapshot();
  // A commit whose tree is not sent: the connectivity check refuses the ref.
  const tree = 'f'.repeat(40);
  const commit = Buffer.from(`tree ${tree}\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\n\nbroken\n`);
  const blob = Buffer.from('a blob that only this push sends\n');
  const id = objectId('commit', commit);
  const res = await receive('rollback-missing', repo.token, [`${ZERO} ${id} refs/heads/main`], packOf([{ type: 'commit', data: commit }, { type: 'blob', data: blob }]));
  assert.ok(res.lines.some((l) => l.startsWith('ng refs/heads/main')), show(res));
  const after = storage.snapshot();
  assert.deepEqual(rowsBut(after), rowsBut(before));
  assert.notDeepEqual(removalEpochs(after), removalEpochs(before), 'the removal epoch moved on');
});

test('pushes running at the same time cannot add up past the repo quota', async () => {
  const repo = await s.artifacts.create('quota-race');
  const blobs = [0, 1, 2, 3].map(() => randomBytes(3 * MiB)); // incompressible: 3 MiB stored each
  const blobId = (b) => objectId('blob', b);
  const results = await Promise.all(
    blobs.map((b, i) => receive('quota-race', repo.token, [`${ZERO} ${blobId(b)} refs/tags/t${i}`], packOf([{ type: 'blob', data: b }]))),
  );
  const accepted = results.filter((r) => r.lines?.some((l) => l.startsWith('ok ')));
  assert.ok(accepted.length <= 1, `at most one 3 MiB push fits a 4 MiB quota: ${results.map(show).join(' | ')}`);
  const tags = (await hh.git(['ls-remote', '--tags', repo.remote], { token: repo.token })).stdout.split('\n').filter(Boolean);
  assert.equal(tags.length, accepted.length);
});

test('a fork takes its parent\'s newer commits, with deltas against objects the parent stores', async () => {
  const parent = await s.artifacts.create('sync-parent');
  const work = hh.path('sync-parent');
  await hh.git(['clone', '-q', parent.remote, work], { token: parent.token });
  await hh.commit(work, { 'README.md': '# hi\n' }, 'c1');
  await hh.git(['push', '-q', 'origin', 'main'], { cwd: work, token: parent.token });
  const fork = await (await s.artifacts.get('sync-parent')).fork('sync-fork');
  let big = '';
  for (let i = 0; i < 2000; i++) big += `line ${i} of upstream's file\n`;
  await hh.commit(work, { 'later.txt': big }, 'c2');
  const c3 = await hh.commit(work, { 'later.txt': `${big.split('\n').slice(0, 1900).join('\n')}\nchanged\n` }, 'c3');
  await hh.git(['push', '-q', 'origin', 'main'], { cwd: work, token: parent.token });
  // The fork's owner pushes upstream's main to the fork (git sends c2 and c3 with deltas between them).
  await hh.git(['push', '-q', fork.remote, 'main:main'], { cwd: work, token: fork.token });
  const clone = hh.path('sync-fork-clone');
  await hh.git(['clone', '-q', fork.remote, clone], { token: fork.token });
  await hh.fsck(clone);
  assert.equal(await hh.head(clone), c3);
});
