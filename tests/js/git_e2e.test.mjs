// End-to-end flows with the real git CLI against the core's smart-HTTP server
// (js/src/server.js over SQLite): clone, push, tags, notes, force/delete,
// races, atomic pushes, push options, shallow and partial clones, incremental
// and gzip-negotiated fetches, binary and large payloads, chunked uploads, and
// the repo's push timestamps. Every protocol-sensitive flow runs with
// protocol.version 0, 1 and 2; every clone passes `git fsck --strict` and is
// compared with its source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, statSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fastImportBuilder, fastImportRepo, gitWithInput, sharedHarness } from './git-harness.mjs';


// One server for the whole file; each test makes its own repos.
const h = sharedHarness();

const PROTOCOLS = [0, 1, 2];
const DAY = 86400;
const T0 = 1577880000; // 2020-01-01T12:00:00Z: commit i of the fixture is dated T0 + (i - 1) days

// ---------------------------------------------------------------- fixture
// A bare repo built with git fast-import (fast and deterministic):
//   main:    c1..c6, one a day from 2020-01-01 (text, a 4000-byte text file that
//            changes every commit, binary data, a deletion, a nested dir)
//   feature: f1, f2 on top of c3
//   tags:    v1 (lightweight, at c2), v2 (annotated, at c4)
function bytesPattern(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return b;
}
function bigText(seed) {
  let s = '';
  for (let i = 0; s.length < 4000; i++) s += `line ${i} of version ${seed}: ${'x'.repeat(i % 40)}\n`;
  return s.slice(0, 4000);
}

function fastImportStream() {
  const stream = fastImportBuilder();
  const commit = (ref, mark, day, message, from, files) => {
    const when = `${T0 + (day - 1) * DAY} +0000`;
    stream.commit(ref, mark, { from, message, files, author: `A U Thor <author@example.test> ${when}`, committer: `C O Mitter <committer@example.test> ${when}` });
  };
  commit('refs/heads/main', 1, 1, 'c1\n', null, {
    'README.md': '# fixture\n',
    'src/a.txt': 'a1\n',
    'big.txt': bigText(1),
    'small.txt': 'small\n',
    'bin/data.bin': bytesPattern(1000, 1),
  });
  commit('refs/heads/main', 2, 2, 'c2\n', 1, { 'src/a.txt': 'a2\n', 'big.txt': bigText(2) });
  commit('refs/heads/main', 3, 3, 'c3\n', 2, { 'src/a.txt': 'a3\n', 'big.txt': bigText(3), 'bin/data.bin': bytesPattern(3000, 3) });
  commit('refs/heads/main', 4, 4, 'c4\n', 3, { 'src/a.txt': 'a4\n', 'big.txt': bigText(4) });
  commit('refs/heads/main', 5, 5, 'c5\n', 4, { 'src/a.txt': 'a5\n', 'big.txt': bigText(5), 'small.txt': null });
  commit('refs/heads/main', 6, 6, 'c6\n', 5, { 'src/a.txt': 'a6\n', 'big.txt': bigText(6), 'dir/sub/deep.txt': 'deep\n' });
  commit('refs/heads/feature', 11, 32, 'f1\n', 3, { 'feature.txt': 'f1\n' });
  commit('refs/heads/feature', 12, 33, 'f2\n', 11, { 'feature.txt': 'f2\n', 'big.txt': bigText(12) });
  stream.put('reset refs/tags/v1\nfrom :2\n\n');
  stream.put(`tag v2\nfrom :4\ntagger T Agger <tagger@example.test> ${T0 + 10 * DAY} +0000\n`);
  stream.data('release v2\n');
  return stream.bytes();
}

let fixturePromise;
function fixture() {
  fixturePromise ??= (async () => {
    const hh = await h();
    const dir = hh.path('fixture.git');
    await fastImportRepo(hh, dir, fastImportStream());
    const rev = async (ref) => hh.head(dir, ref);
    const commits = {};
    for (let i = 1; i <= 6; i++) commits[`c${i}`] = await rev(`main~${6 - i}`);
    commits.f1 = await rev('feature~1');
    commits.f2 = await rev('feature');
    return { dir, commits, refs: await showRef(hh, dir) };
  })();
  return fixturePromise;
}

// --------------------------------------------------------------- helpers
// `git show-ref -d` (refs plus peeled ^{} lines) as a Map.
async function showRef(hh, dir) {
  const r = await hh.run(['show-ref', '-d'], { cwd: dir });
  return parseRefLines(r.stdout, ' ');
}
function parseRefLines(text, sep) {
  const map = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const i = line.indexOf(sep);
    map.set(line.slice(i + 1), line.slice(0, i));
  }
  return map;
}
const sorted = (map) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

