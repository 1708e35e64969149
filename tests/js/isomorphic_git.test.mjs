// isomorphic-git (a pure-JS client: smart HTTP protocol v1 only, undeltified
// packs, no thin packs) against the core's git server: clone a repo the git
// CLI made, fetch new commits, commit and push, shallow clone, and auth
// through onAuth; the git CLI then clones what isomorphic-git pushed and fsck
// passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { sharedHarness } from './git-harness.mjs';


// One server for the whole file; each test makes its own repos.
const h = sharedHarness();

const author = { name: 'Iso Morphic', email: 'iso@example.test', timestamp: 1700000000, timezoneOffset: 0 };
const auth = (token) => ({ onAuth: () => ({ username: 'x', password: token }) });

const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31 + (i >> 5)) & 0xff));

// A repo built and pushed with the git CLI: main (3 commits), feature, a
// lightweight and an annotated tag, text, binary and nested files.
let sourcePromise;
function source() {
  sourcePromise ??= (async () => {
    const hh = await h();
    const name = 'iso-source';
    const { token } = await hh.createRepo(name);
    const dir = hh.path('iso-cli');
    await hh.git(['clone', '-q', hh.remote(name), dir], { token });
    const c1 = await hh.commit(dir, { 'README.md': '# iso\n', 'bin/data.bin': binary, 'a/b/c/deep.txt': 'deep\n' }, 'c1');
    await hh.git(['tag', 'light', c1], { cwd: dir });
    const c2 = await hh.commit(dir, { 'README.md': '# iso, second\n', 'src/main.c': 'int main(void) { return 0; }\n' }, 'c2');
    await hh.git(['tag', '-a', '-m', 'annotated', 'v1'], { cwd: dir });
    await hh.git(['checkout', '-q', '-b', 'feature'], { cwd: dir });
    const f1 = await hh.commit(dir, { 'feature.txt': 'feature\n' }, 'f1');
    await hh.git(['checkout', '-q', 'main'], { cwd: dir });
    const c3 = await hh.commit(dir, { 'src/main.c': null, 'src/lib.c': 'int lib;\n' }, 'c3');
    await hh.git(['push', '-q', 'origin', 'main', 'feature', 'light', 'v1'], { token, cwd: dir });
    return { name, token, dir, c1, c2, c3, f1, url: hh.remote(name) };
  })();
  return sourcePromise;
}

test('isomorphic-git clones a repo made by the git CLI (branches, tags, binary files); git fsck passes', async () => {
  const hh = await h();
  const s = await source();
  const dir = hh.path('iso-clone');
  await git.clone({ fs, http, dir, url: s.url, ...auth(s.token) });
  assert.equal(await git.resolveRef({ fs, dir, ref: 'HEAD' }), s.c3);
  assert.equal(await git.currentBranch({ fs, dir }), 'main');
  assert.equal(await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/feature' }), s.f1);
  assert.deepEqual((await git.listTags({ fs, dir })).sort(), ['light', 'v1']);
  assert.equal(await git.resolveRef({ fs, dir, ref: 'refs/tags/light' }), s.c1);
  const v1 = await git.readTag({ fs, dir, oid: await git.resolveRef({ fs, dir, ref: 'refs/tags/v1' }) });
  assert.equal(v1.tag.object, s.c2);
  const log = await git.log({ fs, dir, ref: 'main' });
  assert.deepEqual(log.map((e) => e.oid), [s.c3, s.c2, s.c1]);
  assert.ok(fs.readFileSync(join(dir, 'bin/data.bin')).equals(binary), 'binary file intact');
  assert.equal(fs.readFileSync(join(dir, 'a/b/c/deep.txt'), 'utf8'), 'deep\n');
  assert.equal(fs.existsSync(join(dir, 'src/main.c')), false);
  // The CLI reads what isomorphic-git wrote: same objects, fsck clean.
  await hh.fsck(dir);
  assert.equal(await hh.tree(dir), await hh.tree(s.dir, 'main'));
});

test('isomorphic-git fetches new commits pushed by the git CLI', async () => {
  const hh = await h();
  const s = await source();
  const dir = hh.path('iso-fetch');
  await git.clone({ fs, http, dir, url: s.url, ref: 'main', singleBranch: true, ...auth(s.token) });
  // Another clone pushes two commits (the second deltified against the first).
  const cli = hh.path('iso-fetch-cli');
  await hh.git(['clone', '-q', s.url, cli], { token: s.token });
  const big = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join('');
  await hh.commit(cli, { 'big.txt': big }, 'n1');
  const n2 = await hh.commit(cli, { 'big.txt': `${big}one more\n`, 'new.txt': 'new\n' }, 'n2');
  await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token: s.token, cwd: cli });

  const result = await git.fetch({ fs, http, dir, ref: 'main', singleBranch: true, ...auth(s.token) });
  assert.equal(result.fetchHead, n2);
  assert.equal(await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/main' }), n2);
  await git.merge({ fs, dir, ours: 'main', theirs: 'origin/main', fastForwardOnly: true, author });
  await git.checkout({ fs, dir, ref: 'main', force: true });
  assert.equal(await git.resolveRef({ fs, dir, ref: 'HEAD' }), n2);
  assert.equal(fs.readFileSync(join(dir, 'big.txt'), 'utf8'), `${big}one more\n`);
  assert.equal(fs.readFileSync(join(dir, 'new.txt'), 'utf8'), 'new\n');
  await hh.fsck(dir);
});

