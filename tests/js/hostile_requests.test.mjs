// Requests a single client can send to stall or exhaust a server (the
// hardening issue's attacks, at the size that was reported or smaller): each
// is refused with a clear status, costs bounded time and memory, leaves the
// repo as it was, and other requests keep being answered meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sharedHarness } from './git-harness.mjs';
import { ZERO, pkt, FLUSH, DELIM, cat, pktPayloads, emptyPack, post, show, packOf, objectId, copyAllDelta, UPLOAD } from './git-wire.mjs';

const h = sharedHarness();
const MiB = 1024 * 1024;

// A repo with one commit holding a random `size`-byte file; returns its ids.
async function repoWithBigFile(hh, name, size) {
  const { token } = await hh.createRepo(name);
  const dir = hh.path(name);
  await hh.git(['clone', '-q', hh.remote(name), dir], { token });
  const big = randomBytes(size);
  writeFileSync(join(dir, 'big.bin'), big);
  const commit = await hh.commit(dir, {}, 'big file');
  await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
  return { name, token, dir, commit, big, bigId: objectId('blob', big) };
}

async function refs(hh, name, token) {
  const res = await fetch(new URL(`/git/default/${name}.git/info/refs?service=git-upload-pack`, hh.url), {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return pktPayloads(Buffer.from(await res.arrayBuffer())).filter((l) => /^[0-9a-f]{40} /.test(l)).map((l) => l.split('\0')[0]);
}

// Runs `work` while asking for the repo's refs again and again; returns the
// work's result and how many of those requests completed before it did.
async function whileServing(hh, name, token, work) {
  let done = false;
  let answered = 0;
  const poller = (async () => {
    while (!done) {
      await refs(hh, name, token);
      if (!done) answered++;
    }
  })();
  try {
    return { result: await work(), answered };
  } finally {
    done = true;
    await poller;
  }
}

const rssMiB = () => process.memoryUsage().rss / MiB;

test('400 small deltas that each copy a large base: refused once the push has spent its budget, the server answering throughout', async (t) => {
  const hh = await h();
  const v = await repoWithBigFile(hh, 'delta-bomb', 4 * MiB);
  const entries = [];
  for (let i = 0; i < 400; i++) entries.push({ type: 'refDelta', base: v.bigId, data: copyAllDelta(v.big.length, `#${i}`) });
  const pack = packOf(entries);
  assert.ok(pack.length < 64 * 1024, `the request is small (${pack.length} bytes) and asks for 1.6 GB of output`);
  const before = await refs(hh, v.name, v.token);
  const body = cat(pkt(`${ZERO} ${v.commit} refs/heads/bomb\0report-status\n`), FLUSH, pack);
  const started = Date.now();
  const { result: res, answered } = await whileServing(hh, v.name, v.token, () => post(hh, v.name, v.token, 'git-receive-pack', body));
  t.diagnostic(`refused in ${Date.now() - started} ms; ${answered} other requests answered meanwhile; ${show(res)}`);
  assert.equal(res.status, 413, show(res));
  assert.match(res.text, /more work to unpack than its size allows/);
  assert.ok(answered >= 3, `other requests are served while the push is unpacked (${answered})`);
  assert.deepEqual(await refs(hh, v.name, v.token), before, 'the repo is unchanged');
  // An ordinary push still works.
  await hh.commit(v.dir, { 'after.txt': 'still works\n' }, 'after');
  await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token: v.token, cwd: v.dir });
});

test('a command list of 10,000 commands with 65 KB ref names in a 1 MB gzip body is refused without holding it', async (t) => {
  const hh = await h();
  const { token } = await hh.createRepo('command-bomb');
  const longName = `refs/heads/${'x'.repeat(65 * 1024)}`;
  const commands = [];
  for (let i = 0; i < 10000; i++) commands.push(pkt(`${ZERO} ${'1'.repeat(40)} ${longName.slice(0, 65500 - 100)}${i}\n`));
  const raw = cat(...commands, FLUSH, emptyPack());
  const gz = gzipSync(raw, { level: 9 });
  t.diagnostic(`${raw.length} bytes of commands in a ${gz.length}-byte gzip body`);
  const rssBefore = rssMiB();
  const res = await post(hh, 'command-bomb', token, 'git-receive-pack', gz, { 'Content-Encoding': 'gzip' });
  const grew = rssMiB() - rssBefore;
  t.diagnostic(`${show(res)}; RSS grew ${grew.toFixed(1)} MiB`);
  assert.equal(res.status, 400, show(res));
  assert.match(res.text, /command list larger than 4 MiB/);
  assert.ok(grew < 64, `memory stays bounded (grew ${grew.toFixed(1)} MiB)`);
  assert.deepEqual((await refs(hh, 'command-bomb', token)).filter((l) => l.includes(' refs/')), [], 'nothing was created');
});