// ls-remote of a served repo, as a Map (HEAD included).
async function lsRemote(hh, name, token, protocol = 2) {
  const r = await hh.git(['ls-remote', hh.remote(name)], { token, protocol });
  return parseRefLines(r.stdout, '\t');
}

// The remote refs a clone recorded, renamed to the server's names (refs/heads/*, refs/tags/*, peeled lines).
async function cloneRefs(hh, dir) {
  const out = new Map();
  for (const [ref, id] of await showRef(hh, dir)) {
    if (ref === 'refs/remotes/origin/HEAD') continue;
    if (ref.startsWith('refs/remotes/origin/')) out.set(`refs/heads/${ref.slice('refs/remotes/origin/'.length)}`, id);
    else if (ref.startsWith('refs/tags/')) out.set(ref, id);
  }
  return out;
}

// A server repo holding the fixture's branches and tags, pushed with the CLI.
async function seededRepo(name, protocol = 2) {
  const hh = await h();
  const fx = await fixture();
  const { token } = await hh.createRepo(name);
  await hh.git(['push', hh.remote(name), 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: fx.dir, token, protocol });
  return { token, fx };
}

// One seeded repo shared by the tests that only read (clones of every kind).
let sharedPromise;
function sharedRepo() {
  sharedPromise ??= seededRepo('shared').then((r) => ({ name: 'shared', ...r }));
  return sharedPromise;
}

async function clone(hh, name, dir, { token, protocol, args = [] }) {
  const r = await hh.git(['clone', ...args, hh.remote(name), dir], { token, protocol });
  return r;
}

async function revCount(hh, dir, ref = 'HEAD') {
  return Number((await hh.git(['rev-list', '--count', ref], { cwd: dir })).stdout.trim());
}

// `git rev-list --objects --all --missing=print` split into present ids and missing ids.
async function objectsAndMissing(hh, dir) {
  const r = await hh.git(['rev-list', '--objects', '--all', '--missing=print'], { cwd: dir });
  const present = new Set();
  const missing = new Set();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    if (line.startsWith('?')) missing.add(line.slice(1, 41));
    else present.add(line.slice(0, 40));
  }
  return { present, missing };
}

// Every object of the fixture with its type and size.
async function fixtureObjects(hh, dir) {
  const r = await hh.git(['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { cwd: dir });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, type, size] = l.split(' ');
      return { id, type, size: Number(size) };
    });
}

// Blob ids of `rev`'s tree (recursive).
async function treeBlobs(hh, dir, rev) {
  const r = await hh.git(['ls-tree', '-r', rev], { cwd: dir });
  return new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[2]));
}

