// The hardening issue's attacks at the size they were reported, against a
// server in a child process: what each costs (time, the longest wait of an
// unrelated request meanwhile, the server's memory) and how it is answered. A benchmark,
// not a test (tests/js/hostile_requests.test.mjs asserts the bounds at a
// smaller scale). Run it against an older checkout's server to compare:
//
//   node bench/hostile.mjs                                   # this checkout
//   node bench/hostile.mjs --server ../old/js/src/server.js  # another one (same startServer contract)
//   node bench/hostile.mjs --only delta,commands             # some attacks only
import { parseArgs, promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { ZERO, pkt, FLUSH, DELIM, cat, emptyPack, packOf, objectId, copyAllDelta } from '../tests/js/git-wire.mjs';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: new URL('../js/src/server.js', import.meta.url).pathname },
    only: { type: 'string', default: 'delta,commands,held,prefixes' },
  },
});
const only = new Set(values.only.split(','));
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'oa-hostile-'));
// The server runs in its own process so that its RSS is its own (this
// process holds the attack bodies) and its event loop is the only one it has.
const child = spawn(process.execPath, ['--input-type=module', '-e', `
  const { startServer } = await import(${JSON.stringify(pathToFileURL(resolve(values.server)).href)});
  const server = await startServer({ port: 0, dataDir: ${JSON.stringify(join(work, 'data'))} });
  console.log(server.url);
`], { stdio: ['ignore', 'pipe', 'inherit'] });
const [firstLine] = await once(child.stdout, 'data');
const base = firstLine.toString().trim().split('\n')[0];
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;