test('isomorphic-git commits and pushes (branch, tag, delete); the git CLI clones the result and fsck passes', async () => {
  const hh = await h();
  const s = await source();
  const name = 'iso-push';
  const { token } = await hh.createRepo(name);
  const url = hh.remote(name);
  // Seed with the CLI, then clone with isomorphic-git.
  await hh.git(['push', '-q', url, 'main', 'feature'], { token, cwd: s.dir });
  const dir = hh.path('iso-push');
  await git.clone({ fs, http, dir, url, ...auth(token) });

  fs.writeFileSync(join(dir, 'iso.txt'), 'written by isomorphic-git\n');
  fs.writeFileSync(join(dir, 'bin/data.bin'), Buffer.concat([binary, binary]));
  fs.rmSync(join(dir, 'README.md'));
  await git.add({ fs, dir, filepath: 'iso.txt' });
  await git.add({ fs, dir, filepath: 'bin/data.bin' });
  await git.remove({ fs, dir, filepath: 'README.md' });
  const first = await git.commit({ fs, dir, message: 'iso commit 1', author });
  fs.writeFileSync(join(dir, 'a/b/c/deep.txt'), 'deeper\n');
  await git.add({ fs, dir, filepath: 'a/b/c/deep.txt' });
  const second = await git.commit({ fs, dir, message: 'iso commit 2', author });
  const pushed = await git.push({ fs, http, dir, remote: 'origin', ref: 'main', ...auth(token) });
  assert.equal(pushed.ok, true, JSON.stringify(pushed));
  assert.deepEqual(pushed.refs['refs/heads/main'], { ok: true, error: '' });

  // A new branch, an annotated tag, and the deletion of a remote branch.
  await git.branch({ fs, dir, ref: 'iso-branch', checkout: false });
  await git.annotatedTag({ fs, dir, ref: 'iso-tag', message: 'tagged by iso', tagger: author, object: first });
  for (const ref of ['iso-branch', 'iso-tag']) {
    const r = await git.push({ fs, http, dir, remote: 'origin', ref, ...auth(token) });
    assert.equal(r.ok, true, `${ref}: ${JSON.stringify(r)}`);
  }
  const deleted = await git.push({ fs, http, dir, remote: 'origin', ref: 'main', remoteRef: 'refs/heads/feature', delete: true, ...auth(token) });
  assert.equal(deleted.ok, true, JSON.stringify(deleted));

  const refs = (await hh.git(['ls-remote', url], { token })).stdout;
  assert.match(refs, new RegExp(`^${second}\\trefs/heads/main$`, 'm'));
  assert.match(refs, new RegExp(`^${second}\\trefs/heads/iso-branch$`, 'm'));
  assert.match(refs, new RegExp(`^${first}\\trefs/tags/iso-tag\\^\\{\\}$`, 'm'));
  assert.doesNotMatch(refs, /refs\/heads\/feature/);

  for (const protocol of [0, 2]) {
    const check = hh.path(`iso-push-check-v${protocol}`);
    await hh.git(['clone', url, check], { token, protocol });
    await hh.fsck(check);
    assert.equal(await hh.head(check), second);
    assert.equal(await hh.head(check, 'HEAD~1'), first);
    assert.equal(await hh.head(check, 'HEAD~2'), s.c3);
    assert.equal(fs.readFileSync(join(check, 'iso.txt'), 'utf8'), 'written by isomorphic-git\n');
    assert.ok(fs.readFileSync(join(check, 'bin/data.bin')).equals(Buffer.concat([binary, binary])));
    assert.equal(fs.readFileSync(join(check, 'a/b/c/deep.txt'), 'utf8'), 'deeper\n');
    assert.equal(fs.existsSync(join(check, 'README.md')), false);
    assert.equal((await hh.git(['cat-file', '-p', 'iso-tag'], { cwd: check })).stdout.split('\n')[0], `object ${first}`);
  }
});

