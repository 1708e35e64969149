#!/usr/bin/env node
// MemoryStorage under a large push: the benchmark repo's main branch cut at 1/4, 1/2 and all of its
// history, each pushed by the git CLI into a fresh MemoryStorage-backed `artifacts` served over a
// small node:http server in this process (artifacts.fetch). Measured twice: with MemoryStorage as
// it is (a B+tree of keys, js/src/sorted-key-set.js), and with the sorted array it replaced (kept
// here only as the baseline: every new key spliced into one array, O(n) each). Linear growth
// shows as a steady time per object across the three sizes.
//
// A push's time is mostly the core's (inflating, hashing, delta work) and git's, and it is noisy on
// a shared machine; so the storage calls of each push are also recorded and replayed alone into
// fresh storages of both kinds, and once more four times over into one storage (four such repos).
// Not a test: it prints tables.
//
//   node bench/memory-storage.mjs [--runs 1]
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureFixture, cleanGitEnv } from './make-fixture.mjs';
import { startInProcessServer } from '../tests/js/in-process-server.mjs';
import { MemoryStorage } from '../js/src/node.js';
import { PrefixedStorage } from '../js/src/prefixed-store.js';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;
const log = (m) => process.stderr.write(`${m}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

// The MemoryStorage before this benchmark's change, verbatim but for the name: one sorted key array.
class SortedArrayMap {
  #keys = [];
  #values = new Map();

  #lowerBound(key) {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key) {
    return this.#values.get(key) ?? null;
  }

  scan(prefix, after, limit) {
    const out = [];
    let i = after && after >= prefix ? this.#lowerBound(after) : this.#lowerBound(prefix);
    if (after && this.#keys[i] === after) i++;
    for (; i < this.#keys.length && out.length < limit; i++) {
      const key = this.#keys[i];
      if (!key.startsWith(prefix)) break;
      out.push([key, this.#values.get(key)]);
    }
    return out;
  }

  batch(ops) {
    for (const op of ops) {
      const exists = this.#values.has(op.key);
      if (op.type === 'put') {
        if (!exists) this.#keys.splice(this.#lowerBound(op.key), 0, op.key);
        this.#values.set(op.key, op.value);
      } else if (exists) {
        this.#keys.splice(this.#lowerBound(op.key), 1);
        this.#values.delete(op.key);
      }
    }
  }
}

const IMPLEMENTATIONS = {
  'B+tree (now)': () => new MemoryStorage(),
  'sorted array (before)': () => new PrefixedStorage(new SortedArrayMap()),
};

// Storage handles that add up the time spent inside storage calls, count the keys written and
// record every call as [handle, method, args] (handle: "registry:<ns>" or "repo:<id>").
function timedStorage(storage) {
  const totals = { ms: 0, puts: 0 };
  const calls = [];
  const timed = (name, handle) => {
    const wrap = (method) => (...args) => {
      calls.push([name, method, args]);
      if (method === 'batch') totals.puts += args[0].filter((op) => op.type === 'put').length;
      const t0 = performance.now();
      try {
        return handle[method](...args);
      } finally {
        totals.ms += performance.now() - t0;
      }
    };
    return { get: wrap('get'), scan: wrap('scan'), batch: wrap('batch') };
  };
  return {
    totals,
    calls,
    storage: {
      registry: (ns) => timed(`registry:${ns}`, storage.registry(ns)),
      repo: (id) => timed(`repo:${id}`, storage.repo(id)),
      repoIds: () => storage.repoIds(),
      sharesRepoStorage: true,
    },
  };
}

// Repo id prefixes of the copies, in the mixed order random repo ids come in: each copy's keys
// land before, after or between the earlier copies' (a sorted array pays for every key after).
const COPY_PREFIXES = ['b', 'd', 'a', 'c'];

// Replays recorded calls `copies` times into `storage` (each copy with its own repo ids); ms.
function replay(storage, calls, copies = 1) {
  const handles = new Map();
  const handle = (name, copy) => {
    const key = `${name}#${copy}`;
    if (!handles.has(key)) {
      const [kind, id] = [name.slice(0, name.indexOf(':')), name.slice(name.indexOf(':') + 1)];
      handles.set(key, kind === 'repo' ? storage.repo(`${COPY_PREFIXES[copy]}${id}`) : storage.registry(id));
    }
    return handles.get(key);
  };
  const t0 = performance.now();
  for (let copy = 0; copy < copies; copy++) {
    for (const [name, method, args] of calls) handle(name, copy)[method](...args);
  }
  return performance.now() - t0;
}


