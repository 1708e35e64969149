// repo.commit() (our extension): files written without a git client, through
// the wasm binding, with the real git CLI as the oracle. Every commit is
// cloned or fetched over the git server and passes `git fsck --strict`, and
// git makes the very same commit (same sha) from the same files, modes,
// identities, dates and message. A push that moves the branch between reading
// its head and committing makes the commit fail with ALREADY_EXISTS; read-only
// repos and bad paths are refused with the field's pointer; a refused call
// changes nothing in storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MemoryStorage, ArtifactsError } from 'open-artifacts';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { assertRejectsUnchanged, manualHost } from './helpers.mjs';

const h = sharedHarness(); // git's isolated environment and temp dirs
let hh;
let s; // the in-process server over MemoryStorage
let storage;
const host = manualHost();

before(async () => {
  hh = await h();
  storage = new MemoryStorage();
  s = await startInProcessServer({ storage, host });
});
after(() => s?.close());

const ZOE = { name: 'Zoë 佐藤', email: 'zoë@例え.jp', date: 1700000500, timezoneOffset: -210 };
const ALICE = { name: 'Alice Example', email: 'alice@example.com', date: 1700000000, timezoneOffset: 60 };

// git's environment for an identity of commit().
function identityEnv(role, who) {
  const m = Math.abs(who.timezoneOffset ?? 0);
  const zone = `${(who.timezoneOffset ?? 0) < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
  return { [`GIT_${role}_NAME`]: who.name, [`GIT_${role}_EMAIL`]: who.email, [`GIT_${role}_DATE`]: `@${who.date} ${zone}` };
}

// Applies commit()'s `files` to work tree `dir` and commits them with git
// (`-m`: a final newline added when missing, as commit() does); the new HEAD.
async function gitCommitLike(dir, { files, message, author, committer = author }) {
  for (const f of files) {
    const file = join(dir, f.path);
    if (f.delete) {
      rmSync(file);
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    const bytes = typeof f.content === 'string' ? Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8') : f.content;
    writeFileSync(file, bytes);
    if (f.executable !== undefined) chmodSync(file, f.executable ? 0o755 : 0o644);
  }
  const env = { ...identityEnv('AUTHOR', author), ...identityEnv('COMMITTER', committer) };
  await hh.git(['add', '-A'], { cwd: dir });
  await hh.git(['commit', '-q', '--cleanup=verbatim', '-m', message], { cwd: dir, env });
  return hh.head(dir);
}

async function newRepo(name, opts) {
  const created = await s.artifacts.create(name, opts);
  return { ...created, repo: await s.artifacts.get(name) };
}

test('commits clone, pass fsck --strict and are the commits git makes from the same change', async () => {
  const { repo, remote, token } = await newRepo('oracle');
  // 1. The first commit of an empty repo: a root commit on its default branch.
  const first = {
    message: 'first: ünïcode ✓\n\nwith a body',
    author: ZOE,
    committer: ALICE,
    files: [
      { path: 'README.md', content: '# hello\n' },
      { path: 'src/main.c', content: 'int main(void) { return 0; }\n' },
      { path: 'bin/run.sh', content: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'), encoding: 'base64', executable: true },
      { path: 'data/all-bytes.bin', content: Uint8Array.from({ length: 256 }, (_, i) => i) },
      { path: 'ünïcödé/文件 名.txt', content: 'unicode ✓\n' },
    ],
  };
  const r1 = await repo.commit(first);
  assert.equal(r1.ref, 'refs/heads/main');
  assert.equal(r1.branch, 'main');
  assert.equal(r1.previous, null);
  assert.deepEqual(r1.parents, []);

  const clone = hh.path('oracle-clone');
  await hh.git(['clone', '-q', remote, clone], { token });
  await hh.fsck(clone);
  assert.equal(await hh.head(clone), r1.commit);
  assert.equal(await hh.head(clone, 'HEAD^{tree}'), r1.tree);
  const modes = await hh.tree(clone);
  assert.match(modes, /^100755 blob \S+\tbin\/run\.sh$/m);
  assert.match(modes, /^100644 blob \S+\tdata\/all-bytes\.bin$/m);
  assert.ok(hh.readFile(clone, 'data/all-bytes.bin').equals(Buffer.from(first.files[3].content)));

  const fresh = hh.path('oracle-git');
  await hh.git(['init', '-q', '-b', 'main', fresh]);
  assert.equal(await gitCommitLike(fresh, first), r1.commit, 'git makes the same root commit');

  // 2. Changes on top: replace (keeping the executable bit), delete the last
  // file of a directory, make a file executable, add bytes of every kind.
  const second = {
    expectedHead: r1.commit,
    message: 'second\n',
    author: ALICE,
    files: [
      { path: 'bin/run.sh', content: '#!/bin/sh\necho changed\n' },
      { path: 'src/main.c', delete: true },
      { path: 'README.md', content: '# hello again\n', executable: true },
      { path: 'a/b/c/deep.bin', content: new DataView(new Uint8Array([1, 2, 3]).buffer) },
      { path: 'a/buffer.bin', content: Buffer.from([0, 255, 0]) },
      { path: 'a/arraybuffer.bin', content: new Uint16Array([0x4142, 0x4344]).buffer },
    ],
  };
  const r2 = await repo.commit(second);
  assert.equal(r2.previous, r1.commit);
  assert.deepEqual(r2.parents, [r1.commit]);
  await hh.git(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: clone, token });
  await hh.fsck(clone);
  assert.equal(await hh.head(clone), r2.commit);
  assert.match(await hh.tree(clone), /^100755 blob \S+\tbin\/run\.sh$/m, 'the executable bit is kept');
  assert.doesNotMatch(await hh.tree(clone), /\tsrc\//, 'the emptied directory is gone');
  assert.equal(
    await gitCommitLike(fresh, {
      ...second,
      files: second.files.map((f) =>
        f.content instanceof DataView || f.content instanceof ArrayBuffer
          ? { ...f, content: Buffer.from(f.content instanceof DataView ? f.content.buffer : f.content) }
          : f,
      ),
    }),
    r2.commit,
    'git makes the same second commit',
  );
  assert.equal((await repo.readCommit(r2.commit)).message, 'second', 'readCommit shows the message');
  assert.equal(await (await repo.readFile({ ref: 'main', path: 'a/b/c/deep.bin' })).text(), '\x01\x02\x03');
});

test('a push between reading the head and committing makes the commit fail with ALREADY_EXISTS, changing nothing', async () => {
  const { repo, remote, token } = await newRepo('raced');
  const r1 = await repo.commit({ message: 'base', files: [{ path: 'f.txt', content: 'one\n' }] });
  const [seen] = await repo.log({ ref: 'main', limit: 1 });
  assert.equal(seen.hash, r1.commit);

  // Someone pushes meanwhile.
  const clone = hh.path('raced-clone');
  await hh.git(['clone', '-q', remote, clone], { token });
  const pushed = await hh.commit(clone, { 'f.txt': 'pushed\n' }, 'pushed');
  await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: clone, token });

  await assertRejectsUnchanged(
    storage,
    () => repo.commit({ expectedHead: seen.hash, message: 'stale', files: [{ path: 'f.txt', content: 'mine\n' }] }),
    'ALREADY_EXISTS',
    10201,
  );
  const e = await repo.commit({ expectedHead: seen.hash, message: 'stale', files: [{ path: 'g', content: 'x' }] }).catch((x) => x);
  assert.equal(e.pointer, '/expectedHead');
  assert.equal(e.httpStatus, 409);
  assert.match(e.message, new RegExp(`refs/heads/main is at ${pushed}`));

  // Against the head as it is now, it lands on top of the push.
  const r2 = await repo.commit({ expectedHead: pushed, message: 'after', files: [{ path: 'f.txt', content: 'mine\n' }] });
  assert.deepEqual(r2.parents, [pushed]);
  await hh.git(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: clone, token });
  await hh.fsck(clone);
  assert.equal(await hh.head(clone), r2.commit);
  // A new branch must not exist yet when expectedHead is 40 zeros.
  const zeros = '0'.repeat(40);
  const branch = await repo.commit({ branch: 'topic', expectedHead: zeros, message: 'topic', files: [{ path: 't', content: 't' }] });
  assert.deepEqual(branch.parents, [r2.commit], 'a new branch starts where HEAD is');
  await assertRejectsUnchanged(
    storage,
    () => repo.commit({ branch: 'topic', expectedHead: zeros, message: 'again', files: [{ path: 't', content: 'u' }] }),
    'ALREADY_EXISTS',
  );
});

test('a read-only repo refuses commits as it refuses pushes, changing nothing', async () => {
  const { repo } = await newRepo('frozen', { readOnly: true });
  await assertRejectsUnchanged(storage, () => repo.commit({ message: 'm', files: [{ path: 'f', content: 'x' }] }), 'INVALID_INPUT');
  const e = await repo.commit({ message: 'm', files: [{ path: 'f', content: 'x' }] }).catch((x) => x);
  assert.equal(e.message, 'repository is read-only');
});

test('bad paths are refused with the pointer of their field, changing nothing', async () => {
  const { repo } = await newRepo('paths');
  await repo.commit({ message: 'base', files: [{ path: 'file.txt', content: 'x' }, { path: 'dir/inner.txt', content: 'y' }] });
  const cases = [
    ['', /path is empty/],
    ['..', /'\.' or '\.\.' segment/],
    ['a/../b', /'\.' or '\.\.' segment/],
    ['./a', /'\.' or '\.\.' segment/],
    ['.git/config', /'\.git' segment/],
    ['sub/.GIT/hooks/x', /'\.git' segment/],
    ['git~1/config', /'\.git' segment/],
    ['.git./x', /'\.git' segment/],
    ['a\0b', /NUL/],
    ['/abs', /leading '\/'/],
    ['dir/', /trailing '\/'/],
    ['a//b', /empty segment/],
    ['x'.repeat(4097), /longer than 4096/],
    ['file.txt/below', /'file\.txt' is a file/],
    ['dir', /'dir' is a directory/],
  ];
  for (const [path, message] of cases) {
    const call = () => repo.commit({ message: 'bad', files: [{ path: 'ok.txt', content: 'ok' }, { path, content: 'x' }] });
    await assertRejectsUnchanged(storage, call, 'INVALID_INPUT', 10100, JSON.stringify(path));
    const e = await call().catch((x) => x);
    assert.ok(e instanceof ArtifactsError);
    assert.equal(e.pointer, '/files/1/path', JSON.stringify(path));
    assert.match(e.message, message);
  }
  await assertRejectsUnchanged(storage, () => repo.commit({ message: 'm', files: [{ path: 'nope', delete: true }] }), 'INVALID_INPUT');
  await assertRejectsUnchanged(
    storage,
    () => repo.commit({ message: 'm', files: [{ path: 'file.txt', content: 'x' }] }),
    'INVALID_INPUT',
    10100,
    'nothing to commit',
  );
  await assertRejectsUnchanged(storage, () => repo.commit({ files: [{ path: 'f', content: 'x' }] }), 'INVALID_INPUT');
  await assertRejectsUnchanged(storage, () => repo.commit({ message: 'm', files: [{ path: 'f', content: 5 }] }), 'INVALID_INPUT');
  await assertRejectsUnchanged(storage, () => repo.commit(null), 'INVALID_INPUT');
});

test('a commit moves lastPushAt and updatedAt as a push does', async () => {
  const { repo } = await newRepo('stamped');
  assert.equal((await repo.info()).lastPushAt, null);
  host.advance(60_000);
  await repo.commit({ message: 'm', files: [{ path: 'f', content: 'x' }] });
  const info = await repo.info();
  assert.equal(info.lastPushAt, new Date(host.now()).toISOString());
  assert.equal(info.updatedAt, info.lastPushAt);
});

test('a deleted repo answers NOT_FOUND', async () => {
  const { repo } = await newRepo('gone');
  await s.artifacts.delete('gone');
  await assertRejectsUnchanged(storage, () => repo.commit({ message: 'm', files: [{ path: 'f', content: 'x' }] }), 'NOT_FOUND');
});

test('contents: text as UTF-8, base64 text and bytes are the same blob; mismatched encodings are refused', async () => {
  const { repo } = await newRepo('transport');
  const text = 'same ✓ 佐藤\n';
  const r = await repo.commit({
    message: 'm',
    files: [
      { path: 'text.txt', content: text },
      { path: 'explicit.txt', content: text, encoding: 'utf-8' },
      { path: 'base64.txt', content: Buffer.from(text).toString('base64'), encoding: 'base64' },
      { path: 'bytes.txt', content: new TextEncoder().encode(text) },
    ],
  });
  const ids = new Set((await repo.readTree(r.tree)).map((e) => e.hash));
  assert.equal(ids.size, 1, 'one blob for all four');
  assert.equal(await (await repo.readFile({ ref: 'main', path: 'explicit.txt' })).text(), text);

  const refused = [
    [{ path: 'f', content: 'bad \ud800 surrogate' }, undefined],
    [{ path: 'f', content: new Uint8Array([1]), encoding: 'base64' }, '/files/0/encoding'],
    [{ path: 'f', content: 'x', encoding: 'latin1' }, '/files/0/encoding'],
    [{ path: 'f', content: '%%%', encoding: 'base64' }, '/files/0/content'],
    [{ path: 'f', content: 'x', delete: true }, '/files/0/content'],
    [{ path: 'f', content: { bytes: [1] } }, '/files/0/content'],
  ];
  for (const [file, pointer] of refused) {
    await assertRejectsUnchanged(storage, () => repo.commit({ message: 'm', files: [file] }), 'INVALID_INPUT', 10100, JSON.stringify(file));
    if (pointer) assert.equal((await repo.commit({ message: 'm', files: [file] }).catch((e) => e)).pointer, pointer);
  }
});
