#!/usr/bin/env node
// The memory one repo.commit() needs: 10 files into the benchmark repo (pushed whole through the
// git server first), and the same 10 files into a one-file repo for comparison. Each commit runs in
// a fresh Node process over the same SQLite file, after only get() and info(), so the wasm heap's
// high-water mark before and after the commit is what that commit needed. See bench/README.md.
//
//   node bench/commit-memory.mjs [--files 10] [--file-bytes 4096]
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixture, cleanGitEnv, formatStats } from './make-fixture.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const log = (m) => process.stderr.write(`${m}\n`);
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};

// ---- The measured side: one commit in this (fresh) process.
async function measure({ dataFile, repoName, files, fileBytes, replace }) {
  const { createArtifacts, SqliteStorage, loadCore } = await import('../js/src/node.js');
  const storage = new SqliteStorage(dataFile);
  const artifacts = createArtifacts({ storage, namespace: 'default', baseUrl: 'http://127.0.0.1:1' });
  const repo = await artifacts.get(repoName);
  await repo.info(); // the core is loaded and the repo opened: what every call pays
  const core = await loadCore();
  const heapBefore = JSON.parse(core.heapStats());
  const rssBefore = process.memoryUsage().rss;

  // Half the files replace existing ones deep in the tree, half are new, in new directories.
  const list = [];
  for (let i = 0; i < files; i++) {
    const text = `file ${i}\n`.padEnd(fileBytes - 1, `${i}`) + '\n';
    const target = i < replace.length ? replace[i] : `commit-bench/dir-${i}/new-${i}.txt`;
    list.push({ path: target, content: text });
  }
  const t0 = performance.now();
  const result = await repo.commit({ message: `commit ${files} files`, files: list });
  const ms = performance.now() - t0;
  const heapAfter = JSON.parse(core.heapStats());
  const rssAfter = process.memoryUsage().rss;
  storage.close();
  return {
    repo: repoName,
    files,
    fileBytes,
    commit: result.commit,
    ms,
    heapPeakBefore: heapBefore.peakBytes,
    heapPeakAfter: heapAfter.peakBytes,
    heapInUseBefore: heapBefore.inUseBytes,
    wasmMemoryBefore: heapBefore.memoryBytes,
    wasmMemoryAfter: heapAfter.memoryBytes,
    rssBefore,
    rssAfter,
  };
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, 'commit-memory.mjs'), '--measure', JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(Buffer.concat(out).toString())) : reject(new Error(`measurement exited ${code}`)),
    );
  });
}

if (process.argv[2] === '--measure') {
  process.stdout.write(JSON.stringify(await measure(JSON.parse(process.argv[3]))));
  process.exit(0);
}

// ---- The driver.
const files = Number(option('files', 10));
const fileBytes = Number(option('file-bytes', 4096));
const fx = await ensureFixture({}, { log });
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oa-commit-memory-'));
try {
  const { startServer } = await import('../js/src/server.js');
  const { SQLITE_FILE_NAME } = await import('../js/src/sqlite-storage.js');
  const server = await startServer({ port: 0, dataDir });
  const create = async (name) => {
    const res = await fetch(`${server.restUrl}/namespaces/default/repos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    return (await res.json()).result;
  };
  const big = await create('bench');
  log('pushing the benchmark repo ...');
  await promisify(execFile)('git', ['-c', `http.extraHeader=Authorization: Bearer ${big.token}`, '-C', fx.repo, 'push',
    '--quiet', big.remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { env: cleanGitEnv() });
  await create('small');
  await server.close();

  // Existing files in different directories of main, for the replacing half.
  const { stdout } = await promisify(execFile)('git', ['-C', fx.repo, 'ls-tree', '-r', '--name-only', 'main'],
    { env: cleanGitEnv(), maxBuffer: 64 * MiB });
  const byDir = new Map();
  for (const p of stdout.split('\n').filter(Boolean)) {
    const dir = path.posix.dirname(p);
    if (dir.includes('/') && !byDir.has(dir)) byDir.set(dir, p);
  }
  const replace = [...byDir.values()].slice(0, Math.floor(files / 2));

  const dataFile = path.join(dataDir, SQLITE_FILE_NAME);
  // The small repo gets one file first, so both commits have a parent.
  await runChild({ dataFile, repoName: 'small', files: 1, fileBytes: 16, replace: [] });
  const rows = [];
  for (const [repoName, paths] of [['bench', replace], ['small', []]]) {
    rows.push(await runChild({ dataFile, repoName, files, fileBytes, replace: paths }));
  }
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`commit() of ${files} files x ${fileBytes} bytes; ${formatStats(fx.stats)}; load ${os.loadavg()[0].toFixed(2)}`);
  console.log('| repo | wasm heap high-water: before -> after (growth) | in use before | wasm memory | RSS delta | time |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.repo} | ${kib(r.heapPeakBefore)} -> ${kib(r.heapPeakAfter)} (+${kib(r.heapPeakAfter - r.heapPeakBefore)}) | ` +
      `${kib(r.heapInUseBefore)} | ${(r.wasmMemoryBefore / MiB).toFixed(0)} -> ${(r.wasmMemoryAfter / MiB).toFixed(0)} MiB | ` +
      `${((r.rssAfter - r.rssBefore) / MiB).toFixed(1)} MiB | ${r.ms.toFixed(0)} ms |`);
  }
  console.log(JSON.stringify({ files, fileBytes, rows }));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
