// Bad input and concurrency against the git smart-HTTP server: raw requests
// (fetch) with malformed pkt-lines, broken packs, oversized objects, bad ref
// updates and bad fetch requests must each get a clear protocol error (an ERR
// packet, "ng <ref> <reason>" in the report, or an HTTP 4xx) and leave the repo
// exactly as it was; 20 clones pushing to one branch at once resolve to one
// winner per round with nothing lost; a server killed with SIGKILL mid-push
// restarts on its data dir with every repo cloneable, fsck-clean and holding
// every push the client saw succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRepoWithCommit, gitWithInput, mapLimit, sharedHarness } from './git-harness.mjs';
import { ZERO, pkt, FLUSH, DELIM, cat, pktPayloads, emptyPack, resealPack, randomId, post, show, assertRejected } from './git-wire.mjs';


// One server for the whole file; each test makes its own repos.
const h = sharedHarness();

// ------------------------------------------------------------ the victim repo
// A repo with two commits on main and a tag, plus a local clone that has one
// more commit (not pushed) to build packs from.
let victimPromise;
function victim() {
  victimPromise ??= (async () => {
    const hh = await h();
    const name = 'victim';
    const { token } = await hh.createRepo(name);
    const dir = hh.path(name);
    await hh.git(['clone', '-q', hh.remote(name), dir], { token });
    const c1 = await hh.commit(dir, { 'README.md': '# victim\n', 'src/a.txt': 'a\n' }, 'c1');
    const c2 = await hh.commit(dir, { 'src/a.txt': 'a2\n', 'src/b.txt': 'b\n' }, 'c2');
    await hh.git(['tag', 'v1', c1], { cwd: dir });
    await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main', 'v1'], { token, cwd: dir });
    const c3 = await hh.commit(dir, { 'src/c.txt': 'c'.repeat(5000) + '\n', 'README.md': '# victim, third\n' }, 'c3');
    const packed = await gitWithInput(hh, ['pack-objects', '--stdout', '--revs'], `${c3}\n^${c2}\n`, { cwd: dir });
    assert.equal(packed.code, 0, packed.stderr);
    const pack = packed.stdout;
    assert.equal(pack.subarray(0, 4).toString(), 'PACK');
    return { name, token, dir, c1, c2, c3, pack };
  })();
  return victimPromise;
}

// The repo's state as the server tells it: its v0 ref advertisement and push timestamps.
async function snapshot(hh, v) {
  const res = await fetch(new URL(`/git/default/${v.name}.git/info/refs?service=git-upload-pack`, hh.url), { headers: { Authorization: `Bearer ${v.token}` } });
  assert.equal(res.status, 200);
  const refs = pktPayloads(Buffer.from(await res.arrayBuffer())).map((l) => l.split('\0')[0]);
  const { status, body } = await hh.api('GET', `/repos/${v.name}`);
  assert.equal(status, 200, JSON.stringify(body));
  return { refs, lastPushAt: body.result.last_push_at, updatedAt: body.result.updated_at };
}
async function assertUnchanged(hh, v, before, label) {
  assert.deepEqual(await snapshot(hh, v), before, `${label}: the repo is unchanged`);
}

