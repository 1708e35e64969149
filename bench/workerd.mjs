#!/usr/bin/env node
// Benchmark: the Worker entry `open-artifacts/worker` in real workerd (each repo a SQLite-backed Durable
// Object on disk) against `git http-backend`, pushing and cloning the benchmark fixture with the real git
// CLI over loopback, in one run. Reports wall times, ratios, CPU, workerd's RSS above idle and the
// isolate's heap (V8 inspector). See bench/README.md ("Workers: workerd with Durable Objects").
//
//   node bench/workerd.mjs [--runs 3] [--only push,clone] [--no-heap] [--keep] [--out bench/results/workerd.json]
//                          [--seed 1 --commits 2000 ...fixture parameters]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixture, formatStats, DEFAULT_PARAMS, ROOT, CACHE_DIR } from './make-fixture.mjs';
import { MiB, sleep, log, rmrf, median, fmtMs, fmtMiB, childrenOf, statusOf, cpuMs, printTable, machineSummary, printLoad, writeResults, makeWorkspace, cleanupOnce } from './lib/common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STEPS = ['push', 'clone'];
const LIMIT_BYTES = 128e6; // Cloudflare's 128 MB per isolate, read as 10^6 bytes (the stricter reading: 122 MiB)
const API_TOKEN = 'bench-workerd-api-token';
const REPOS_PATH = '/client/v4/accounts/local/artifacts/namespaces/default/repos';
const DURABLE_OBJECTS = [
  { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES', uniqueKey: 'open-artifacts-bench-namespace' },
  { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS', uniqueKey: 'open-artifacts-bench-repo' },
];

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { runs: 3, only: STEPS, heap: true, keep: false, out: path.join(HERE, 'results', 'workerd.json'), fixture: {} };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unknown argument ${argv[i]}`);
    const name = m[1];
    if (name === 'keep') { o.keep = true; continue; }
    if (name === 'no-heap') { o.heap = false; continue; }
    if (name === 'help') { o.help = true; continue; }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    const camel = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (name === 'runs') {
      o.runs = Number(value);
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
    } else if (name === 'only') {
      o.only = value.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of o.only) if (!STEPS.includes(s)) throw new Error(`unknown step ${s} (steps: ${STEPS.join(', ')})`);
    } else if (name === 'out') o.out = path.resolve(value);
    else if (camel in DEFAULT_PARAMS) o.fixture[camel] = Number(value);
    else throw new Error(`unknown option --${name}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Helpers

let clientEnv;
const gitSync = (args, opts = {}) => execFileSync('git', args, { env: clientEnv, encoding: 'utf8', maxBuffer: 1 << 28, ...opts }).trim();

function runGit(args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('git', args, { cwd, env: clientEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) reject(new Error(`git ${args.map((a) => a.replace(/(Bearer )\S+/, '$1***')).join(' ')} exited with ${code}: ${stderr.trim().slice(0, 2000)}`));
      else resolve({ ms, stderr });
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// /proc: VmRSS and VmHWM of one process (NaN when not known).
const memOf = (pid) => statusOf(pid, NaN) ?? { rss: NaN, hwm: NaN };
// RSS of a process and all its descendants (the http-backend bridge and its git children).
function treeRss(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) pids.push(...childrenOf(pids[i]));
  return pids.reduce((sum, p) => sum + (memOf(p).rss || 0), 0);
}

// Samples fn() (a byte count) every `ms` until stopped: { peak, samples }.
function sampler(fn, ms = 50) {
  let peak = fn();
  let samples = 1;
  const timer = setInterval(() => {
    const v = fn();
    if (Number.isFinite(v)) peak = Math.max(peak, v);
    samples++;
  }, ms);
  return () => {
    clearInterval(timer);
    const v = fn();
    if (Number.isFinite(v)) peak = Math.max(peak, v);
    return { peak, samples: samples + 1 };
  };
}

// The V8 inspector of workerd (--inspector-addr): one target per service ("main"; its Durable Objects
// run in the same isolate). heap() -> Runtime.getHeapUsage {usedSize, totalSize, embedderHeapUsedSize,
// backingStorageSize}, or null when the isolate does not answer within 2 s.
async function connectInspector(port) {
  let list;
  for (let i = 0; ; i++) {
    try {
      list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      break;
    } catch (e) {
      if (i > 50) throw e;
      await sleep(100);
    }
  }
  const target = list.find((t) => /\/main$/.test(t.webSocketDebuggerUrl ?? '')) ?? list[0];
  if (!target) throw new Error(`no inspector target: ${JSON.stringify(list)}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`inspector: cannot connect to ${target.webSocketDebuggerUrl}`));
  });
  let next = 0;
  const pending = new Map();
  let contextId; // the Worker's execution context (there is no default one to evaluate in)
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id !== undefined) {
      pending.get(m.id)?.(m);
      pending.delete(m.id);
    } else if (m.method === 'Runtime.executionContextCreated') {
      contextId = m.params.context.id;
    }
  };
  const call = (method, params = {}, timeoutMs = 2000) =>
    Promise.race([
      new Promise((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
      sleep(timeoutMs).then(() => null),
    ]);
  await call('Runtime.enable');
  return {
    heap: async () => (await call('Runtime.getHeapUsage'))?.result ?? null,
    // The bytes of every live WebAssembly.Memory in the isolate (the core's linear memory is not in
    // backingStorageSize). Runtime.queryObjects walks the heap: called at idle and after a step only
    // (linear memory never shrinks, so after a step it is the step's peak).
    async wasmBytes() {
      if (contextId === undefined) return null;
      const group = 'bench-wasm';
      try {
        const proto = await call('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype', contextId, objectGroup: group }, 10_000);
        const protoId = proto?.result?.result?.objectId;
        if (!protoId) return null;
        const found = await call('Runtime.queryObjects', { prototypeObjectId: protoId, objectGroup: group }, 10_000);
        const arrayId = found?.result?.objects?.objectId;
        if (!arrayId) return null;
        const sizes = await call('Runtime.callFunctionOn', {
          objectId: arrayId, functionDeclaration: 'function () { return this.map((m) => m.buffer.byteLength); }', returnByValue: true,
        }, 10_000);
        const value = sizes?.result?.result?.value;
        return Array.isArray(value) ? { bytes: value.reduce((a, b) => a + b, 0), memories: value.length } : null;
      } finally {
        await call('Runtime.releaseObjectGroup', { objectGroup: group });
      }
    },
    close: () => ws.close(),
  };
}

// Samples the isolate's heap every ~200 ms until stopped: the peak of each field.
function heapSampler(inspector) {
  const peak = { usedSize: 0, totalSize: 0, embedderHeapUsedSize: 0, backingStorageSize: 0, usedPlusBacking: 0 };
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const h = await inspector.heap();
      if (h) {
        samples++;
        for (const k of Object.keys(peak)) if (k in h) peak[k] = Math.max(peak[k], h[k]);
        peak.usedPlusBacking = Math.max(peak.usedPlusBacking, h.usedSize + h.backingStorageSize);
      }
      await sleep(200);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const h = await inspector.heap();
    if (h) {
      samples++;
      for (const k of Object.keys(peak)) if (k in h) peak[k] = Math.max(peak[k], h[k]);
      peak.usedPlusBacking = Math.max(peak.usedPlusBacking, h.usedSize + h.backingStorageSize);
    }
    return { ...peak, samples };
  };
}

// ---------------------------------------------------------------------------------------------
// Targets: start() -> { name, pid, createRepo(name) -> { url, authArgs }, url(name), authArgs(name),
// prepare(step, repo) (workerd: a fresh process, warmed up, idle measured), close() }.

function httpBackendTarget(workDir) {
  const root = path.join(workDir, 'http-backend');
  let child;
  let base;
  return {
    name: 'http-backend',
    kind: 'baseline',
    async start() {
      child = spawn(process.execPath, [path.join(HERE, 'http-backend-server.mjs'), '--root', root], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      const line = await new Promise((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (c) => {
          buf += c;
          if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
        });
        child.on('exit', (code) => reject(new Error(`http-backend-server exited with ${code}`)));
      });
      const msg = JSON.parse(line);
      base = msg.url.replace(/\/$/, '');
      this.pid = msg.pid;
      return this;
    },
    async createRepo(name) {
      const res = await fetch(`${base}${REPOS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      if (res.status !== 201) throw new Error(`http-backend: create ${name}: ${res.status} ${await res.text()}`);
      return { url: (await res.json()).result.remote, authArgs: [] };
    },
    url: (name) => `${base}/git/default/${name}.git`,
    authArgs: () => [],
    async prepare() {
      return { idle: treeRss(this.pid) };
    },
    memory: () => ({ sample: () => treeRss(child.pid), hwm: () => NaN }),
    close() {
      if (!child || child.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', resolve);
        child.stdin.end();
        child.kill('SIGTERM');
      });
    },
  };
}

function workerdTarget(workDir, { heap }) {
  const stateDir = path.join(workDir, 'workerd-state');
  const tokens = new Map();
  let worker;
  let inspector;
  let port;
  let inspectorPort;
  let harness;
  const target = {
    name: 'workerd',
    kind: 'workerd',
    async launch() {
      harness ??= await import('../tests/js/workerd-harness.mjs');
      inspector?.close();
      inspector = null;
      if (worker) await worker.stop();
      inspectorPort = heap ? await freePort() : undefined;
      worker = await harness.startBundledWorker('durable-worker.mjs', {
        durableObjects: DURABLE_OBJECTS,
        stateDir,
        port,
        inspectorPort,
        outName: 'bench-workerd',
        vars: { ARTIFACTS_API_TOKEN: API_TOKEN },
      });
      port = worker.port;
      target.pid = worker.pid;
      // Up: any answer from the entry.
      await (await worker.fetch(`${worker.url}/`)).arrayBuffer();
      if (heap) inspector = await connectInspector(inspectorPort);
    },
    async start() {
      mkdirSync(stateDir, { recursive: true });
      await target.launch();
      return target;
    },
    async createRepo(name) {
      const res = await fetch(`${worker.url}${REPOS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
        body: JSON.stringify({ name }),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`workerd: create ${name}: ${res.status} ${text.slice(0, 500)}\n${worker.output().slice(-2000)}`);
      const { remote, token } = JSON.parse(text).result;
      tokens.set(name, token);
      return { url: remote, authArgs: target.authArgs(name) };
    },
    url: (name) => `${worker.url}/git/default/${name}.git`,
    authArgs: (name) => ['-c', `http.extraHeader=Authorization: Bearer ${tokens.get(name)}`],
    // A fresh workerd on the same state and port before each measured step: VmHWM then covers one
    // step only (and is reset once more right before it), and no earlier step's heap or wasm memory
    // (which never shrinks) counts as "idle". Warmed up (the entry and, for a clone, the repo's
    // Durable Object loaded) and left idle for 0.5 s, then idle RSS is the median of 5 samples.
    async prepare(step, repo) {
      await target.launch();
      const fresh = memOf(worker.pid).rss;
      if (step === 'clone') await runGit([...target.authArgs(repo), '-c', 'protocol.version=2', 'ls-remote', target.url(repo)]);
      else await (await fetch(`${worker.url}${REPOS_PATH}?limit=1`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).arrayBuffer();
      await sleep(500);
      const idles = [];
      for (let i = 0; i < 5; i++) {
        idles.push(memOf(worker.pid).rss);
        await sleep(20);
      }
      let hwmReset = false;
      try {
        writeFileSync(`/proc/${worker.pid}/clear_refs`, '5'); // VmHWM := VmRSS
        hwmReset = true;
      } catch { /* not permitted: VmHWM then covers this process's whole (short) life */ }
      const idleHeap = inspector ? await inspector.heap() : null;
      const idleWasm = inspector ? await inspector.wasmBytes() : null;
      return { fresh, idle: median(idles), hwmReset, idleHeap, idleWasm };
    },
    memory: () => ({ sample: () => memOf(worker.pid).rss, hwm: () => memOf(worker.pid).hwm }),
    heapSampler: () => (inspector ? heapSampler(inspector) : null),
    wasmBytes: () => (inspector ? inspector.wasmBytes() : null),
    output: () => worker?.output() ?? '',
    async close() {
      inspector?.close();
      await worker?.stop();
    },
  };
  return target;
}

// ---------------------------------------------------------------------------------------------
// Main

let cleanupHook = async () => {};

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 9).join('\n').replace(/^\/\/ ?/gm, ''));
    return;
  }
  if (!existsSync(path.join(ROOT, 'js', 'src', 'worker', 'index.js'))) throw new Error('js/src/worker/index.js (the Worker entry) is missing');
  if (!existsSync(path.join(ROOT, 'js', 'dist', 'open_artifacts_core.wasm'))) throw new Error('js/dist/open_artifacts_core.wasm is missing: run scripts/build.sh');
  const tStart = performance.now();
  const loadStart = os.loadavg()[0];
  const steps = new Set(opts.only);

  const fx = await ensureFixture(opts.fixture, { log });
  const fixture = fx.repo;
  log(`${fx.cached ? 'cached' : 'generated'} ${fixture}`);
  log(formatStats(fx.stats));

  const workDir = path.join(CACHE_DIR, `workerd-${process.pid}`);
  clientEnv = makeWorkspace(workDir);
  const refsOf = (repo) => gitSync(['-C', repo, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']);
  const fixtureRefs = refsOf(fixture);

  const targets = [httpBackendTarget(workDir), workerdTarget(workDir, { heap: opts.heap })];
  const cleanup = cleanupOnce(targets, workDir, opts.keep);
  cleanupHook = cleanup;
  for (const t of targets) {
    await t.start();
    log(`${t.name}: pid ${t.pid}`);
  }

  // results[step][target] = { samples: [ms], cpu: [ms], memory: [{...}] }
  const results = {};
  const errors = [];
  // Keeps the figures of run `run` of `step` on target t (measured()'s result) and logs them.
  const record = (step, t, run, value) => {
    const r = ((results[step] ??= {})[t.name] ??= { samples: [], cpuMs: [], memory: [] });
    r.samples.push(value.ms);
    r.cpuMs.push(value.cpu);
    r.memory.push(value.memory);
    const m = value.memory;
    log(`  ${t.name} ${step} #${run + 1}: ${fmtMs(value.ms)}, server CPU ${fmtMs(value.cpu)}, RSS ${fmtMiB(m.idle)} idle -> ${fmtMiB(m.peak)} peak` +
      (m.heapPeak ? `, isolate: JS heap ${fmtMiB(m.heapPeak.usedSize)} + backing stores ${fmtMiB(m.heapPeak.backingStorageSize)}` +
        ` + wasm ${fmtMiB(m.wasm?.bytes)} (${m.wasm?.memories} memories)` : ''));
  };
  // A failed run: an error of the report, logged with the end of the server's output.
  const failed = (step, t, run, err) => {
    errors.push(`${t.name} ${step} #${run + 1}: ${err.message}`);
    log(`  ${t.name} ${step} failed: ${err.message}${t.output ? `\n${t.output().slice(-3000)}` : ''}`);
  };
  const orderFor = (run) => (run % 2 ? [...targets].reverse() : targets);
  const full = new Map(); // target name -> a repo holding the whole fixture

  // One measured step: prepare (workerd: restart, warm up, idle), then fn() with RSS sampled every
  // 50 ms (and VmHWM read after), the isolate heap every 200 ms, and the server's CPU time.
  async function measured(t, step, repo, fn) {
    const before = await t.prepare(step, repo);
    const mem = t.memory();
    const stopRss = sampler(mem.sample, 50);
    const stopHeap = t.heapSampler?.();
    const cpu0 = cpuMs(t.pid);
    let res;
    let rss;
    let heapPeak = null;
    try {
      res = await fn();
    } finally {
      rss = stopRss();
      heapPeak = stopHeap ? await stopHeap() : null;
    }
    for (let i = 0; i < 60 && childrenOf(t.pid).length; i++) await sleep(50); // let CGI children be reaped
    const cpu = cpuMs(t.pid) - cpu0;
    const hwm = mem.hwm();
    const wasm = (await t.wasmBytes?.()) ?? null;
    // The isolate's peak, as Cloudflare counts its 128 MB: the largest sampled JS heap + ArrayBuffer
    // backing stores, plus the wasm memory after the step (it never shrinks: its peak).
    const isolatePeak = heapPeak && wasm ? heapPeak.usedPlusBacking + wasm.bytes : null;
    const peak = Math.max(rss.peak, before.hwmReset ? hwm : -Infinity);
    return {
      ms: res.ms,
      cpu,
      memory: {
        idle: before.idle, fresh: before.fresh, peakSampled: rss.peak, vmHWM: Number.isFinite(hwm) ? hwm : null, hwmReset: before.hwmReset ?? false,
        peak, aboveIdle: peak - before.idle, rssSamples: rss.samples, idleHeap: before.idleHeap ?? null, heapPeak,
        idleWasm: before.idleWasm ?? null, wasm, isolatePeak,
      },
    };
  }

  if (steps.has('push')) {
    log(`push: ${opts.runs} run(s) per target`);
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        const repo = `push-${run + 1}`;
        try {
          const info = await t.createRepo(repo);
          const r = await measured(t, 'push', repo, () =>
            runGit([...info.authArgs, '-C', fixture, 'push', '--quiet', info.url, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']));
          if (run === 0) {
            const dest = path.join(workDir, 'verify');
            rmrf(dest);
            await runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'clone', '--bare', '--quiet', t.url(repo), dest]);
            if (refsOf(dest) !== fixtureRefs) throw new Error(`${t.name}: the pushed refs differ from the fixture`);
            await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
            rmrf(dest);
          }
          record('push', t, run, r);
          full.set(t.name, repo);
        } catch (err) {
          failed('push', t, run, err);
        }
      }
    }
  }

  if (steps.has('clone')) {
    log(`clone: ${opts.runs} run(s) per target`);
    for (const t of targets) {
      if (full.has(t.name)) continue;
      try {
        const info = await t.createRepo('seed-full');
        await runGit([...info.authArgs, '-C', fixture, 'push', '--quiet', info.url, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
        full.set(t.name, 'seed-full');
      } catch (err) {
        errors.push(`${t.name} clone seed: ${err.message}`);
      }
    }
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        if (!full.has(t.name)) continue;
        const repo = full.get(t.name);
        const dest = path.join(workDir, `clone-${run}`);
        try {
          rmrf(dest);
          const r = await measured(t, 'clone', repo, () =>
            runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'clone', '--bare', '--quiet', t.url(repo), dest]));
          if (refsOf(dest) !== fixtureRefs) throw new Error('cloned refs differ from the fixture');
          if (run === 0) await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
          record('clone', t, run, r);
        } catch (err) {
          failed('clone', t, run, err);
        } finally {
          rmrf(dest);
        }
      }
    }
  }

  await cleanup();
  const seconds = (performance.now() - tStart) / 1000;

  // Report.
  const summary = {};
  const table = [['step', 'http-backend', 'workerd', 'ratio', 'server CPU: http-backend', 'workerd', 'ratio', 'workerd RSS above idle (max)', 'isolate: heap + buffers + wasm (max)']];
  const maxOf = (xs) => (xs.length ? Math.max(...xs) : null);
  for (const step of STEPS.filter((s) => steps.has(s))) {
    const b = results[step]?.['http-backend'];
    const w = results[step]?.workerd;
    const bm = b ? median(b.samples) : null;
    const wm = w ? median(w.samples) : null;
    const bc = b ? median(b.cpuMs) : null;
    const wc = w ? median(w.cpuMs) : null;
    const above = w ? maxOf(w.memory.map((m) => m.aboveIdle)) : null;
    const peak = w ? maxOf(w.memory.map((m) => m.peak)) : null;
    const idle = w ? median(w.memory.map((m) => m.idle)) : null;
    const isolates = w ? w.memory.map((m) => m.isolatePeak).filter(Number.isFinite) : [];
    const heapMax = isolates.length ? Math.max(...isolates) : null;
    const backendAbove = b ? maxOf(b.memory.map((m) => m.aboveIdle)) : null;
    summary[step] = {
      httpBackendMs: bm, workerdMs: wm, ratio: bm && wm ? wm / bm : null,
      httpBackendServerCpuMs: bc, workerdCpuMs: wc, cpuRatio: bc && wc ? wc / bc : null,
      workerdIdleRss: idle, workerdPeakRss: peak, workerdPeakAboveIdle: above,
      workerdIsolateHeapPeak: heapMax, httpBackendTreePeakAboveIdle: backendAbove,
      // Cloudflare counts the isolate (JS heap and wasm memory); the process RSS above idle also has
      // workerd's and SQLite's own memory, so it is an upper bound of what the isolate adds.
      isolateUnderLimit: heapMax === null ? null : heapMax < LIMIT_BYTES,
      rssAboveIdleUnderLimit: above === null ? null : above < LIMIT_BYTES,
    };
    table.push([
      `${step} (median of ${opts.runs})`, fmtMs(bm), fmtMs(wm), bm && wm ? `${(wm / bm).toFixed(2)}x` : '-',
      fmtMs(bc), fmtMs(wc), bc && wc ? `${(wc / bc).toFixed(2)}x` : '-',
      above === null ? '-' : `${fmtMiB(above)} (idle ${fmtMiB(idle)}, peak ${fmtMiB(peak)})`,
      heapMax === null ? '-' : fmtMiB(heapMax),
    ]);
  }
  console.log('');
  console.log(formatStats(fx.stats));
  console.log(`machine: ${machineSummary(gitSync(['--version']))}, ` +
    `workerd ${gitSafe(() => execFileSync(path.join(ROOT, 'node_modules', '.bin', 'workerd'), ['--version'], { encoding: 'utf8' }).trim())}; runs ${opts.runs}`);
  printTable(table);
  const under = (ok) => (ok ? 'under' : 'NOT under');
  for (const [step, s] of Object.entries(summary)) {
    if (s.rssAboveIdleUnderLimit === null) continue;
    console.log(`${step}: the isolate (JS heap + ArrayBuffers + wasm memory) peaked at ` +
      (s.isolateUnderLimit === null ? 'an unmeasured size (--no-heap)' : `${fmtMiB(s.workerdIsolateHeapPeak)}: ${under(s.isolateUnderLimit)} 128 MB`) +
      `; workerd's whole process peaked ${fmtMiB(s.workerdPeakAboveIdle)} above idle: ${under(s.rssAboveIdleUnderLimit)} 128 MB`);
  }
  for (const e of errors) console.log(`error: ${e}`);
  const loadEnd = os.loadavg()[0];
  console.log(`ratio = workerd / http-backend (lower is better); wall times are medians of the git client; server CPU is the server process's ` +
    `user+sys (http-backend: with its reaped git children); RSS is workerd's own process, restarted before each measured step.`);
  printLoad(loadStart, loadEnd, seconds);
  writeResults(opts.out, { script: 'bench/workerd.mjs', seconds, gitVersion: gitSync(['--version']), loadStart, loadEnd }, {
    options: { runs: opts.runs, only: opts.only, heap: opts.heap },
    limitBytes: LIMIT_BYTES,
    fixture: { key: fx.key, ...fx.stats },
    errors, summary, results,
  });
  if (errors.length) process.exitCode = 1;
}

function gitSafe(fn) {
  try {
    return fn();
  } catch {
    return '?';
  }
}

// Node 20 has a WebSocket client only behind a flag (the inspector speaks WebSocket): run again with it.
if (typeof globalThis.WebSocket !== 'function' && !process.argv.includes('--no-heap') && !process.env.BENCH_WORKERD_REEXEC) {
  const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_WORKERD_REEXEC: '1' },
  });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().then(() => process.exit(), async (err) => {
    console.error(err?.stack ?? err);
    await cleanupHook();
    process.exit(1);
  });
}