test('isomorphic-git shallow clone (depth 1) and a fetch that deepens it', async () => {
  const hh = await h();
  const s = await source();
  // main as it is now (an earlier test may have pushed to it) and its parent, per a full CLI clone.
  const full = hh.path('iso-shallow-full');
  await hh.git(['clone', '-q', s.url, full], { token: s.token });
  const [tip, parent] = (await hh.git(['rev-parse', 'HEAD', 'HEAD~1'], { cwd: full })).stdout.trim().split('\n');
  const dir = hh.path('iso-shallow');
  await git.clone({ fs, http, dir, url: s.url, ref: 'main', singleBranch: true, depth: 1, noTags: true, ...auth(s.token) });
  const log = await git.log({ fs, dir, ref: 'HEAD' });
  assert.equal(log.length, 1);
  assert.equal(log[0].oid, tip);
  assert.equal(fs.readFileSync(join(dir, '.git', 'shallow'), 'utf8').trim(), tip);
  await git.fetch({ fs, http, dir, ref: 'main', singleBranch: true, depth: 2, relative: true, tags: false, ...auth(s.token) });
  const deeper = await git.log({ fs, dir, ref: 'HEAD' });
  assert.ok(deeper.length >= 2, `deepened to ${deeper.length}`);
  assert.equal(deeper[1].oid, parent);
  await hh.fsck(dir);
});

test('isomorphic-git auth: no onAuth fails, a bad token fails, a read token fetches but cannot push', async () => {
  const hh = await h();
  const s = await source();
  await assert.rejects(git.clone({ fs, http, dir: hh.path('iso-noauth'), url: s.url }), (e) => {
    assert.match(`${e.code} ${e.message}`, /401|HttpError/);
    return true;
  });
  await assert.rejects(git.clone({ fs, http, dir: hh.path('iso-badauth'), url: s.url, onAuth: () => ({ username: 'x', password: 'art_v1_' + '0'.repeat(40) }), onAuthFailure: () => ({ cancel: true }) }), (e) => {
    assert.match(`${e.code} ${e.message} ${JSON.stringify(e.data ?? {})}`, /403|HttpError|UserCanceled/);
    return true;
  });
  const remoteMain = async () => (await hh.git(['ls-remote', s.url, 'refs/heads/main'], { token: s.token })).stdout.split('\t')[0];
  const before = await remoteMain();
  const read = await hh.createToken(s.name, 'read');
  const dir = hh.path('iso-read');
  await git.clone({ fs, http, dir, url: s.url, ref: 'main', singleBranch: true, ...auth(read) });
  fs.writeFileSync(join(dir, 'nope.txt'), 'nope\n');
  await git.add({ fs, dir, filepath: 'nope.txt' });
  await git.commit({ fs, dir, message: 'nope', author });
  await assert.rejects(git.push({ fs, http, dir, remote: 'origin', ref: 'main', ...auth(read), onAuthFailure: () => ({ cancel: true }) }), (e) => {
    assert.match(`${e.code} ${e.message} ${JSON.stringify(e.data ?? {})}`, /403|Insufficient permissions|UserCanceled/);
    return true;
  });
  assert.equal(await remoteMain(), before, 'nothing was pushed');
});