// Puts the refs back as they were in `before` (after a case that wrongly changed them).
async function restoreRefs(hh, v, before, now) {
  const parse = (snap) => new Map(snap.refs.filter((l) => /^[0-9a-f]{40} refs\//.test(l) && !l.endsWith('^{}')).map((l) => [l.slice(41), l.slice(0, 40)]));
  const was = parse(before);
  const is = parse(now);
  const commands = [];
  for (const [ref, id] of is) if (was.get(ref) !== id) commands.push(`${id} ${was.get(ref) ?? ZERO} ${ref}`);
  for (const [ref, id] of was) if (!is.has(ref)) commands.push(`${ZERO} ${id} ${ref}`);
  if (commands.length === 0) return;
  const body = cat(...commands.map((c, i) => pkt(i === 0 ? `${c}\0report-status\n` : `${c}\n`)), FLUSH, emptyPack());
  const res = await post(hh, v.name, v.token, 'git-receive-pack', body);
  assert.ok(res.lines.every((l) => !l.startsWith('ng ')), `restoring refs: ${show(res)}`);
}

// Sends each case and checks: rejected clearly, repo unchanged (against the
// state just before that case, so one failure does not hide the others).
// Fails at the end with every case that went wrong. cases: [label, service, body, ref?, headers?]
async function rejectAll(t, cases) {
  const hh = await h();
  const v = await victim();
  const seen = [];
  const failures = [];
  for (const [label, service, body, ref, headers] of cases) {
    const before = await snapshot(hh, v);
    try {
      const res = await post(hh, v.name, v.token, service, body, headers);
      seen.push(`${label}: ${assertRejected(res, ref, label)}`);
    } catch (e) {
      failures.push(e.message);
    }
    const now = await snapshot(hh, v);
    if (JSON.stringify(now) !== JSON.stringify(before)) {
      failures.push(`${label}: the repo changed: ${JSON.stringify(before.refs)} -> ${JSON.stringify(now.refs)}`);
      await restoreRefs(hh, v, before, now); // keep the other cases (and tests) independent of this failure
    }
  }
  t.diagnostic(seen.join('\n'));
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases were not rejected cleanly`);
}

const command = (oldId, newId, ref, caps = 'report-status') => pkt(`${oldId} ${newId} ${ref}\0${caps}\n`);

test('malformed and oversized pkt-lines are protocol errors on every endpoint', async (t) => {
  const v = await victim();
  const big = Buffer.alloc(0xffff - 4, 'a');
  const head = `${ZERO} ${v.c2} refs/heads/oversized\0report-status`;
  const oversizedCommand = cat('ffff', head, Buffer.alloc(0xffff - 4 - head.length, ' '));
  assert.equal(oversizedCommand.length, 0xffff);
  const v2 = { 'Git-Protocol': 'version=2' };
  await rejectAll(t, [
    ['receive-pack "zzzz"', 'git-receive-pack', 'zzzz'],
    ['receive-pack "0003"', 'git-receive-pack', '0003'],
    ['receive-pack "0002" (response-end packet)', 'git-receive-pack', cat('0002', command(ZERO, v.c2, 'refs/heads/x'), FLUSH, emptyPack())],
    ['receive-pack oversized ffff', 'git-receive-pack', cat('ffff', big)],
    ['receive-pack oversized ffff command', 'git-receive-pack', cat(oversizedCommand, FLUSH, emptyPack()), 'refs/heads/oversized'],
    ['receive-pack length past the end', 'git-receive-pack', cat('00ff', `${ZERO} ${v.c2} refs/heads/cut`)],
    ['receive-pack command list not terminated', 'git-receive-pack', command(ZERO, v.c2, 'refs/heads/unterminated')],
    ['receive-pack short command', 'git-receive-pack', cat(pkt(`${ZERO} ${v.c2}\n`), FLUSH, emptyPack())],
    ['receive-pack non-hex id', 'git-receive-pack', cat(pkt(`${'g'.repeat(40)} ${v.c2} refs/heads/x\0report-status\n`), FLUSH, emptyPack())],
    ['upload-pack v0 "zzzz"', 'git-upload-pack', 'zzzz'],
    ['upload-pack v0 "0003"', 'git-upload-pack', '0003'],
    ['upload-pack v0 oversized ffff', 'git-upload-pack', cat('ffff', big)],
    ['upload-pack v0 length past the end', 'git-upload-pack', cat('0040', `want ${v.c2}`)],
    ['upload-pack v0 bad want', 'git-upload-pack', cat(pkt('want nothex\n'), FLUSH, pkt('done\n'))],
    ['upload-pack v2 "zzzz"', 'git-upload-pack', 'zzzz', undefined, v2],
    ['upload-pack v2 "0003"', 'git-upload-pack', '0003', undefined, v2],
    ['upload-pack v2 oversized ffff', 'git-upload-pack', cat('ffff', big), undefined, v2],
    ['upload-pack v2 no flush', 'git-upload-pack', cat(pkt('command=ls-refs\n'), DELIM, pkt('peel\n')), undefined, v2],
    ['upload-pack v2 bad ls-refs argument', 'git-upload-pack', cat(pkt('command=ls-refs\n'), DELIM, pkt('frobnicate\n'), FLUSH), undefined, v2],
    ['upload-pack gzip body that is not gzip', 'git-upload-pack', cat(pkt(`want ${v.c2}\n`), FLUSH, pkt('done\n')), undefined, { 'Content-Encoding': 'gzip' }],
    ['receive-pack wrong Content-Type', 'git-receive-pack', cat(command(ZERO, v.c2, 'refs/heads/ct'), FLUSH, emptyPack()), 'refs/heads/ct', { 'Content-Type': 'text/plain' }],
  ]);
});

test('truncated, corrupt and wrongly-checksummed packs are refused and change nothing', async (t) => {
  const v = await victim();
  const ref = 'refs/heads/main';
  const cmd = cat(command(v.c2, v.c3, ref), FLUSH);
  const flipped = (pack, offset) => {
    const copy = Buffer.from(pack);
    copy[offset] ^= 0xff;
    return copy;
  };
  const mid = Math.floor(v.pack.length / 2);
  const badCount = Buffer.from(v.pack);
  badCount.writeUInt32BE(v.pack.readUInt32BE(8) + 5, 8);
  await rejectAll(t, [
    ['truncated: header only', 'git-receive-pack', cat(cmd, v.pack.subarray(0, 12)), ref],
    ['truncated: half the pack', 'git-receive-pack', cat(cmd, v.pack.subarray(0, mid)), ref],
    ['truncated: no trailer', 'git-receive-pack', cat(cmd, v.pack.subarray(0, v.pack.length - 20)), ref],
    ['truncated: half a trailer', 'git-receive-pack', cat(cmd, v.pack.subarray(0, v.pack.length - 10)), ref],
    ['no pack at all', 'git-receive-pack', cmd, ref],
    ['not a pack', 'git-receive-pack', cat(cmd, 'KCAP', v.pack.subarray(4)), ref],
    ['pack version 9', 'git-receive-pack', cat(cmd, resealPack(Buffer.concat([v.pack.subarray(0, 7), Buffer.from([9]), v.pack.subarray(8)]))), ref],
    ['corrupt bytes (bad checksum too)', 'git-receive-pack', cat(cmd, flipped(v.pack, mid)), ref],
    ['corrupt bytes, trailer recomputed', 'git-receive-pack', cat(cmd, resealPack(flipped(v.pack, mid))), ref],
    ['corrupt first object header, trailer recomputed', 'git-receive-pack', cat(cmd, resealPack(flipped(v.pack, 12))), ref],
    ['bad trailer checksum', 'git-receive-pack', cat(cmd, flipped(v.pack, v.pack.length - 1)), ref],
    ['object count larger than the pack', 'git-receive-pack', cat(cmd, resealPack(badCount)), ref],
    ['garbage after the trailer', 'git-receive-pack', cat(cmd, v.pack, 'trailing garbage'), ref],
  ]);
  // The good pack is accepted (so the failures above were about the damage), then undone.
  const hh = await h();
  const ok = await post(hh, v.name, v.token, 'git-receive-pack', cat(cmd, v.pack));
  assert.deepEqual(ok.lines, ['unpack ok', `ok ${ref}`], show(ok));
  const back = await post(hh, v.name, v.token, 'git-receive-pack', cat(command(v.c3, v.c2, ref), FLUSH, emptyPack()));
  assert.deepEqual(back.lines, ['unpack ok', `ok ${ref}`], show(back));
});

test('a pack with an object over 32 MB is refused (raw and through git push)', async (t) => {
  const hh = await h();
  const v = await victim();
  const dir = hh.path('huge');
  await hh.git(['clone', '-q', hh.remote(v.name), dir], { token: v.token });
  writeFileSync(join(dir, 'huge.bin'), Buffer.alloc(33 * 1024 * 1024, 7)); // compresses well: the pack is small, the object is not
  const huge = await hh.commit(dir, { 'note.txt': 'a 33 MB blob\n' }, 'huge');
  const packed = await gitWithInput(hh, ['pack-objects', '--stdout', '--revs'], `${huge}\n^${v.c2}\n`, { cwd: dir });
  assert.equal(packed.code, 0, packed.stderr);
  await rejectAll(t, [['33 MB blob', 'git-receive-pack', cat(command(v.c2, huge, 'refs/heads/main'), FLUSH, packed.stdout), 'refs/heads/main']]);
  const before = await snapshot(hh, v);
  const push = await hh.run(['push', 'origin', 'HEAD:refs/heads/huge'], { token: v.token, cwd: dir });
  assert.notEqual(push.code, 0, 'git push fails');
  assert.match(push.stderr, /32 MB|too large|exceeds|unpack/i, push.stderr);
  await assertUnchanged(hh, v, before, 'git push of a 33 MB blob');
});

test('ref updates to missing objects, to non-commits, with stale old ids or invalid names are refused', async (t) => {
  const v = await victim();
  const hh = await h();
  const tree = await hh.head(v.dir, `${v.c2}^{tree}`);
  const empty = emptyPack();
  const update = (oldId, newId, ref) => cat(command(oldId, newId, ref), FLUSH, empty);
  const cases = [
    ['new branch at a missing object', 'git-receive-pack', update(ZERO, randomId(), 'refs/heads/missing'), 'refs/heads/missing'],
    ['main to a missing object', 'git-receive-pack', update(v.c2, randomId(), 'refs/heads/main'), 'refs/heads/main'],
    ['a branch at a tree', 'git-receive-pack', update(ZERO, tree, 'refs/heads/tree'), 'refs/heads/tree'],
    ['main with a stale old id', 'git-receive-pack', update(randomId(), v.c1, 'refs/heads/main'), 'refs/heads/main'],
    ['create a ref that exists', 'git-receive-pack', update(ZERO, v.c1, 'refs/heads/main'), 'refs/heads/main'],
    ['delete with a wrong old id', 'git-receive-pack', cat(command(v.c1, ZERO, 'refs/heads/main'), FLUSH), 'refs/heads/main'],
    ['delete a ref that does not exist', 'git-receive-pack', cat(command(v.c1, ZERO, 'refs/heads/nope'), FLUSH), 'refs/heads/nope'],
  ];
  for (const name of ['refs/heads/../x', 'refs/heads/a.lock', 'HEAD', 'refs/heads/a..b', 'refs/heads/', 'refs/heads/a b', 'refs/heads/a~1', 'refs/heads/a^', 'refs/heads/a:b', 'refs/heads/a?', 'refs/heads/a*', 'refs/heads/a[', 'refs/heads/a\\b', 'refs/heads/a//b', 'refs/heads/.hidden', 'refs/heads/a/', 'refs/heads/a@{1}', 'refs/heads/ctl\x01', 'main', 'refs/x', 'refs/heads/a.']) {
    cases.push([`invalid refname ${JSON.stringify(name)}`, 'git-receive-pack', update(ZERO, v.c2, name), name]);
  }
  await rejectAll(t, cases);
});

test('an unknown v2 command, unknown wants and bad fetch arguments are protocol errors', async (t) => {
  const v = await victim();
  const v2 = { 'Git-Protocol': 'version=2' };
  const unknown = randomId();
  const fetchV2 = (...args) => cat(pkt('command=fetch\n'), pkt('object-format=sha1\n'), DELIM, ...args.map((a) => pkt(`${a}\n`)), FLUSH);
  await rejectAll(t, [
    ['v2 unknown command', 'git-upload-pack', cat(pkt('command=frobnicate\n'), DELIM, FLUSH), undefined, v2],
    ['v2 empty command', 'git-upload-pack', cat(pkt('command=\n'), FLUSH), undefined, v2],
    ['v2 no command', 'git-upload-pack', cat(pkt('agent=x\n'), FLUSH), undefined, v2],
    ['v2 want of an unknown object', 'git-upload-pack', fetchV2(`want ${unknown}`, 'done'), undefined, v2],
    ['v2 want-ref of an unknown ref', 'git-upload-pack', fetchV2('want-ref refs/heads/nope', 'done'), undefined, v2],
    ['v2 unknown fetch argument', 'git-upload-pack', fetchV2(`want ${v.c2}`, 'frobnicate', 'done'), undefined, v2],
    ['v2 unsupported filter', 'git-upload-pack', fetchV2(`want ${v.c2}`, 'filter sparse:oid=abc', 'done'), undefined, v2],
    ['v2 deepen 0', 'git-upload-pack', fetchV2(`want ${v.c2}`, 'deepen 0', 'done'), undefined, v2],
    ['v2 deepen-not of an unknown ref', 'git-upload-pack', fetchV2(`want ${v.c2}`, 'deepen-not refs/heads/nope', 'done'), undefined, v2],
    ['v0 want of an unknown object', 'git-upload-pack', cat(pkt(`want ${unknown} side-band-64k\n`), FLUSH, pkt('done\n'))],
    ['v0 want of an unknown object, no caps', 'git-upload-pack', cat(pkt(`want ${unknown}\n`), FLUSH, pkt('done\n'))],
    ['v0 unexpected line', 'git-upload-pack', cat(pkt(`want ${v.c2}\n`), pkt('frobnicate\n'), FLUSH, pkt('done\n'))],
    ['v0 deepen -1', 'git-upload-pack', cat(pkt(`want ${v.c2}\n`), pkt('deepen -1\n'), FLUSH, pkt('done\n'))],
  ]);
});

test('after all the faults the repo clones and passes fsck', async () => {
  const hh = await h();
  const v = await victim();
  for (const protocol of [0, 2]) {
    const dir = hh.path(`victim-after-v${protocol}`);
    await hh.git(['clone', hh.remote(v.name), dir], { token: v.token, protocol });
    await hh.fsck(dir);
    assert.equal(await hh.head(dir), v.c2);
    assert.equal(await hh.head(dir, 'v1'), v.c1);
  }
  const refs = (await hh.git(['ls-remote', hh.remote(v.name)], { token: v.token })).stdout;
  assert.equal(refs, `${v.c2}\tHEAD\n${v.c2}\trefs/heads/main\n${v.c1}\trefs/tags/v1\n`, 'exactly the refs pushed before the faults');
});

test('20 clones push to one branch at once: one winner per round, the rest cleanly rejected, none lost', async (t) => {
  const hh = await h();
  const name = 'crowd';
  const { token, head: base } = await createRepoWithCommit(hh, name, { 'base.txt': 'base\n' }, 'base');

  const remoteMain = async () => {
    const res = await fetch(new URL(`/git/default/${name}.git/info/refs?service=git-upload-pack`, hh.url), { headers: { Authorization: `Bearer ${token}` } });
    const line = pktPayloads(Buffer.from(await res.arrayBuffer())).find((l) => l.endsWith(' refs/heads/main'));
    return line?.slice(0, 40);
  };
  const t0 = Date.now();
  const N = 20;
  const clones = Array.from({ length: N }, (_, i) => ({ i, dir: hh.path(`crowd-${i}`) }));
  // One clone over HTTP, copied N - 1 times: N independent repos with the same origin.
  await hh.git(['clone', '-q', hh.remote(name), clones[0].dir], { token, protocol: 2 });
  for (const c of clones.slice(1)) cpSync(clones[0].dir, c.dir, { recursive: true });
  await mapLimit(clones, 4, (c) => hh.commit(c.dir, { [`clone-${c.i}.txt`]: `from clone ${c.i}\n` }, `clone ${c.i}`));

  // Round 1: all N push at once on the same base. Later rounds: up to
  // RETRY of the remaining clones catch up (pull --rebase) and push at once.
  const RETRY = 3;
  const started = Date.now();
  t.diagnostic(`clones ready in ${started - t0} ms`);
  let pending = clones;
  let tip = base;
  const landed = [];
  for (let round = 1; pending.length > 0; round++) {
    assert.ok(round <= N, 'at most N rounds');
    const racers = round === 1 ? pending : pending.slice(0, RETRY);
    if (round > 1) await Promise.all(racers.map((c) => hh.git(['pull', '-q', '--rebase', 'origin', 'main'], { token, cwd: c.dir })));
    const results = await Promise.all(racers.map((c) => hh.run(['push', '--porcelain', 'origin', 'HEAD:refs/heads/main'], { token, cwd: c.dir })));
    const winners = racers.filter((_, k) => results[k].code === 0);
    assert.equal(winners.length, 1, `round ${round}: exactly one of ${racers.length} pushes wins (${winners.length})`);
    results.forEach((r, k) => {
      if (r.code === 0) return;
      assert.equal(r.code, 1, `round ${round}, clone ${racers[k].i}: a clean rejection, not a crash: ${r.stderr}`);
      assert.match(`${r.stdout}${r.stderr}`, /\[rejected\] \(fetch first\)|\[remote rejected\] \(stale|non-fast-forward|stale/, `clone ${racers[k].i}: ${r.stdout}${r.stderr}`);
    });
    const winner = winners[0];
    const [winnerHead, parent] = (await hh.git(['rev-parse', 'HEAD', 'HEAD~1'], { cwd: winner.dir })).stdout.trim().split('\n');
    assert.equal(parent, tip, `round ${round}: the winner built on the previous tip`);
    assert.equal(await remoteMain(), winnerHead, `round ${round}: the server has the winner's commit`);
    landed.push({ i: winner.i, id: winnerHead });
    tip = winnerHead;
    pending = pending.filter((c) => c !== winner);
    if (round === 1) t.diagnostic(`round 1 (${racers.length} pushes) in ${Date.now() - started} ms`);
  }
  t.diagnostic(`${N} rounds in ${Date.now() - started} ms`);

  const check = hh.path('crowd-check');
  await hh.git(['clone', '-q', hh.remote(name), check], { token, protocol: 2 });
  await hh.fsck(check);
  const log = (await hh.git(['log', '--format=%H %s', '--first-parent'], { cwd: check })).stdout.trim().split('\n');
  assert.equal(log.length, N + 1, 'a linear history of the base and N commits');
  assert.deepEqual(log.reverse(), [`${base} base`, ...landed.map((l) => `${l.id} clone ${l.i}`)], 'every push landed, in the order it won');
  for (let i = 0; i < N; i++) assert.equal(hh.readFile(check, `clone-${i}.txt`).toString(), `from clone ${i}\n`);
});