test('gzip bodies are bounded when decompressed; held-open upload-pack requests pin at most their cap each', async (t) => {
  const hh = await h();
  const v = await repoWithBigFile(hh, 'gzip-bomb', 64 * 1024);
  // 1 GB of "have" lines in about 1 MB of gzip.
  const have = pkt(`have ${'2'.repeat(40)}\n`);
  const line = cat(pkt(`want ${v.commit}\n`), FLUSH);
  const many = Buffer.alloc(64 * MiB, have.toString('latin1'), 'latin1');
  const gz = gzipSync(cat(line, many), { level: 9 });
  const rssBefore = rssMiB();
  const res = await post(hh, v.name, v.token, 'git-upload-pack', gz, { 'Content-Encoding': 'gzip' });
  assert.equal(res.status, 413, show(res));
  assert.match(res.text, /exceeds the limit of 8388608 bytes/);

  // 24 requests that send 7 MiB (decompressed) each and then hold the connection open.
  const { request } = await import('node:http');
  const url = new URL(`/git/default/${v.name}.git/git-upload-pack`, hh.url);
  const held = [];
  const chunk = gzipSync(Buffer.alloc(7 * MiB, have.toString('latin1'), 'latin1'), { level: 9 }).subarray(0, -8); // no gzip trailer: the body never ends
  for (let i = 0; i < 24; i++) {
    const req = request(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${v.token}`, 'Content-Type': UPLOAD, 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' },
    });
    req.on('error', () => {});
    req.write(chunk);
    held.push(req);
  }
  await new Promise((r) => setTimeout(r, 1500));
  const grew = rssMiB() - rssBefore;
  t.diagnostic(`24 held-open requests: RSS grew ${grew.toFixed(1)} MiB`);
  assert.ok(grew < 24 * 8 + 96, `each held request pins at most its 8 MiB cap (grew ${grew.toFixed(1)} MiB)`);
  for (const req of held) req.destroy();
  // Later requests are served normally.
  const clone = hh.path('gzip-bomb-clone');
  await hh.git(['clone', '-q', hh.remote(v.name), clone], { token: v.token, protocol: 2 });
  await hh.fsck(clone);
});

test('ls-refs with a million ref-prefix lines is refused; past 100 prefixes every ref is listed, as git does', async (t) => {
  const hh = await h();
  const v = await repoWithBigFile(hh, 'prefix-bomb', 1024);
  const v2 = { 'Git-Protocol': 'version=2' };
  const prefix = pkt('ref-prefix refs/heads/nothing-matches\n');
  const million = Buffer.alloc(prefix.length * 1_000_000, prefix.toString('latin1'), 'latin1');
  const gz = gzipSync(cat(pkt('command=ls-refs\n'), DELIM, million, FLUSH), { level: 9 });
  const started = Date.now();
  const refused = await post(hh, v.name, v.token, 'git-upload-pack', gz, { ...v2, 'Content-Encoding': 'gzip' });
  t.diagnostic(`a million prefixes: ${show(refused)} in ${Date.now() - started} ms`);
  assert.equal(refused.status, 413, show(refused));

  const body = (n) => cat(pkt('command=ls-refs\n'), DELIM, ...Array(n).fill(prefix), FLUSH);
  const few = await post(hh, v.name, v.token, 'git-upload-pack', body(100), v2);
  assert.deepEqual(few.lines, [], 'up to 100 prefixes narrow the answer');
  const many = await post(hh, v.name, v.token, 'git-upload-pack', body(5000), v2);
  assert.deepEqual(many.lines, [`${v.commit} HEAD`, `${v.commit} refs/heads/main`], 'past 100 they are ignored');
});

test('haves, wants and shallow lines are bounded per request', async () => {
  const hh = await h();
  const v = await repoWithBigFile(hh, 'line-bomb', 1024);
  const v2 = { 'Git-Protocol': 'version=2' };
  const fetchWith = (kind, n) =>
    post(hh, v.name, v.token, 'git-upload-pack',
      cat(pkt('command=fetch\n'), DELIM, pkt(`want ${v.commit}\n`), ...Array(n).fill(pkt(`${kind} ${'3'.repeat(40)}\n`)), pkt('done\n'), FLUSH), v2);
  for (const [kind, n, message] of [['have', 100_001, /more than 100000 haves/], ['shallow', 10_001, /more than 10000 shallow/], ['want', 100_001, /more than 100000 wants/]]) {
    const res = await fetchWith(kind, n);
    assert.equal(res.status, 200, show(res));
    assert.ok(res.lines.some((l) => l.startsWith('ERR ') && message.test(l)), `${kind} x ${n}: ${show(res)}`);
  }
  const ok = await fetchWith('have', 1000);
  assert.ok(ok.lines.includes('packfile'), show(ok));
});

test('a push over the repo quota or the pack limit is refused with 413 and changes nothing', async (t) => {
  const { startServer } = await import('../../js/src/server.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const hh = await h();
  const dataDir = mkdtempSync(join(tmpdir(), 'oa-quota-'));
  const server = await startServer({ port: 0, dataDir, limits: { maxRepoBytes: 2 * MiB, maxPackBytes: 1536 * 1024 } });
  t.after(async () => {
    await server.close({ graceMs: 100 });
    rmSync(dataDir, { recursive: true, force: true });
  });
  const created = await server.artifacts.create('quota');
  const remote = `${server.url}/git/default/quota.git`;
  const dir = hh.path('quota');
  await hh.git(['clone', '-q', remote, dir], { token: created.token });
  const push = () => hh.run(['push', 'origin', 'HEAD:refs/heads/main'], { token: created.token, cwd: dir });
  await hh.commit(dir, { 'a.bin': randomBytes(1200 * 1024) }, 'fits');
  assert.equal((await push()).code, 0);
  await hh.commit(dir, { 'b.bin': randomBytes(1200 * 1024) }, 'over the 2 MiB quota');
  const over = await push();
  assert.notEqual(over.code, 0);
  assert.match(over.stderr, /413/, over.stderr);
  await hh.commit(dir, { 'c.bin': randomBytes(1700 * 1024) }, 'a pack over 1.5 MiB');
  const big = await push();
  assert.notEqual(big.code, 0);
  assert.match(big.stderr, /413/, big.stderr);
  const lsRemote = await hh.git(['ls-remote', remote], { token: created.token });
  assert.equal(lsRemote.stdout.split('\n').filter(Boolean).length, 2, 'HEAD and main, still at the first push');
});

test('ref names keep their bytes: ill-formed UTF-8 is refused, distinct names never alias', async () => {
  const hh = await h();
  const v = await repoWithBigFile(hh, 'ref-bytes', 1024);
  const cmd = (ref) => cat(pkt(Buffer.concat([Buffer.from(`${ZERO} ${v.commit} `), ref, Buffer.from('\0report-status\n')])), FLUSH, emptyPack());
  const bad = await post(hh, v.name, v.token, 'git-receive-pack', cmd(Buffer.from([...Buffer.from('refs/heads/u'), 0xff])));
  assert.ok(bad.lines.some((l) => /^ng refs\/heads\/u.* funny refname$/.test(l)), show(bad));
  // U+FFFD itself (what 0xff used to turn into) and other UTF-8 names are fine, byte for byte.
  for (const name of ['refs/heads/u\ufffd', 'refs/heads/café', 'refs/tags/✓/🌍']) {
    const res = await post(hh, v.name, v.token, 'git-receive-pack', cmd(Buffer.from(name)));
    assert.deepEqual(res.lines, ['unpack ok', `ok ${Buffer.from(name).toString('latin1')}`], show(res));
  }
  const listed = (await refs(hh, v.name, v.token)).filter((l) => !l.endsWith(' HEAD')).map((l) => Buffer.from(l.slice(41), 'latin1').toString('utf8'));
  assert.deepEqual(listed.sort(), ['refs/heads/café', 'refs/heads/main', 'refs/heads/u\ufffd', 'refs/tags/✓/🌍'].sort());
});