function http(method, path, { headers = {}, body, token } = {}) {
  return new Promise((done, fail) => {
    const req = request(new URL(path, base), { method, agent: false, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
  });
}
// The REST API; a checkout from before it (--server) has only /api/repos.
async function createRepo(name) {
  const post = (path) => http('POST', path, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
  let r = await post('/client/v4/accounts/local/artifacts/namespaces/default/repos');
  if (r.status === 404) r = await post('/api/repos');
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.body}`);
  return JSON.parse(r.body).result.token;
}
// Asynchronous: the server runs in this process, so a blocking call would wait on itself.
const execFileAsync = promisify(execFile);
const git = async (args, cwd, token) =>
  (await execFileAsync('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, '-c', 'user.name=b', '-c', 'user.email=b@x', ...args], { cwd, maxBuffer: 1 << 26 })).stdout;

// Runs `attack` while an unrelated request (info/refs of another repo) is sent
// again and again; reports the attack's answer and the longest such request.
let probeCount = 0;
async function measure(label, attack) {
  const probe = `probe-${++probeCount}`;
  const probeToken = await createRepo(probe);
  let done = false;
  let longest = 0;
  let probes = 0;
  const poller = (async () => {
    while (!done) {
      const t0 = performance.now();
      await http('GET', `/git/default/${probe}.git/info/refs?service=git-upload-pack`, { token: probeToken });
      longest = Math.max(longest, performance.now() - t0);
      probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const before = rss();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 20);
  const t0 = performance.now();
  let answer;
  try {
    answer = await attack();
  } catch (e) {
    answer = `error: ${e.message}`;
  }
  const ms = performance.now() - t0;
  done = true;
  await poller;
  clearInterval(sampler);
  const row = { attack: label, answer, seconds: +(ms / 1000).toFixed(2), longestOtherRequestMs: Math.round(longest), otherRequests: probes, serverRssBeforeMiB: Math.round(before), serverRssPeakMiB: Math.round(peak), serverRssAfterMiB: Math.round(rss()) };
  console.log(JSON.stringify(row));
  return row;
}
const statusLine = (r) => `HTTP ${r.status} ${r.body.toString('latin1').replace(/[\x00-\x1f]/g, ' ').slice(0, 90)}`;

const rows = [];
if (only.has('delta')) {
  // A 32 MiB blob, then ~48 KB of 400 REF_DELTAs that each copy all of it.
  const token = await createRepo('delta-bomb');
  const dir = join(work, 'delta');
  mkdirSync(dir);
  await git(['init', '-q', '-b', 'main'], dir, token);
  const big = randomBytes(32 * MiB - 8); // each result (base + "#<i>") stays within the 32 MB object limit
  writeFileSync(join(dir, 'big.bin'), big);
  await git(['add', '.'], dir, token);
  await git(['commit', '-q', '-m', 'big'], dir, token);
  await git(['push', '-q', `${base}/git/default/delta-bomb.git`, 'HEAD:refs/heads/main'], dir, token);
  const commit = (await git(['rev-parse', 'HEAD'], dir, token)).toString().trim();
  const entries = [];
  for (let i = 0; i < 400; i++) entries.push({ type: 'refDelta', base: objectId('blob', big), data: copyAllDelta(big.length, `#${i}`) });
  const body = cat(pkt(`${ZERO} ${commit} refs/heads/bomb\0report-status\n`), FLUSH, packOf(entries));
  rows.push(await measure(`delta (${body.length} B push, 400 deltas on a 32 MiB blob)`, async () =>
    statusLine(await http('POST', '/git/default/delta-bomb.git/git-receive-pack', { token, body, headers: { 'Content-Type': 'application/x-git-receive-pack-request' } }))));
}
if (only.has('commands')) {
  const token = await createRepo('command-bomb');
  const name = `refs/heads/${'x'.repeat(65400)}`;
  const commands = [];
  for (let i = 0; i < 10000; i++) commands.push(pkt(`${ZERO} ${'1'.repeat(40)} ${name}${i}\n`));
  const body = gzipSync(cat(...commands, FLUSH, emptyPack()), { level: 9 });
  rows.push(await measure(`commands (10,000 x 65 KB names, ${(body.length / MiB).toFixed(1)} MiB gzip)`, async () =>
    statusLine(await http('POST', '/git/default/command-bomb.git/git-receive-pack', { token, body, headers: { 'Content-Type': 'application/x-git-receive-pack-request', 'Content-Encoding': 'gzip' } }))));
}
if (only.has('held')) {
  // 29 chunked gzip upload-pack requests that send 60 MiB (decompressed) each and never end.
  const token = await createRepo('held');
  const have = pkt(`have ${'2'.repeat(40)}\n`).toString('latin1');
  const chunk = gzipSync(Buffer.alloc(60 * MiB, have, 'latin1'), { level: 9 }).subarray(0, -8);
  rows.push(await measure('held (29 open gzip upload-pack requests, 60 MiB each)', async () => {
    const held = [];
    for (let i = 0; i < 29; i++) {
      const req = request(new URL('/git/default/held.git/git-upload-pack', base), {
        method: 'POST', agent: false,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' },
      });
      req.on('error', () => {});
      req.on('response', (res) => res.resume());
      req.write(chunk);
      held.push(req);
    }
    await new Promise((r) => setTimeout(r, 5000));
    const heldRss = Math.round(rss());
    for (const req of held) req.destroy();
    const after = await http('GET', '/git/default/held.git/info/refs?service=git-upload-pack', { token });
    return `server RSS with them held ${heldRss} MiB; a later request: HTTP ${after.status}`;
  }));
}
if (only.has('prefixes')) {
  const token = await createRepo('prefixes');
  const prefix = pkt('ref-prefix refs/heads/nothing\n').toString('latin1');
  const body = gzipSync(cat(pkt('command=ls-refs\n'), DELIM, Buffer.alloc(prefix.length * 1_000_000, prefix, 'latin1'), FLUSH), { level: 9 });
  rows.push(await measure('prefixes (ls-refs with 1,000,000 ref-prefix lines)', async () =>
    statusLine(await http('POST', '/git/default/prefixes.git/git-upload-pack', { token, body, headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip', 'Git-Protocol': 'version=2' } }))));
}

console.log('\n| attack | answer | time | longest other request | server RSS before → peak → after |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.attack} | ${r.answer} | ${r.seconds} s | ${r.longestOtherRequestMs} ms (${r.otherRequests} served) | ${r.serverRssBeforeMiB} → ${r.serverRssPeakMiB} → ${r.serverRssAfterMiB} MiB |`);
child.kill();
rmSync(work, { recursive: true, force: true });