// ------------------------------------------------------------ SIGKILL
const BIN = fileURLToPath(new URL('../../js/bin/open-artifacts.js', import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts `open-artifacts serve` as a child; resolves once it listens.
function startChild(port, dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 20000);
    const onData = (d) => {
      out += d;
      if (/listening on/.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}
const killChild = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

test('SIGKILL mid-push: after restarts every repo clones, passes fsck and keeps every acknowledged push', { timeout: 120_000 }, async (t) => {
  const hh = await h(); // git environment and temp dirs only
  const port = await freePort();
  const dataDir = hh.path('killed-data');
  mkdirSync(dataDir, { recursive: true });
  let child = await startChild(port, dataDir);
  t.after(() => killChild(child));
  const base = `http://127.0.0.1:${port}`;
  // The REST API of the default namespace.
  const api = async (method, path, body) => {
    const res = await fetch(`${base}/client/v4/accounts/local/artifacts/namespaces/default${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  const repos = [];
  for (const name of ['k1', 'k2']) {
    const { status, body } = await api('POST', '/repos', { name });
    assert.equal(status, 201, JSON.stringify(body));
    const repo = { name, token: body.result.token, remote: `${base}/git/default/${name}.git`, dir: hh.path(`killed-${name}`), acked: [], n: 0 };
    await hh.git(['clone', '-q', repo.remote, repo.dir], { token: repo.token });
    repo.acked.push(await hh.commit(repo.dir, { 'README.md': `# ${name}\n` }, 'first'));
    await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token: repo.token, cwd: repo.dir });
    repos.push(repo);
  }

  // `count` new commits on the local main (fast-import: one process), some with a 64 KiB random blob.
  async function chain(repo, count) {
    const before = await hh.head(repo.dir, 'main');
    const parts = [];
    for (let k = 0; k < count; k++, repo.n++) {
      const msg = `${repo.name} commit ${repo.n}\n`;
      parts.push(Buffer.from(`commit refs/heads/main\ncommitter K I Ller <k@example.test> ${1700000000 + repo.n} +0000\ndata ${msg.length}\n${msg}`));
      if (k === 0) parts.push(Buffer.from(`from ${before}\n`));
      const text = `${repo.name} ${repo.n}\n`;
      parts.push(Buffer.from(`M 100644 inline n/${repo.n}.txt\ndata ${text.length}\n${text}\n`));
      if (repo.n % 2 === 0) {
        const blob = randomBytes(64 * 1024 + repo.n);
        parts.push(Buffer.from(`M 100644 inline blobs/${repo.n}.bin\ndata ${blob.length}\n`), blob, Buffer.from('\n'));
      }
      parts.push(Buffer.from('\n'));
    }
    const r = await gitWithInput(hh, ['fast-import', '--quiet', '--force'], Buffer.concat(parts), { cwd: repo.dir });
    assert.equal(r.code, 0, r.stderr);
    return (await hh.git(['rev-list', '--reverse', `${before}..main`], { cwd: repo.dir })).stdout.trim().split('\n');
  }

  const KILLS = 8;
  let attempted = 0;
  for (let round = 0; round < KILLS; round++) {
    const chains = await Promise.all(repos.map((repo) => chain(repo, 6)));
    let firstAck;
    const acked = new Promise((resolve) => (firstAck = resolve));
    const pushers = repos.map(async (repo, k) => {
      for (const id of chains[k]) {
        attempted++;
        const r = await hh.run(['push', '-q', 'origin', `${id}:refs/heads/main`], { token: repo.token, cwd: repo.dir, timeout: 20000 });
        if (r.code !== 0) break; // the server is gone
        repo.acked.push(id);
        firstAck();
      }
      firstAck();
    });
    // Kill at a random moment once this round's pushes are flowing.
    await acked;
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 600)));
    await killChild(child);
    await Promise.all(pushers);
    child = await startChild(port, dataDir);

    for (const repo of repos) {
      const ls = await hh.git(['ls-remote', repo.remote, 'refs/heads/main'], { token: repo.token });
      const remoteMain = ls.stdout.split('\t')[0];
      assert.match(remoteMain, /^[0-9a-f]{40}$/, `${repo.name}: main exists after restart ${round + 1}`);
      const last = repo.acked.at(-1);
      const ok = await hh.run(['merge-base', '--is-ancestor', last, remoteMain], { cwd: repo.dir });
      assert.equal(ok.code, 0, `${repo.name}: the last acknowledged push ${last} survived kill ${round + 1} (main is ${remoteMain})`);
    }
  }

  for (const repo of repos) {
    assert.ok(repo.acked.length >= 1, `${repo.name}: some pushes succeeded between kills`);
    const dir = hh.path(`killed-${repo.name}-final`);
    await hh.git(['clone', '-q', repo.remote, dir], { token: repo.token, protocol: 2 });
    await hh.fsck(dir);
    const all = new Set((await hh.git(['rev-list', 'HEAD'], { cwd: dir })).stdout.split('\n'));
    for (const id of repo.acked) assert.ok(all.has(id), `${repo.name}: acknowledged ${id} present`);
    // And the repo still takes pushes.
    const [id] = (await chain(repo, 1));
    await hh.git(['push', '-q', 'origin', `${id}:refs/heads/main`], { token: repo.token, cwd: repo.dir });
    assert.equal((await hh.git(['ls-remote', repo.remote, 'refs/heads/main'], { token: repo.token })).stdout.split('\t')[0], id);
  }
  const list = await api('GET', '/repos');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.result.map((r) => r.name).sort(), ['k1', 'k2']);
  t.diagnostic(`${attempted} pushes attempted; ${repos.map((r) => `${r.name}: ${r.acked.length - 1} acknowledged`).join(', ')}; ${KILLS} kills`);
  assert.ok(repos.reduce((n, r) => n + r.acked.length - 1, 0) >= KILLS, 'pushes landed between the kills');
});
