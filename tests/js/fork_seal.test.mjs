// A fork that borrows its parent's objects (one shared store, as MemoryStorage
// and SqliteStorage) must not let anyone holding only the fork's tokens see
// what the fork does not reach: commits pushed to the parent after the fork,
// or branches the fork did not take. A hidden object must look exactly like a
// missing one, whether named in a push, as a thin-pack delta base, as a fetch
// want or have, or in object-info.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from 'open-artifacts';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { ZERO, pkt, FLUSH, DELIM, cat, emptyPack, post, show, packOf, objectId, copyAllDelta } from './git-wire.mjs';

const h = sharedHarness();
let hh, s, parent, fork, work, c1, secret, c2, hiddenBlob;
const server = () => ({ url: s.base });

before(async () => {
  hh = await h();
  s = await startInProcessServer({ storage: new MemoryStorage() });
  parent = await s.artifacts.create('sealed-parent');
  work = hh.path('sealed-parent');
  await hh.git(['clone', '-q', parent.remote, work], { token: parent.token });
  c1 = await hh.commit(work, { 'README.md': '# visible\n' }, 'visible');
  await hh.git(['checkout', '-q', '-b', 'secret'], { cwd: work });
  secret = await hh.commit(work, { 'secret.txt': 'only on the parent\'s secret branch\n' }, 'secret');
  await hh.git(['push', '-q', 'origin', 'main', 'secret'], { cwd: work, token: parent.token });
  fork = await (await s.artifacts.get('sealed-parent')).fork('sealed-fork'); // default branch only
  // Pushed to the parent after the fork: hidden from it.
  await hh.git(['checkout', '-q', 'main'], { cwd: work });
  const hidden = 'a secret pushed later\n'.repeat(200);
  hiddenBlob = objectId('blob', Buffer.from(hidden));
  c2 = await hh.commit(work, { 'later.txt': hidden }, 'later');
  await hh.git(['push', '-q', 'origin', 'main'], { cwd: work, token: parent.token });
});

after(() => s?.close());

const forkPost = (service, body, headers) => post(server(), 'sealed-fork', fork.token, service, body, headers);
const receive = (commands, pack = emptyPack()) =>
  forkPost('git-receive-pack', cat(...commands.map((c, i) => pkt(`${c}${i === 0 ? '\0report-status' : ''}\n`)), FLUSH, pack));
const treeOf = async (commit) => (await hh.git(['rev-parse', `${commit}^{tree}`], { cwd: work })).stdout.trim();

test('a push naming a hidden commit, tree or blob is refused exactly like a missing object', async () => {
  const cases = { hiddenCommit: c2, otherBranch: secret, hiddenTree: await treeOf(c2), hiddenBlob, missing: '4'.repeat(40) };
  const answers = {};
  for (const [label, id] of Object.entries(cases)) {
    const ref = `refs/tags/leak-${label}`;
    const res = await receive([`${ZERO} ${id} ${ref}`]);
    assert.equal(res.status, 200, show(res));
    answers[label] = res.lines.map((l) => l.replace(ref, '<ref>'));
  }
  for (const label of Object.keys(cases)) {
    assert.deepEqual(answers[label], ['unpack ok', 'ng <ref> missing necessary objects'], `${label}: ${JSON.stringify(answers[label])}`);
  }
  // Branches too (where a non-commit would otherwise say "branches must point at commits").
  const branch = await receive([`${ZERO} ${hiddenBlob} refs/heads/leak`]);
  assert.deepEqual(branch.lines, ['unpack ok', 'ng refs/heads/leak missing necessary objects'], show(branch));
  const clone = hh.path('sealed-fork-clone');
  await hh.git(['clone', '-q', '--mirror', fork.remote, clone], { token: fork.token });
  for (const id of [c2, secret]) assert.notEqual((await hh.run(['cat-file', '-e', id], { cwd: clone })).code, 0, `${id} is not in a clone of the fork`);
  assert.equal((await hh.run(['cat-file', '-e', c1], { cwd: clone })).code, 0);
});

test('a thin-pack delta against a hidden blob is refused and leaves nothing to fetch', async () => {
  const hidden = Buffer.from('a secret pushed later\n'.repeat(200));
  const delta = copyAllDelta(hidden.length, 'x');
  const derived = objectId('blob', Buffer.concat([hidden, Buffer.from('x')]));
  const res = await receive([`${ZERO} ${c1} refs/heads/thin`], packOf([{ type: 'refDelta', base: hiddenBlob, data: delta }]));
  assert.equal(res.status, 200, show(res));
  assert.match(res.lines[0], /^unpack .*missing base object/, show(res));
  const want = await forkPost('git-upload-pack', cat(pkt('command=fetch\n'), DELIM, pkt(`want ${derived}\n`), pkt('done\n'), FLUSH), { 'Git-Protocol': 'version=2' });
  assert.ok(want.lines.some((l) => l.startsWith('ERR ') && l.includes('not our ref')), show(want));
});

