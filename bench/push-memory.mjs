#!/usr/bin/env node
// Where a push's memory goes: our server in this process (SqliteStorage in a fresh directory), one push of
// every branch and tag of a fixture by the git CLI, with process.memoryUsage() and the wasm heap sampled
// every 20 ms. Prints idle, peak and peak - idle of: process RSS, JS heap, external memory, ArrayBuffers,
// the wasm memory, and the wasm heap's bytes in use and high-water mark (mallinfo); then the server CPU.
//   node bench/push-memory.mjs [--fixture default|large] [--clones]   (--clones: then a first and a second clone)
//   node bench/push-memory.mjs [--fixture ...] --first-clone   (the same measures of a first clone instead, on a
//                                                               server started after the push, in a fresh process)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureFixture, cleanGitEnv } from './make-fixture.mjs';
import { serverNodeSettings, log, rmrf, fmtMiB, REPOS_PATH } from './lib/common.mjs';
import { startServer } from '../js/src/server.js';
import { loadCore } from '../js/src/node.js';

// The server runs in this process: with the environment and node flags `npm start` gives it (the
// flags given to this script come after, and win).
if (!process.env.OA_BENCH_SERVER_SETTINGS) {
  const settings = serverNodeSettings();
  const r = spawnSync(process.execPath, [...settings.flags, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, ...settings.env, OA_BENCH_SERVER_SETTINGS: '1' } });
  if (r.error) throw r.error;
  process.exit(r.status ?? 1);
}
const { values: opts } = parseArgs({ options: {
  fixture: { type: 'string', default: 'default' }, clones: { type: 'boolean' }, 'first-clone': { type: 'boolean' },
  'push-into': { type: 'string' }, // internal: --first-clone's push, in a child process, into this directory
} });
const fx = await ensureFixture({}, { log, fixture: opts.fixture });
const work = opts['push-into'] ?? mkdtempSync(path.join(os.tmpdir(), 'oa-push-memory-'));
if (opts['first-clone']) {
  // The push runs in a child on the same data directory: this process's wasm heap starts idle.
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--fixture', opts.fixture, '--push-into', work],
    { stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const env = cleanGitEnv({ HOME: work });
let core;
const srv = await startServer({ port: 0, dataDir: path.join(work, 'data'), loadCore: async () => (core = await loadCore()) });

const git = (args) => new Promise((resolve, reject) => {
  const p = spawn('git', args, { stdio: 'inherit', env });
  p.on('exit', (code) => (code ? reject(new Error(`git ${args.find((a) => !a.startsWith('-'))} exited ${code}`)) : resolve()));
});
// The repo: made over REST, or (--first-clone) found, with a token minted for it.
const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  .then((r) => r.json()).then((j) => j.result);
const { remote, token } = opts['first-clone']
  ? { remote: (await fetch(`${srv.url}${REPOS_PATH}/p`).then((r) => r.json())).result.remote,
      token: (await post(`${srv.url}${REPOS_PATH.replace(/repos$/, 'tokens')}`, { repo: 'p' })).plaintext }
  : await post(`${srv.url}${REPOS_PATH}`, { name: 'p' });
const auth = ['-c', `http.extraHeader=Authorization: Bearer ${token}`];

const sample = () => {
  const m = process.memoryUsage();
  const heap = JSON.parse(core.heapStats());
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: m.rss, rssAnon: kib('RssAnon'), rssFile: kib('RssFile'), jsHeap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers,
    wasmMemory: heap.memoryBytes, wasmInUse: heap.inUseBytes, wasmHighWater: heap.peakBytes };
};
const idle = sample();
const peak = { ...idle };
const timer = setInterval(() => {
  for (const [k, v] of Object.entries(sample())) peak[k] = Math.max(peak[k], v);
}, 20);

const timed = async (label, args) => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await git(args);
  const cpu = process.cpuUsage(cpu0);
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s, server CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
};
if (opts['first-clone']) {
  const dest = path.join(work, 'clone');
  await timed('first clone', [...auth, '-c', 'protocol.version=2', 'clone', '--bare', '--quiet', remote, dest]);
  rmrf(dest);
} else {
  await timed('push', [...auth, '-C', fx.repo, 'push', '--quiet', remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
}
clearInterval(timer);
if (opts['push-into']) {
  await srv.close();
  process.exit(0); // the parent clones what was pushed
}
console.log(`fixture ${opts.fixture}: ${fx.stats.objects} objects`);
console.log('| measure | idle | peak | peak - idle |\n|---|---:|---:|---:|');
for (const k of Object.keys(idle)) console.log(`| ${k} | ${fmtMiB(idle[k])} | ${fmtMiB(peak[k])} | ${fmtMiB(peak[k] - idle[k])} |`);
if (opts.clones) {
  for (const label of ['first clone', 'second clone']) {
    const dest = path.join(work, 'clone');
    await timed(label, [...auth, '-c', 'protocol.version=2', 'clone', '--bare', '--quiet', remote, dest]);
    rmrf(dest);
  }
}
await srv.close();
rmrf(work);
process.exit(0);
