// fork() on the repo handle (spec §7.2) end to end: a parent filled by pushing
// with the git CLI is forked; git clones the fork (fsck --strict), both sides
// take pushes independently, and the fork outlives its parent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage, ArtifactsError } from 'open-artifacts';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { assertRejectsUnchanged } from './helpers.mjs';

const h = sharedHarness();
let hh;
let s;
let storage;
let parentToken;
let work;

const refsOf = async (remote, token) =>
  (await hh.git(['ls-remote', remote], { token })).stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t').reverse().join(' '))
    .sort();

before(async () => {
  hh = await h();
  storage = new MemoryStorage();
  s = await startInProcessServer({ storage });
  const created = await s.artifacts.create('parent', { description: 'the parent' });
  parentToken = created.token;
  work = hh.path('parent-work');
  await hh.git(['clone', '-q', created.remote, work], { token: parentToken });
  await hh.commit(work, { 'README.md': '# parent\n', 'src/a.txt': 'a\n'.repeat(500) }, 'first');
  await hh.commit(work, { 'src/a.txt': 'a\n'.repeat(499) + 'b\n' }, 'second');
  await hh.git(['tag', '-a', 'v1', '-m', 'release'], { cwd: work });
  await hh.git(['checkout', '-q', '-b', 'feature'], { cwd: work });
  await hh.commit(work, { 'feature.txt': 'only on feature\n' }, 'feature work');
  await hh.git(['push', '-q', 'origin', 'main', 'feature', 'v1'], { cwd: work, token: parentToken });
});

after(() => s?.close());

const remote = (name) => `${s.base}/git/default/${name}.git`;

test('a default-branch fork clones with only the default branch and passes fsck', async () => {
  const parent = await s.artifacts.get('parent');
  const result = await parent.fork('fork-main');
  // The binding's fields, and `objects` (the REST fork result's; 0 here: the fork reads its parent's objects in place).
  assert.deepEqual(Object.keys(result).sort(), ['defaultBranch', 'description', 'id', 'name', 'objects', 'remote', 'token']);
  assert.equal(result.objects, 0);
  assert.equal(result.name, 'fork-main');
  assert.equal(result.description, null, 'a fork does not inherit the description');
  assert.equal(result.defaultBranch, 'main');
  assert.equal(result.remote, remote('fork-main'));

  const parentRefs = await refsOf(remote('parent'), parentToken);
  const forkRefs = await refsOf(result.remote, result.token);
  assert.deepEqual(forkRefs, parentRefs.filter((r) => r.startsWith('HEAD ') || r.startsWith('refs/heads/main ')));

  const dir = hh.path('fork-main-clone');
  await hh.git(['clone', '-q', result.remote, dir], { token: result.token });
  await hh.fsck(dir);
  assert.equal(await hh.head(dir), await hh.head(work, 'main'));

  const info = await (await s.artifacts.get('fork-main')).info();
  assert.equal(info.source, 'artifacts:default/parent');
  const listed = (await s.artifacts.list()).repos.find((r) => r.name === 'fork-main');
  assert.equal(listed.status, 'ready');
});

test('defaultBranchOnly: false copies every ref', async () => {
  const parent = await s.artifacts.get('parent');
  const result = await parent.fork('fork-all', { defaultBranchOnly: false, description: 'all refs', readOnly: true });
  assert.equal(result.description, 'all refs');
  assert.deepEqual(await refsOf(result.remote, result.token), await refsOf(remote('parent'), parentToken));
  const dir = hh.path('fork-all-clone');
  await hh.git(['clone', '-q', '--mirror', result.remote, dir], { token: result.token });
  await hh.fsck(dir);
  // readOnly is the fork's own option.
  const push = await hh.run(['push', result.remote, 'main:refs/heads/x'], { cwd: work, token: result.token });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /read-only/);
});

test('parent and fork take pushes independently; tokens are not shared; the fork outlives its parent', async () => {
  const tmp = await s.artifacts.create('short-lived');
  const dir = hh.path('short-lived-work');
  await hh.git(['clone', '-q', tmp.remote, dir], { token: tmp.token });
  await hh.commit(dir, { 'f.txt': 'one\n' }, 'one');
  await hh.git(['push', '-q', 'origin', 'main'], { cwd: dir, token: tmp.token });
  const fork = await (await s.artifacts.get('short-lived')).fork('survivor');

  // Tokens are per repo.
  const cross = await hh.run(['ls-remote', fork.remote], { token: tmp.token });
  assert.notEqual(cross.code, 0);

  // A push to the parent does not reach the fork, and the other way round.
  const before = await refsOf(fork.remote, fork.token);
  await hh.commit(dir, { 'f.txt': 'two\n' }, 'two');
  await hh.git(['push', '-q', 'origin', 'main'], { cwd: dir, token: tmp.token });
  assert.deepEqual(await refsOf(fork.remote, fork.token), before);
  await hh.commit(dir, { 'f.txt': 'three\n' }, 'three');
  await hh.git(['push', '-q', fork.remote, 'main'], { cwd: dir, token: fork.token });
  const parentMain = (await refsOf(tmp.remote, tmp.token)).find((r) => r.startsWith('refs/heads/main '));
  assert.equal(parentMain.split(' ')[1], await hh.head(dir, 'HEAD~1'));

  assert.equal(await s.artifacts.delete('short-lived'), true);
  const clone = hh.path('survivor-clone');
  await hh.git(['clone', '-q', fork.remote, clone], { token: fork.token });
  await hh.fsck(clone);
  assert.equal(await hh.head(clone), await hh.head(dir));
  assert.equal((await (await s.artifacts.get('survivor')).info()).source, 'artifacts:default/short-lived');
});

test('while a fork runs the target answers FORK_IN_PROGRESS and lists as forking', async () => {
  const parent = await s.artifacts.get('parent');
  const forking = parent.fork('in-flight');
  await new Promise((resolve) => setImmediate(resolve)); // the fork has taken its first step
  await assert.rejects(s.artifacts.get('in-flight'), (e) => e instanceof ArtifactsError && e.code === 'FORK_IN_PROGRESS');
  const listed = (await s.artifacts.list()).repos.find((r) => r.name === 'in-flight');
  assert.equal(listed.status, 'forking');
  await forking;
  assert.equal((await s.artifacts.list()).repos.find((r) => r.name === 'in-flight').status, 'ready');
});

test('bad fork targets are refused and change nothing', async () => {
  const parent = await s.artifacts.get('parent');
  await assertRejectsUnchanged(storage, () => parent.fork('parent'), 'ALREADY_EXISTS', 10201);
  await assertRejectsUnchanged(storage, () => parent.fork('Parent'), 'ALREADY_EXISTS', 10201);
  await assertRejectsUnchanged(storage, () => parent.fork('.bad'), 'INVALID_REPO_NAME', 10101);
  await assertRejectsUnchanged(storage, () => parent.fork(undefined), 'INVALID_REPO_NAME', 10101);
  await assertRejectsUnchanged(storage, () => parent.fork('ok', { defaultBranchOnly: 'no' }), 'INVALID_INPUT', 10100);
  await assertRejectsUnchanged(storage, () => parent.fork('ok', 42), 'INVALID_INPUT', 10100);
});