test('negotiation and object-info answer for hidden objects as for missing ones', async () => {
  const v2 = { 'Git-Protocol': 'version=2' };
  const negotiate = (have) =>
    forkPost('git-upload-pack', cat(pkt('command=fetch\n'), DELIM, pkt(`want ${c1}\n`), pkt(`have ${have}\n`), FLUSH), v2);
  assert.deepEqual((await negotiate(c1)).lines, ['acknowledgments', `ACK ${c1}`]);
  for (const id of [c2, secret, '5'.repeat(40)]) {
    assert.deepEqual((await negotiate(id)).lines, ['acknowledgments', 'NAK'], `have ${id}`);
  }
  const info = await forkPost('git-upload-pack', cat(pkt('command=object-info\n'), DELIM, pkt('size\n'), pkt(`oid ${c1}\n`), pkt(`oid ${c2}\n`), pkt(`oid ${hiddenBlob}\n`), FLUSH), v2);
  assert.equal(info.lines.length, 2, show(info));
  assert.equal(info.lines[0], 'size');
  assert.match(info.lines[1], new RegExp(`^${c1} \\d+$`));
  // The parent itself still answers for all of them.
  const parentInfo = await post(server(), 'sealed-parent', parent.token, 'git-upload-pack', cat(pkt('command=object-info\n'), DELIM, pkt(`oid ${c2}\n`), FLUSH), v2);
  assert.deepEqual(parentInfo.lines, [c2]);
});

test('content reads of a raw sha on the fork answer for hidden objects as for missing ones', async () => {
  const f = await s.artifacts.get('sealed-fork');
  const hiddenTree = await treeOf(c2);
  // Each hidden id must read exactly as a never-stored one (null, [], no error),
  // whatever its type: a commit read as a blob or a tree is otherwise an error.
  for (const [label, id] of Object.entries({ hiddenCommit: c2, otherBranch: secret, hiddenTree, hiddenBlob, missing: '6'.repeat(40) })) {
    assert.equal(await f.readCommit(id), null, `readCommit ${label}`);
    assert.equal(await f.readTree(id), null, `readTree ${label}`);
    assert.equal(await f.readBlob(id), null, `readBlob ${label}`);
    for (const path of ['later.txt', 'secret.txt', 'README.md']) {
      assert.equal(await f.readFile({ ref: id, path }), null, `readFile ${label} ${path}`);
    }
    assert.deepEqual(await f.log({ ref: id }), [], `log ${label}`);
  }
  // What the fork reaches still reads, by sha and by name.
  assert.equal((await f.readCommit(c1)).hash, c1);
  assert.ok((await f.readTree(await treeOf(c1))).some((e) => e.name === 'README.md'));
  assert.equal(Buffer.from(await (await f.readBlob(objectId('blob', Buffer.from('# visible\n')))).arrayBuffer()).toString(), '# visible\n');
  for (const ref of [c1, 'main']) {
    assert.equal(await (await f.readFile({ ref, path: 'README.md' })).text(), '# visible\n');
    assert.deepEqual((await f.log({ ref })).map((c) => c.hash).slice(-1), [c1]);
  }
  // The parent itself still reads all of them.
  const p = await s.artifacts.get('sealed-parent');
  assert.equal((await p.readCommit(c2)).hash, c2);
  assert.ok(await p.readBlob(hiddenBlob));
  assert.equal(await (await p.readFile({ ref: c2, path: 'later.txt' })).text(), 'a secret pushed later\n'.repeat(200));
});

test('ordinary pushes to the fork (thin packs against what it reaches) still work', async () => {
  const dir = hh.path('sealed-fork-work');
  await hh.git(['clone', '-q', fork.remote, dir], { token: fork.token });
  await hh.commit(dir, { 'README.md': '# visible, changed in the fork\n', 'new/file.txt': 'new\n' }, 'fork work');
  await hh.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: dir, token: fork.token });
  await hh.commit(dir, { 'new/file.txt': 'newer\n' }, 'more fork work');
  await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/topic'], { cwd: dir, token: fork.token });
  const again = hh.path('sealed-fork-again');
  await hh.git(['clone', '-q', fork.remote, again], { token: fork.token });
  await hh.fsck(again);
  assert.equal(await hh.head(again, 'origin/topic'), await hh.head(dir));
});
