// Content reads on the repo handle (spec §2.4) through the wasm binding: a repo
// is filled by pushing with the git CLI, then readBlob/readTree/readCommit/
// readFile/log are checked against `git cat-file`, `git ls-tree` and
// `git rev-list --first-parent` on the pushing clone. Errors are ArtifactsErrors
// with their codes, and a rejected call leaves storage untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MemoryStorage, ArtifactsError } from 'open-artifacts';
import { gitWithInput, sharedHarness, startInProcessServer } from './git-harness.mjs';
import { assertRejectsUnchanged } from './helpers.mjs';

const h = sharedHarness(); // git's isolated environment and temp dirs

// An in-process git server over MemoryStorage (so tests can snapshot storage).
async function startMemoryServer() {
  const storage = new MemoryStorage();
  return { storage, ...(await startInProcessServer({ storage })) };
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
const GITLINK = '1234567890abcdef1234567890abcdef12345678';

let s; // the memory server
let hh; // the git harness
let dir; // the pushing clone
let repo; // the handle
const ids = {};

const git = (args, opts = {}) => hh.git(args, { cwd: dir, ...opts });
const out = async (args) => (await git(args)).stdout;
const lines = (text) => text.split('\n').filter(Boolean);
const bytesOf = async (blob) => Buffer.from(await blob.arrayBuffer());
// `git cat-file blob <spec>` as bytes.
async function catBlob(spec) {
  const r = await gitWithInput(hh, ['cat-file', 'blob', spec], '', { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function put(path, content) {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

async function commit(message) {
  // `add -A` would drop the gitlink, whose directory is not checked out.
  await git(['add', '-A', '--', '.', ':(exclude)sub']);
  await git(['commit', '-q', '--cleanup=verbatim', '-m', message]);
  return (await out(['rev-parse', 'HEAD'])).trim();
}

before(async () => {
  hh = await h();
  s = await startMemoryServer();
  const { token, remote } = await s.artifacts.create('content');
  dir = hh.path('content');
  await hh.git(['clone', '-q', remote, dir], { token });
  await git(['config', 'http.extraHeader', `Authorization: Bearer ${token}`]);

  put('README.md', '# content reads\n');
  put('run.sh', '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  symlinkSync('README.md', join(dir, 'link'));
  put('dir/sub/deep.txt', 'deep\n');
  put('ünïcödé/文件 名.txt', 'unicode ✓\n');
  put('image.png', PNG);
  put('photo.JPG', JPEG);
  put('doc.pdf', '%PDF-1.4\n%âãÏÓ\n');
  put('bin.dat', BINARY);
  put('notes.txt', 'plain text\n');
  await git(['update-index', '--add', '--cacheinfo', `160000,${GITLINK},sub`]);
  ids.c1 = await commit('first commit\n\nwith a body\n');
  await git(['tag', '-a', 'v1', '-m', 'release v1']);

  await git(['checkout', '-q', '-b', 'side']);
  put('side.txt', 'side\n');
  ids.s1 = await commit('side work\n');
  await git(['checkout', '-q', 'main']);
  put('README.md', '# content reads, again\n');
  ids.c2 = await commit('second: ünïcode ✓\n');
  await git(['merge', '-q', '--no-ff', '--no-edit', 'side']);
  ids.merge = (await out(['rev-parse', 'HEAD'])).trim();
  put('notes.txt', 'plain text 2\n');
  ids.c3 = await commit('keeps one newline\n\n');

  await git(['push', '-q', 'origin', 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  repo = await s.artifacts.get('content');
});

after(() => s?.close());

// Every object of the clone, by type.
async function objectsByType() {
  const all = await out(['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)']);
  const byType = {};
  for (const line of lines(all)) {
    const [id, type] = line.split(' ');
    (byType[type] ??= []).push(id);
  }
  return byType;
}

test('readCommit matches git for every commit (identities, Unix-second times, parents, message)', async () => {
  const { commit: commits } = await objectsByType();
  assert.ok(commits.length >= 5);
  for (const id of commits) {
    const c = await repo.readCommit(id);
    const [tree, an, ae, cn, ce, at, ct, parents] = (
      await out(['log', '-1', '--format=%T%x00%an%x00%ae%x00%cn%x00%ce%x00%at%x00%ct%x00%P', id])
    )
      .replace(/\n$/, '')
      .split('\0');
    const raw = await out(['cat-file', 'commit', id]);
    assert.deepEqual(c, {
      hash: id,
      treeHash: tree,
      message: raw.slice(raw.indexOf('\n\n') + 2).replace(/\n$/, ''),
      author: { name: an, email: ae },
      committer: { name: cn, email: ce },
      parents: parents ? parents.split(' ') : [],
      authoredAt: Number(at),
      committedAt: Number(ct),
    });
  }
  assert.equal((await repo.readCommit(ids.c1)).message, 'first commit\n\nwith a body');
  assert.equal((await repo.readCommit(ids.c3)).message, 'keeps one newline\n', 'exactly one trailing newline removed');
  assert.deepEqual((await repo.readCommit(ids.merge)).parents, [ids.c2, ids.s1]);
  assert.equal(await repo.readCommit('0'.repeat(40)), null);
});

test('readTree matches git ls-tree for every tree: modes, types, unicode names', async () => {
  const { tree: trees } = await objectsByType();
  const typeOf = { '40000': 'tree', '120000': 'symlink', '160000': 'gitlink', '100755': 'exec', '100644': 'blob' };
  const seen = new Set();
  for (const id of trees) {
    const entries = await repo.readTree(id);
    const expected = (await out(['ls-tree', '-z', id]))
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta, name] = line.split('\t');
        const [mode, , hash] = meta.split(' ');
        const canonical = mode === '040000' ? '40000' : mode;
        return { name, mode: canonical, hash, type: typeOf[canonical] };
      });
    assert.deepEqual(entries, expected, id);
    for (const e of entries) seen.add(e.type);
  }
  assert.deepEqual([...seen].sort(), ['blob', 'exec', 'gitlink', 'symlink', 'tree']);
  const root = await repo.readTree((await out(['rev-parse', `${ids.c1}^{tree}`])).trim());
  assert.ok(root.some((e) => e.name === 'ünïcödé' && e.type === 'tree'));
  assert.ok(!root.some((e) => e.name.includes('/')), 'immediate children only');
  assert.equal(await repo.readTree('f'.repeat(40)), null);
});

test('readBlob returns every blob byte for byte, untyped; null for missing objects and other types', async () => {
  const { blob: blobs, tree: trees, tag: tags } = await objectsByType();
  for (const id of blobs) {
    const blob = await repo.readBlob(id);
    assert.ok(blob instanceof Blob, id);
    assert.equal(blob.type, '', 'untyped');
    assert.deepEqual(await bytesOf(blob), await catBlob(id), id);
  }
  const png = await repo.readBlob((await out(['rev-parse', 'main:image.png'])).trim());
  assert.deepEqual(await bytesOf(png), PNG, 'binary bytes survive');
  assert.equal(await repo.readBlob('0'.repeat(40)), null);
  assert.equal(await repo.readBlob(GITLINK), null);
  assert.equal(await repo.readBlob(ids.c1), null, 'a commit');
  assert.equal(await repo.readBlob(trees[0]), null, 'a tree');
  assert.equal(await repo.readBlob(tags[0]), null, 'a tag');
});

test('readFile: bytes and MIME type by extension, then by a NUL sniff', async () => {
  const cases = {
    'README.md': 'text/plain;charset=utf-8',
    'notes.txt': 'text/plain;charset=utf-8',
    'image.png': 'image/png',
    'photo.JPG': 'image/jpeg',
    'doc.pdf': 'application/pdf',
    'bin.dat': 'application/octet-stream',
    'run.sh': 'text/plain;charset=utf-8',
    'dir/sub/deep.txt': 'text/plain;charset=utf-8',
    'ünïcödé/文件 名.txt': 'text/plain;charset=utf-8',
  };
  for (const [path, type] of Object.entries(cases)) {
    const file = await repo.readFile({ ref: 'main', path });
    assert.ok(file instanceof Blob, path);
    assert.equal(file.type, type, path);
    assert.deepEqual(await bytesOf(file), await catBlob(`main:${path}`), path);
  }
  const link = await repo.readFile({ ref: 'main', path: 'link' });
  assert.equal(await link.text(), 'README.md', 'a symlink reads as its target, like git cat-file');
});

test('readFile resolves HEAD, ids, full and short branch and tag names (annotated tags peeled)', async () => {
  const head = '# content reads, again\n';
  const first = '# content reads\n';
  const read = async (ref) => {
    const file = await repo.readFile({ ref, path: 'README.md' });
    return file === null ? null : file.text();
  };
  assert.equal(await read('HEAD'), head);
  assert.equal(await read('main'), head);
  assert.equal(await read('refs/heads/main'), head);
  assert.equal(await read(ids.c1), first);
  assert.equal(await read('side'), first);
  assert.equal(await read('v1'), first);
  assert.equal(await read('refs/tags/v1'), first);
  assert.equal(await read((await out(['rev-parse', 'v1'])).trim()), first, 'a tag object id');
  for (const ref of ['nope', 'heads/main', 'refs/remotes/origin/main', 'main~1', ids.c1.toUpperCase(), '0'.repeat(40)]) {
    assert.equal(await read(ref), null, ref);
  }
});

test('readFile normalises paths; directories, submodules, ".." and missing paths are null', async () => {
  for (const path of ['/dir/sub/deep.txt', './dir//sub/./deep.txt', 'dir/sub/deep.txt/']) {
    assert.equal(await (await repo.readFile({ ref: 'main', path })).text(), 'deep\n', path);
  }
  for (const path of ['dir', 'dir/', 'dir/sub', 'sub', 'missing.txt', '../README.md', 'dir/../README.md', '..', '.', '/']) {
    assert.equal(await repo.readFile({ ref: 'main', path }), null, path);
  }
});

test('log is the first-parent chain, newest first, for HEAD, names, tags and ids', async () => {
  const revList = async (...args) => lines(await out(['rev-list', '--first-parent', ...args]));
  const hashes = (commits) => commits.map((c) => c.hash);
  const all = await revList('main');
  assert.deepEqual(all, [ids.c3, ids.merge, ids.c2, ids.c1], 'the side commit is not on the chain');
  assert.deepEqual(hashes(await repo.log()), all);
  assert.deepEqual(hashes(await repo.log({})), all);
  assert.deepEqual(hashes(await repo.log({ ref: 'HEAD' })), all);
  assert.deepEqual(hashes(await repo.log({ ref: 'refs/heads/main' })), all);
  assert.deepEqual(hashes(await repo.log({ ref: ids.c3 })), all);
  assert.deepEqual(hashes(await repo.log({ ref: 'side' })), await revList('side'));
  assert.deepEqual(hashes(await repo.log({ ref: 'v1' })), [ids.c1]);
  assert.deepEqual(hashes(await repo.log({ ref: 'refs/tags/v1' })), [ids.c1]);
  assert.deepEqual(hashes(await repo.log({ limit: 2 })), await revList('--max-count=2', 'main'));
  assert.deepEqual(hashes(await repo.log({ limit: 2, offset: 1 })), await revList('--max-count=2', '--skip=1', 'main'));
  assert.deepEqual(await repo.log({ offset: 4 }), []);
  assert.deepEqual(hashes(await repo.log({ limit: 5000 })), all, 'limits above 1000 are capped, not rejected');
  assert.deepEqual((await repo.log({ limit: 1 }))[0], await repo.readCommit(ids.c3), 'same metadata as readCommit');
  for (const ref of ['nope', '', 'heads/main', 'refs/notes/x', '0'.repeat(40)]) {
    assert.deepEqual(await repo.log({ ref }), [], `unknown ref ${JSON.stringify(ref)} → []`);
  }
});

test('bad input is INVALID_INPUT (10100) with the live messages, and changes nothing', async () => {
  const cases = [
    ['readBlob("")', () => repo.readBlob(''), 'Invalid hash: hash required.'],
    ['readBlob()', () => repo.readBlob(), 'Invalid hash: hash required.'],
    ['readTree(short)', () => repo.readTree('abc123'), 'Invalid hash: expected a 40-character SHA-1 hex hash.'],
    ['readCommit(upper)', () => repo.readCommit(ids.c1.toUpperCase()), 'Invalid hash: expected a 40-character SHA-1 hex hash.'],
    ['readCommit(number)', () => repo.readCommit(42), 'Invalid hash: expected a 40-character SHA-1 hex hash.'],
    ['readBlob(41)', () => repo.readBlob(`${ids.c1}0`), 'Invalid hash: expected a 40-character SHA-1 hex hash.'],
    ['readFile ref ""', () => repo.readFile({ ref: '', path: 'README.md' }), 'Invalid ref: ref required.'],
    ['readFile path ""', () => repo.readFile({ ref: 'main', path: '' }), 'Invalid path: path required.'],
    ['readFile()', () => repo.readFile(), 'Invalid ref: ref required.'],
    ['readFile("x")', () => repo.readFile('main:README.md')],
    ['log limit 0', () => repo.log({ limit: 0 })],
    ['log limit -1', () => repo.log({ limit: -1 })],
    ['log limit 1.5', () => repo.log({ limit: 1.5 })],
    ['log limit NaN', () => repo.log({ limit: NaN })],
    ['log limit "5"', () => repo.log({ limit: '5' })],
    ['log offset -1', () => repo.log({ offset: -1 })],
    ['log ref 5', () => repo.log({ ref: 5 })],
  ];
  for (const [label, call, message] of cases) {
    await assertRejectsUnchanged(s.storage, call, 'INVALID_INPUT', 10100, label);
    if (message) await assert.rejects(call(), { message }, label);
  }
});

test('readTree and readCommit of another object type are INTERNAL_ERROR (10400) "A stored git object is corrupt."', async () => {
  const tree = (await out(['rev-parse', 'main^{tree}'])).trim();
  await assertRejectsUnchanged(s.storage, () => repo.readTree(ids.c1), 'INTERNAL_ERROR', 10400, 'readTree(commit)');
  await assertRejectsUnchanged(s.storage, () => repo.readCommit(tree), 'INTERNAL_ERROR', 10400, 'readCommit(tree)');
  await assert.rejects(repo.readTree(ids.c1), { message: 'A stored git object is corrupt.' });
});

test('a handle of a deleted repo is NOT_FOUND (10200); a disposed handle rejects', async () => {
  await s.artifacts.create('doomed');
  const doomed = await s.artifacts.get('doomed');
  assert.deepEqual(await doomed.log(), [], 'an empty repo has no history');
  assert.equal(await doomed.readFile({ ref: 'HEAD', path: 'README.md' }), null);
  assert.equal(await s.artifacts.delete('doomed'), true);
  for (const [label, call] of [
    ['readBlob', () => doomed.readBlob(ids.c1)],
    ['readTree', () => doomed.readTree(ids.c1)],
    ['readCommit', () => doomed.readCommit(ids.c1)],
    ['readFile', () => doomed.readFile({ ref: 'main', path: 'README.md' })],
    ['log', () => doomed.log()],
  ]) {
    await assertRejectsUnchanged(s.storage, call, 'NOT_FOUND', 10200, label);
  }
  // Input is checked before the handle.
  await assertRejectsUnchanged(s.storage, () => doomed.readBlob('nope'), 'INVALID_INPUT', 10100, 'bad hash first');

  const disposable = await s.artifacts.get('content');
  disposable[Symbol.dispose]();
  await assert.rejects(disposable.readBlob(ids.c1), /after dispose/);
  await assert.rejects(disposable.readFile({ ref: 'main', path: 'README.md' }), /after dispose/);
  await assert.rejects(disposable.log(), /after dispose/);
});

test('errors are ArtifactsError instances', async () => {
  await assert.rejects(repo.readCommit('x'), (e) => e instanceof ArtifactsError && e.code === 'INVALID_INPUT');
});

test('a multi-megabyte file crosses the binding intact (chunked storage, delta-free bytes)', async () => {
  const big = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  await git(['checkout', '-q', '-b', 'big', 'main']);
  put('data/big.bin', big);
  const head = await commit('a big file\n');
  await git(['push', '-q', 'origin', 'big']);
  await git(['checkout', '-q', 'main']);
  const file = await repo.readFile({ ref: 'big', path: 'data/big.bin' });
  assert.equal(file.size, big.length);
  assert.ok((await bytesOf(file)).equals(big));
  const blob = await repo.readBlob((await out(['rev-parse', `${head}:data/big.bin`])).trim());
  assert.ok((await bytesOf(blob)).equals(big));
  assert.equal(blob.type, '');
});