async function repoInfo(hh, name) {
  const { status, body } = await hh.api('GET', `/repos/${name}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body.result;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A clone holds what its refs reach and nothing more: a clone list a push
// left (pushed_clone_list.h) must not send unreachable objects.
async function assertOnlyReachableObjects(hh, dir) {
  const reachable = (await hh.git(['rev-list', '--objects', '--all'], { cwd: dir })).stdout.split('\n').filter(Boolean).length;
  const counts = (await hh.git(['count-objects', '-v'], { cwd: dir })).stdout;
  const stored = Number(/^in-pack: (\d+)$/m.exec(counts)[1]) + Number(/^count: (\d+)$/m.exec(counts)[1]);
  assert.equal(stored, reachable, `the clone holds only what its refs reach:\n${counts}`);
}

// Many unrelated local commits on refs/heads/<branch> on top of `from` (fast-import, one process).
async function manyLocalCommits(hh, dir, branch, from, count) {
  const parts = [];
  for (let i = 0; i < count; i++) {
    const when = `${T0 + 400 * DAY + i * 60} +0000`;
    const msg = `local ${i}\n`;
    const body = `local file ${i}\n`;
    parts.push(
      `commit refs/heads/${branch}\ncommitter L O Cal <local@example.test> ${when}\ndata ${msg.length}\n${msg}` +
        (i === 0 ? `from ${from}\n` : '') +
        `M 100644 inline local/${i}.txt\ndata ${body.length}\n${body}\n`,
    );
  }
  const r = await gitWithInput(hh, ['fast-import', '--quiet'], parts.join(''), { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
}

// ------------------------------------------------------------------ tests
for (const protocol of PROTOCOLS) {
  const v = `v${protocol}`;

  test(`${v}: clone an empty repo, then push to it`, async () => {
    const hh = await h();
    const name = `empty-${v}`;
    const { token } = await hh.createRepo(name);
    const dir = hh.path(name);
    const r = await clone(hh, name, dir, { token, protocol });
    assert.match(r.stderr, /empty repository/);
    await hh.fsck(dir);
    assert.notEqual((await hh.run(['rev-parse', '--verify', '-q', 'HEAD'], { cwd: dir })).code, 0, 'no commit yet');
    assert.equal((await hh.git(['ls-remote', hh.remote(name)], { token, protocol })).stdout, '', 'no refs');
    const id = await hh.commit(dir, { 'a.txt': 'a\n' }, 'first');
    await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: dir });
    const refs = await lsRemote(hh, name, token, protocol);
    assert.deepEqual(sorted(refs), [['HEAD', id], ['refs/heads/main', id]]);
  });

  test(`${v}: push branches, lightweight and annotated tags; ls-remote peels; clones equal the source`, async () => {
    const hh = await h();
    const name = `tags-${v}`;
    const { token, fx } = await seededRepo(name, protocol);
    const refs = await lsRemote(hh, name, token, protocol);
    assert.equal(refs.get('HEAD'), fx.commits.c6, 'HEAD follows main');
    refs.delete('HEAD');
    assert.deepEqual(sorted(refs), sorted(fx.refs), 'ls-remote equals the source, peeled lines included');
    assert.equal(refs.get('refs/tags/v2^{}'), fx.commits.c4, 'the annotated tag is peeled to its commit');
    assert.notEqual(refs.get('refs/tags/v2'), fx.commits.c4, 'the annotated tag ref names the tag object');
    assert.equal(refs.get('refs/tags/v1'), fx.commits.c2);
    assert.equal(refs.has('refs/tags/v1^{}'), false, 'a lightweight tag has no peeled line');

    const dir = hh.path(name);
    await clone(hh, name, dir, { token, protocol });
    await hh.fsck(dir);
    assert.deepEqual(sorted(await cloneRefs(hh, dir)), sorted(fx.refs), 'the clone has every branch and tag');
    assert.equal(await hh.tree(dir), await hh.tree(fx.dir, 'main'));
    assert.equal(await hh.tree(dir, 'origin/feature'), await hh.tree(fx.dir, 'feature'));
    assert.equal((await hh.git(['cat-file', '-t', 'v2'], { cwd: dir })).stdout.trim(), 'tag');
    assert.ok(hh.readFile(dir, 'bin/data.bin').equals(bytesPattern(3000, 3)));

    // A new branch and a new annotated tag pushed from the clone.
    await hh.git(['checkout', '-q', '-b', 'topic'], { cwd: dir });
    const topic = await hh.commit(dir, { 'topic.txt': 'topic\n' }, 'topic');
    await hh.git(['tag', '-a', '-m', 'v3 notes', 'v3'], { cwd: dir });
    await hh.git(['push', 'origin', 'topic', 'v3'], { token, protocol, cwd: dir });
    const after = await lsRemote(hh, name, token, protocol);
    assert.equal(after.get('refs/heads/topic'), topic);
    assert.equal(after.get('refs/tags/v3^{}'), topic);
    assert.equal(after.get('refs/tags/v3'), await hh.head(dir, 'refs/tags/v3'));
    assert.equal(after.get('refs/heads/main'), fx.commits.c6, 'other refs unchanged');

    // The first clone after each push: exactly what the refs reach.
    const again = hh.path(`${name}-again`);
    await clone(hh, name, again, { token, protocol });
    await hh.fsck(again);
    await assertOnlyReachableObjects(hh, again);
    await assertOnlyReachableObjects(hh, dir);
    assert.equal(await hh.head(again, 'refs/remotes/origin/topic'), topic);
    assert.equal(await hh.head(again, 'refs/tags/v3'), after.get('refs/tags/v3'));
  });

  test(`${v}: refs/notes push and fetch by refspec`, async () => {
    const hh = await h();
    const name = `notes-${v}`;
    const { token, fx } = await seededRepo(name, protocol);
    const a = hh.path(`${name}-a`);
    await clone(hh, name, a, { token, protocol });
    await hh.git(['notes', 'add', '-m', 'a note on c6', 'HEAD'], { cwd: a });
    await hh.git(['notes', 'add', '-m', 'a note on c2', fx.commits.c2], { cwd: a });
    await hh.git(['push', 'origin', 'refs/notes/*:refs/notes/*'], { token, protocol, cwd: a });
    const notesRef = await hh.head(a, 'refs/notes/commits');
    assert.equal((await lsRemote(hh, name, token, protocol)).get('refs/notes/commits'), notesRef);

    const b = hh.path(`${name}-b`);
    await clone(hh, name, b, { token, protocol });
    assert.notEqual((await hh.run(['rev-parse', '--verify', '-q', 'refs/notes/commits'], { cwd: b })).code, 0, 'a plain clone has no notes');
    await hh.git(['fetch', 'origin', 'refs/notes/*:refs/notes/*'], { token, protocol, cwd: b });
    assert.equal(await hh.head(b, 'refs/notes/commits'), notesRef);
    assert.equal((await hh.git(['notes', 'show', 'HEAD'], { cwd: b })).stdout, 'a note on c6\n');
    assert.equal((await hh.git(['notes', 'show', fx.commits.c2], { cwd: b })).stdout, 'a note on c2\n');
    await hh.fsck(b);
  });

  test(`${v}: force push (non-fast-forward) is accepted; branches and tags are deleted with push :ref`, async () => {
    const hh = await h();
    const name = `force-${v}`;
    const { token, fx } = await seededRepo(name, protocol);
    const a = hh.path(`${name}-a`);
    await clone(hh, name, a, { token, protocol });
    await hh.git(['reset', '-q', '--hard', 'HEAD~2'], { cwd: a });
    const rewritten = await hh.commit(a, { 'rewritten.txt': 'history rewritten\n' }, 'rewrite');
    const plain = await hh.run(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: a });
    assert.notEqual(plain.code, 0, 'a non-fast-forward push without --force is refused by the client');
    await hh.git(['push', '--force', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: a });
    let refs = await lsRemote(hh, name, token, protocol);
    assert.equal(refs.get('refs/heads/main'), rewritten, 'the forced update landed');

    await hh.git(['push', 'origin', ':feature', ':refs/tags/v1'], { token, protocol, cwd: a });
    refs = await lsRemote(hh, name, token, protocol);
    assert.equal(refs.has('refs/heads/feature'), false, 'the branch is gone');
    assert.equal(refs.has('refs/tags/v1'), false, 'the tag is gone');
    assert.equal(refs.get('refs/tags/v2'), fx.refs.get('refs/tags/v2'), 'other refs unchanged');

    const b = hh.path(`${name}-b`);
    await clone(hh, name, b, { token, protocol });
    await hh.fsck(b);
    await assertOnlyReachableObjects(hh, b);
    assert.equal(await hh.head(b), rewritten);
    assert.equal(await hh.tree(b), await hh.tree(a));
    assert.equal((await hh.run(['rev-parse', '--verify', '-q', 'origin/feature'], { cwd: b })).code, 1);
  });

  test(`${v}: of two clones racing to push main, the second is rejected and the repo keeps the first`, async () => {
    const hh = await h();
    const name = `race-${v}`;
    await seededRepo(name, protocol);
    const token = await hh.createToken(name);
    const a = hh.path(`${name}-a`);
    const b = hh.path(`${name}-b`);
    await clone(hh, name, a, { token, protocol });
    await clone(hh, name, b, { token, protocol });
    const winner = await hh.commit(a, { 'a.txt': 'from a\n' }, 'a wins');
    await hh.commit(b, { 'b.txt': 'from b\n' }, 'b loses');
    await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: a });
    const lost = await hh.run(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: b });
    assert.notEqual(lost.code, 0, 'the stale push fails');
    assert.match(lost.stderr, /fetch first|stale|rejected/, lost.stderr);
    assert.equal((await lsRemote(hh, name, token, protocol)).get('refs/heads/main'), winner, 'the first push is kept');
    // The loser catches up and lands on top.
    await hh.git(['pull', '-q', '--rebase', 'origin', 'main'], { token, protocol, cwd: b });
    assert.equal(await hh.head(b, 'HEAD~1'), winner);
    await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: b });
    assert.equal((await lsRemote(hh, name, token, protocol)).get('refs/heads/main'), await hh.head(b));
    await hh.fsck(b);
  });

  test(`${v}: push --atomic with one failing ref updates nothing`, async () => {
    const hh = await h();
    const name = `atomic-${v}`;
    const { token } = await seededRepo(name, protocol);
    const before = await lsRemote(hh, name, token, protocol);
    const a = hh.path(name);
    await clone(hh, name, a, { token, protocol });
    const next = await hh.commit(a, { 'atomic.txt': 'x\n' }, 'atomic');
    const tree = await hh.head(a, 'HEAD^{tree}');
    // The server refuses a branch pointing at a tree; the client does not check that.
    const r = await hh.run(['push', '--atomic', '--porcelain', 'origin', 'HEAD:refs/heads/main', 'HEAD:refs/heads/new-branch', `${tree}:refs/heads/bad`], { token, protocol, cwd: a });
    assert.notEqual(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^!\tHEAD:refs\/heads\/main\t\[remote rejected\] \(atomic/m, r.stdout);
    assert.match(r.stdout, /^!\t[0-9a-f]{40}:refs\/heads\/bad\t\[remote rejected\]/m, r.stdout);
    assert.deepEqual(sorted(await lsRemote(hh, name, token, protocol)), sorted(before), 'nothing changed');

    // Without --atomic the good refs land and only the bad one is refused.
    const r2 = await hh.run(['push', '--porcelain', 'origin', 'HEAD:refs/heads/main', `${tree}:refs/heads/bad`], { token, protocol, cwd: a });
    assert.notEqual(r2.code, 0);
    assert.match(r2.stdout, /^ \tHEAD:refs\/heads\/main\t/m, r2.stdout);
    assert.match(r2.stdout, /^!\t[0-9a-f]{40}:refs\/heads\/bad\t\[remote rejected\]/m, r2.stdout);
    const refs = await lsRemote(hh, name, token, protocol);
    assert.equal(refs.get('refs/heads/main'), next);
    assert.equal(refs.has('refs/heads/bad'), false);
  });

  test(`${v}: push -o <option> succeeds`, async () => {
    const hh = await h();
    const name = `options-${v}`;
    const { token } = await hh.createRepo(name);
    const a = hh.path(name);
    await clone(hh, name, a, { token, protocol });
    const next = await hh.commit(a, { 'opt.txt': 'o\n' }, 'with options');
    await hh.git(['push', '-o', 'ci.skip', '-o', 'reviewer=someone@example.test', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: a });
    assert.equal((await lsRemote(hh, name, token, protocol)).get('refs/heads/main'), next);
  });

  test(`${v}: --depth 1 clone, fetch --deepen=2, fetch --unshallow equals a full clone`, async () => {
    const hh = await h();
    const { name, token, fx } = await sharedRepo();
    const tag = `shallow-${v}`;
    const s = hh.path(`${tag}-s`);
    await clone(hh, name, s, { token, protocol, args: ['--depth', '1', '--no-single-branch', '--no-tags'] });
    await hh.fsck(s);
    assert.equal(await revCount(hh, s), 1);
    assert.equal(await hh.head(s), fx.commits.c6);
    assert.equal(await hh.tree(s), await hh.tree(fx.dir, 'main'));
    const shallowFile = () => readFileSync(join(s, '.git', 'shallow'), 'utf8').split('\n').filter(Boolean).sort();
    assert.deepEqual(shallowFile(), [fx.commits.c6, fx.commits.f2].sort());

    await hh.git(['fetch', '-q', '--deepen=2'], { token, protocol, cwd: s });
    assert.equal(await revCount(hh, s, 'origin/main'), 3, 'main: c4..c6');
    assert.equal(await revCount(hh, s, 'origin/feature'), 3, 'feature: c3, f1, f2');
    await hh.fsck(s);

    await hh.git(['fetch', '-q', '--unshallow'], { token, protocol, cwd: s });
    assert.equal(statSync(join(s, '.git', 'shallow'), { throwIfNoEntry: false }), undefined, 'no longer shallow');
    assert.equal(await revCount(hh, s, 'origin/main'), 6);
    await hh.fsck(s);

    const full = hh.path(`${tag}-full`);
    await clone(hh, name, full, { token, protocol });
    const objects = async (dir) => (await hh.git(['rev-list', '--objects', '--remotes'], { cwd: dir })).stdout.split('\n').sort().join('\n');
    assert.equal(await objects(s), await objects(full), 'the unshallowed clone has exactly the objects of a full clone');
    const heads = async (dir) => sorted(await cloneRefs(hh, dir)).filter(([ref]) => ref.startsWith('refs/heads/'));
    assert.deepEqual(await heads(s), await heads(full));
  });

  test(`${v}: --shallow-since and --shallow-exclude`, async () => {
    const hh = await h();
    const { name, token, fx } = await sharedRepo();
    const tag = `since-${v}`;
    const since = hh.path(`${tag}-since`);
    await clone(hh, name, since, { token, protocol, args: ['--shallow-since=2020-01-04T00:00:00Z'] });
    await hh.fsck(since);
    assert.equal(await revCount(hh, since), 3, 'c4, c5, c6');
    assert.equal(await hh.head(since, 'HEAD~2'), fx.commits.c4);
    assert.deepEqual(readFileSync(join(since, '.git', 'shallow'), 'utf8').trim(), fx.commits.c4);
    assert.equal(await hh.tree(since), await hh.tree(fx.dir, 'main'));

    const exclude = hh.path(`${tag}-exclude`);
    await clone(hh, name, exclude, { token, protocol, args: ['--shallow-exclude=v1'] });
    await hh.fsck(exclude);
    assert.equal(await revCount(hh, exclude), 4, 'c3..c6: everything not reachable from v1 (c2)');
    assert.deepEqual(readFileSync(join(exclude, '.git', 'shallow'), 'utf8').trim(), fx.commits.c3);
    assert.equal(await hh.tree(exclude), await hh.tree(fx.dir, 'main'));
  });

  test(`${v}: --filter=blob:none clone lacks old blobs until a checkout fetches them`, async () => {
    const hh = await h();
    const { name, token, fx } = await sharedRepo();
    const tag = `blobnone-${v}`;
    const dir = hh.path(tag);
    await clone(hh, name, dir, { token, protocol, args: ['--filter=blob:none'] });
    await hh.fsck(dir);
    const all = await fixtureObjects(hh, fx.dir);
    const allBlobs = new Set(all.filter((o) => o.type === 'blob').map((o) => o.id));
    const headBlobs = await treeBlobs(hh, fx.dir, 'main');
    const { present, missing } = await objectsAndMissing(hh, dir);
    assert.deepEqual([...missing].sort(), [...allBlobs].filter((id) => !headBlobs.has(id)).sort(), 'exactly the blobs outside HEAD are missing');
    for (const o of all) if (o.type !== 'blob') assert.ok(present.has(o.id) || o.type === 'tag', `${o.type} ${o.id} present`);
    assert.equal(await hh.tree(dir), await hh.tree(fx.dir, 'main'));

    await hh.git(['checkout', '-q', fx.commits.c1], { token, protocol, cwd: dir });
    assert.equal(hh.readFile(dir, 'small.txt').toString(), 'small\n', 'a blob only c1 has was fetched lazily');
    assert.ok(hh.readFile(dir, 'bin/data.bin').equals(bytesPattern(1000, 1)));
    assert.equal(hh.readFile(dir, 'big.txt').toString(), bigText(1));
    const later = await objectsAndMissing(hh, dir);
    for (const id of await treeBlobs(hh, fx.dir, fx.commits.c1)) assert.ok(!later.missing.has(id), `blob ${id} of c1 is present now`);
    assert.equal(later.missing.size, missing.size - [...(await treeBlobs(hh, fx.dir, fx.commits.c1))].filter((id) => missing.has(id)).length);
    await hh.fsck(dir);
  });

  test(`${v}: --filter=tree:0 and --filter=blob:limit=1k`, async () => {
    const hh = await h();
    const { name, token, fx } = await sharedRepo();
    const tag = `filters-${v}`;
    const all = await fixtureObjects(hh, fx.dir);

    const t0 = hh.path(`${tag}-tree0`);
    await clone(hh, name, t0, { token, protocol, args: ['--filter=tree:0', '--no-checkout'] });
    await hh.fsck(t0);
    const rootTrees = new Set((await hh.git(['log', '--all', '--format=%T'], { cwd: fx.dir })).stdout.split('\n').filter(Boolean));
    const t0objects = await objectsAndMissing(hh, t0);
    assert.deepEqual([...t0objects.missing].sort(), [...rootTrees].sort(), 'every root tree is missing');
    for (const o of all) {
      if (o.type === 'commit') assert.ok(t0objects.present.has(o.id), `commit ${o.id} present`);
      if (o.type === 'blob' || o.type === 'tree') assert.ok(!t0objects.present.has(o.id), `${o.type} ${o.id} not fetched`);
    }
    await hh.git(['checkout', '-q', fx.commits.c3], { token, protocol, cwd: t0 });
    assert.equal(await hh.tree(t0), await hh.tree(fx.dir, fx.commits.c3));
    assert.ok(hh.readFile(t0, 'bin/data.bin').equals(bytesPattern(3000, 3)));
    await hh.fsck(t0);

    const lim = hh.path(`${tag}-limit`);
    await clone(hh, name, lim, { token, protocol, args: ['--filter=blob:limit=1k', '--no-checkout'] });
    await hh.fsck(lim);
    const large = all.filter((o) => o.type === 'blob' && o.size >= 1024).map((o) => o.id);
    const small = all.filter((o) => o.type === 'blob' && o.size < 1024).map((o) => o.id);
    assert.ok(large.length >= 8 && small.length >= 8, 'the fixture has blobs on both sides of the limit');
    const limObjects = await objectsAndMissing(hh, lim);
    assert.deepEqual([...limObjects.missing].sort(), large.sort(), 'exactly the blobs of 1 KiB or more are missing');
    for (const id of small) assert.ok(limObjects.present.has(id), `small blob ${id} present`);
    await hh.git(['reset', '-q', '--hard'], { token, protocol, cwd: lim });
    assert.equal(hh.readFile(lim, 'big.txt').toString(), bigText(6));
    assert.equal(await hh.tree(lim), await hh.tree(fx.dir, 'main'));
    await hh.fsck(lim);
  });

  test(`${v}: incremental fetch of 3 commits pushed from another clone`, async () => {
    const hh = await h();
    const name = `incr-${v}`;
    const { token, fx } = await seededRepo(name, protocol);
    const a = hh.path(`${name}-a`);
    const b = hh.path(`${name}-b`);
    await clone(hh, name, a, { token, protocol });
    await clone(hh, name, b, { token, protocol });
    for (let i = 1; i <= 3; i++) await hh.commit(b, { [`inc/${i}.txt`]: `${i}\n`, 'src/a.txt': `incremental ${i}\n` }, `inc ${i}`);
    const tip = await hh.head(b);
    await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: b });
    const packFile = hh.path(`${name}-received.pack`);
    const r = await hh.git(['fetch', 'origin'], { token, protocol, cwd: a, env: { GIT_TRACE_PACKET: '1', GIT_TRACE_PACKFILE: packFile } });
    assert.equal(await hh.head(a, 'origin/main'), tip);
    assert.match(r.stderr, new RegExp(`have ${fx.commits.c6}`), 'the client negotiated with what it had');
    // Only the new commits' objects travel: per commit, the commit, its root, src/ and inc/ trees, 2 blobs.
    const pack = readFileSync(packFile);
    assert.equal(pack.subarray(0, 4).toString(), 'PACK');
    assert.equal(pack.readUInt32BE(8), 18, 'exactly the 18 new objects were sent');
    await hh.git(['merge', '-q', '--ff-only', 'origin/main'], { cwd: a });
    assert.equal(await revCount(hh, a), 9);
    assert.equal(await hh.tree(a), await hh.tree(b));
    await hh.fsck(a);
  });

  test(`${v}: a fetch with many haves sends a gzip-compressed upload-pack request`, async () => {
    const hh = await h();
    const name = `gzip-${v}`;
    const { token, fx } = await seededRepo(name, protocol);
    const a = hh.path(`${name}-a`);
    const b = hh.path(`${name}-b`);
    await clone(hh, name, a, { token, protocol });
    await clone(hh, name, b, { token, protocol });
    await manyLocalCommits(hh, a, 'local-work', fx.commits.c6, 100);
    const tip = await hh.commit(b, { 'new.txt': 'new on the server\n' }, 'new');
    await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, protocol, cwd: b });
    const r = await hh.git(['fetch', 'origin'], { token, protocol, cwd: a, env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
    assert.match(r.stderr, /Send header: Content-Encoding: gzip/, 'git compressed at least one upload-pack request');
    assert.equal(await hh.head(a, 'origin/main'), tip);
    await hh.git(['merge', '-q', '--ff-only', 'origin/main'], { cwd: a });
    assert.equal(hh.readFile(a, 'new.txt').toString(), 'new on the server\n');
    await hh.fsck(a);
  });

  test(`${v}: binary files and a 10 MB random file round trip byte-for-byte`, async () => {
    const hh = await h();
    const { name, token, files } = await binaryRepo();
    const dir = hh.path(`${name}-${v}`);
    await clone(hh, name, dir, { token, protocol });
    await hh.fsck(dir);
    for (const [path, content] of Object.entries(files)) assert.ok(hh.readFile(dir, path).equals(content), `${path} intact`);
    assert.equal(readlinkSync(join(dir, 'link')), 'bin/all-bytes.bin');
    assert.match(await hh.tree(dir), /^100755 blob [0-9a-f]{40}\tscript.sh$/m);
    assert.match(await hh.tree(dir), /^120000 blob [0-9a-f]{40}\tlink$/m);
  });

  test(`${v}: a push over 1 MiB with http.postBuffer=65536 (probe, then a chunked body)`, async () => {
    const hh = await h();
    const name = `chunked-${v}`;
    const { token } = await hh.createRepo(name);
    const a = hh.path(`${name}-a`);
    await clone(hh, name, a, { token, protocol });
    const big = randomBytes(2 * 1024 * 1024 + 123);
    const id = await hh.commit(a, { 'big.bin': big, 'small.txt': 'small\n' }, 'big');
    const r = await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], {
      token,
      protocol,
      cwd: a,
      config: { 'http.postBuffer': '65536' },
      env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
    });
    assert.match(r.stderr, /Send header: Content-Length: 4\r?$/m, 'git probed with a 4-byte request first');
    assert.match(r.stderr, /Send header: Transfer-Encoding: chunked/, 'the pack went chunked');
    assert.equal((await lsRemote(hh, name, token, protocol)).get('refs/heads/main'), id);
    const b = hh.path(`${name}-b`);
    await clone(hh, name, b, { token, protocol });
    await hh.fsck(b);
    assert.ok(hh.readFile(b, 'big.bin').equals(big));
  });
}

// A repo with binary content, pushed once and cloned by every protocol's test.
let binaryRepoPromise;
function randomBytes(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}
function binaryRepo() {
  binaryRepoPromise ??= (async () => {
    const hh = await h();
    const name = 'binary';
    const { token } = await hh.createRepo(name);
    const dir = hh.path('binary-src');
    await hh.git(['clone', '-q', hh.remote(name), dir], { token, protocol: 2 });
    const allBytes = Buffer.alloc(256 * 4);
    for (let i = 0; i < allBytes.length; i++) allBytes[i] = i & 0xff;
    const files = {
      'bin/all-bytes.bin': allBytes,
      'bin/zeros.bin': Buffer.alloc(100000),
      'bin/random-10mb.bin': randomBytes(10 * 1024 * 1024),
      'bin/crlf.txt': Buffer.from('line one\r\nline two\r\n\r\nno final newline\r'),
      'bin/nul-in-text.txt': Buffer.from('text\0with\0nuls\n'),
      'bin/utf8-ünïcødé.txt': Buffer.from('ünïcødé ✓\n'),
      'script.sh': Buffer.from('#!/bin/sh\necho hi\n'),
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content, { mode: path === 'script.sh' ? 0o755 : 0o644 });
    }
    symlinkSync('bin/all-bytes.bin', join(dir, 'link'));
    await hh.git(['add', '-A'], { cwd: dir });
    await hh.git(['commit', '-q', '-m', 'binary content'], { cwd: dir });
    await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
    await hh.fsck(dir);
    return { name, token, files };
  })();
  return binaryRepoPromise;
}

test('last_push_at and updated_at change after a push that changes refs, not after a rejected one', async () => {
  const hh = await h();
  const name = 'timestamps';
  const { token } = await hh.createRepo(name);
  const created = await repoInfo(hh, name);
  assert.equal(created.last_push_at, null, 'never pushed');
  assert.equal(created.updated_at, created.created_at);

  const dir = hh.path(name);
  await hh.git(['clone', '-q', hh.remote(name), dir], { token, protocol: 2 });
  await hh.commit(dir, { 'a.txt': 'a\n' }, 'a');
  await sleep(5);
  await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
  const first = await repoInfo(hh, name);
  assert.ok(first.last_push_at, 'set by the push');
  assert.ok(Date.parse(first.last_push_at) > Date.parse(created.updated_at), `${first.last_push_at} after ${created.updated_at}`);
  assert.equal(first.updated_at, first.last_push_at);
  assert.equal(first.created_at, created.created_at);

  // A push every ref of which is refused changes nothing.
  const tree = await hh.head(dir, 'HEAD^{tree}');
  await sleep(5);
  const refused = await hh.run(['push', 'origin', `${tree}:refs/heads/bad`], { token, cwd: dir });
  assert.notEqual(refused.code, 0);
  const afterRefused = await repoInfo(hh, name);
  assert.equal(afterRefused.last_push_at, first.last_push_at, 'a refused push is not a push that changed refs');
  assert.equal(afterRefused.updated_at, first.updated_at);

  await hh.commit(dir, { 'b.txt': 'b\n' }, 'b');
  await sleep(5);
  await hh.git(['push', 'origin', 'HEAD:refs/heads/main', 'HEAD:refs/heads/second'], { token, cwd: dir });
  const second = await repoInfo(hh, name);
  assert.ok(Date.parse(second.last_push_at) > Date.parse(first.last_push_at));
  assert.equal(second.updated_at, second.last_push_at);

  await sleep(5);
  await hh.git(['push', 'origin', ':second'], { token, cwd: dir });
  const third = await repoInfo(hh, name);
  assert.ok(Date.parse(third.last_push_at) > Date.parse(second.last_push_at), 'a delete changes a ref too');
});
