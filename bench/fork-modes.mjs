#!/usr/bin/env node
// fork() of the benchmark repo in both storage strategies, as ratios to a push of the same repo measured
// in the same run (see bench/README.md):
//   borrow: SqliteStorage as it is (sharesRepoStorage) - the fork reads its parent's objects in place;
//   copy:   the same SQLite file seen as a store per repo (no sharesRepoStorage), as with a Durable
//           Object per repo - the fork copies the object records as stored.
//
//   node bench/fork-modes.mjs [--runs 3]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFixture, cleanGitEnv } from './make-fixture.mjs';
import { startServer } from '../js/src/server.js';
import { createArtifacts, SqliteStorage } from '../js/src/node.js';
import { SQLITE_FILE_NAME } from '../js/src/sqlite-storage.js';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const log = (m) => process.stderr.write(`${m}\n`);

const fx = await ensureFixture({}, { log });
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oa-fork-modes-'));
try {
  // 1. Pushes of the whole fixture into fresh repos through the real server (the reference).
  const server = await startServer({ port: 0, dataDir });
  const pushes = [];
  for (let i = 0; i < runs; i++) {
    const res = await fetch(`${server.restUrl}/namespaces/default/repos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `pushed-${i}` }),
    });
    const { result } = await res.json();
    const t0 = performance.now();
    // Asynchronously: the server runs in this process.
    await promisify(execFile)('git', ['-c', `http.extraHeader=Authorization: Bearer ${result.token}`, '-C', fx.repo, 'push',
      '--quiet', result.remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { env: cleanGitEnv() });
    pushes.push(performance.now() - t0);
    log(`push #${i + 1}: ${pushes.at(-1).toFixed(0)} ms`);
  }
  await server.close();

  // 2. Forks of pushed-0, in both strategies, over the same file.
  const storage = new SqliteStorage(path.join(dataDir, SQLITE_FILE_NAME));
  const perRepo = { registry: (ns) => storage.registry(ns), repo: (id) => storage.repo(id) };
  const rows = [];
  for (const [mode, st] of [['borrow', storage], ['copy', perRepo]]) {
    const artifacts = createArtifacts({ storage: st, namespace: 'default', baseUrl: 'http://127.0.0.1:1' });
    const parent = await artifacts.get('pushed-0');
    for (const defaultBranchOnly of [true, false]) {
      const times = [];
      for (let i = 0; i < runs; i++) {
        const name = `${mode}-${defaultBranchOnly ? 'main' : 'all'}-${i}`;
        const t0 = performance.now();
        await parent.fork(name, { defaultBranchOnly });
        times.push(performance.now() - t0);
        await artifacts.delete(name);
      }
      rows.push({ mode, defaultBranchOnly, ms: median(times) });
      log(`${mode} fork, defaultBranchOnly ${defaultBranchOnly}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    }
  }
  storage.close();

  const push = median(pushes);
  console.log(`push of the whole fixture (median of ${runs}): ${push.toFixed(0)} ms; load ${os.loadavg()[0].toFixed(2)}`);
  console.log('| storage | fork | median | ratio to push | target |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.mode} | ${r.defaultBranchOnly ? 'default branch only' : 'all refs'} | ${r.ms.toFixed(1)} ms | ` +
      `${(r.ms / push).toFixed(3)}x | <= 0.10x ${r.ms / push <= 0.1 ? 'ok' : 'MISS'} |`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