const fx = await ensureFixture({}, { log });
const git = (args) => execFileSync('git', ['-C', fx.repo, ...args], { env: cleanGitEnv(), maxBuffer: 1 << 30 }).toString();
const history = git(['rev-list', '--reverse', 'main']).trim().split('\n'); // oldest first
const cuts = [
  ['1/4', history[Math.floor(history.length / 4) - 1]],
  ['1/2', history[Math.floor(history.length / 2) - 1]],
  ['all', history[history.length - 1]],
].map(([label, commit]) => ({ label, commit, objects: git(['rev-list', '--objects', commit]).trim().split('\n').length }));

const rows = [];
const recorded = new Map(); // cut label -> the storage calls of its push
for (const cut of cuts) {
  for (const [impl, make] of Object.entries(IMPLEMENTATIONS)) {
    const samples = [];
    for (let run = 0; run < runs; run++) {
      const { storage, totals, calls } = timedStorage(make());
      const server = await startInProcessServer({ storage });
      try {
        const { remote, token } = await server.artifacts.create('bench');
        const t0 = performance.now();
        // Asynchronously: the server answers in this process.
        await promisify(execFile)('git', ['-C', fx.repo, '-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '--quiet', remote, `${cut.commit}:refs/heads/main`], {
          env: cleanGitEnv(),
        });
        samples.push({ ms: performance.now() - t0, storageMs: totals.ms, puts: totals.puts });
        recorded.set(cut.label, calls);
      } finally {
        await server.close();
      }
      log(`${cut.label} ${impl}: ${samples.at(-1).ms.toFixed(0)} ms (storage ${samples.at(-1).storageMs.toFixed(0)} ms)`);
    }
    const ms = median(samples.map((s) => s.ms));
    const storageMs = median(samples.map((s) => s.storageMs));
    rows.push({ cut: cut.label, impl, commits: history.indexOf(cut.commit) + 1, objects: cut.objects, keys: samples[0].puts, ms, storageMs });
  }
}

// The storage alone: each push's recorded calls replayed into fresh storages, and the whole
// push's four times over into one storage (four repos of this size side by side).
const replays = [];
for (const [label, calls, copies] of [...cuts.map((c) => [c.label, recorded.get(c.label), 1]), ['4 × all', recorded.get('all'), 4]]) {
  const row = { label, keys: 0, ms: {} };
  for (const [impl, make] of Object.entries(IMPLEMENTATIONS)) {
    const samples = [];
    for (let run = 0; run < Math.max(runs, 3); run++) {
      const storage = make();
      samples.push(replay(storage, calls, copies));
      row.keys = storage.snapshot().length;
    }
    row.ms[impl] = median(samples);
    log(`replay ${label} ${impl}: ${row.ms[impl].toFixed(0)} ms`);
  }
  replays.push(row);
}

const pad = (s, n) => String(s).padStart(n);
const impls = Object.keys(IMPLEMENTATIONS);
console.log(`MemoryStorage: push of the benchmark repo's main (${history.length} commits) into a fresh repo, median of ${runs} run(s)`);
console.log(`${'history'.padEnd(8)}${'storage'.padEnd(24)}${pad('commits', 8)}${pad('objects', 9)}${pad('keys put', 10)}${pad('push ms', 10)}${pad('in storage', 12)}${pad('µs/object', 11)}`);
for (const r of rows) {
  console.log(
    `${r.cut.padEnd(8)}${r.impl.padEnd(24)}${pad(r.commits, 8)}${pad(r.objects, 9)}${pad(r.keys, 10)}${pad(r.ms.toFixed(0), 10)}${pad(r.storageMs.toFixed(0), 12)}${pad(((r.ms * 1000) / r.objects).toFixed(0), 11)}`,
  );
}
console.log(`\nThe storage calls of those pushes replayed alone (median of ${Math.max(runs, 3)}), ms and µs per key stored`);
console.log(`${'history'.padEnd(10)}${pad('keys', 9)}${impls.map((i) => pad(i, 24)).join('')}`);
for (const r of replays) {
  console.log(`${r.label.padEnd(10)}${pad(r.keys, 9)}${impls.map((i) => pad(`${r.ms[i].toFixed(0)} ms, ${((r.ms[i] * 1000) / r.keys).toFixed(2)} µs`, 24)).join('')}`);
}
