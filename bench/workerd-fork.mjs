#!/usr/bin/env node
// fork() of the benchmark repo in open-artifacts/worker (a Durable Object per
// repo: the namespace object copies the parent's object records into the
// fork's object in batches), as a ratio to a push of the same repo into the
// same Worker, measured in the same run (see bench/README.md).
//
//   node bench/workerd-fork.mjs [--runs 3]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cleanGitEnv, ensureFixture } from './make-fixture.mjs';
import { startBundledWorker } from '../tests/js/workerd-harness.mjs';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const log = (m) => process.stderr.write(`${m}\n`);
const run = promisify(execFile);

const fx = await ensureFixture({}, { log });
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'oa-workerd-fork-'));
const worker = await startBundledWorker('durable-worker.mjs', {
  durableObjects: [
    { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES' },
    { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS' },
  ],
  stateDir,
  vars: { ARTIFACTS_ALLOW_ANONYMOUS_API: 'true' },
});
const api = async (method, route, body) => {
  const res = await worker.fetch(`${worker.url}/client/v4/accounts/bench/artifacts/namespaces/bench${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  if (!json.success) throw new Error(`${method} ${route}: ${JSON.stringify(json.errors)}`);
  return json.result;
};

try {
  const pushes = [];
  const forks = [];
  let objects = 0;
  for (let i = 0; i < runs; i++) {
    const { remote, token } = await api('POST', '/repos', { name: `pushed-${i}` });
    let t0 = performance.now();
    await run('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, '-C', fx.repo, 'push', '--quiet', remote,
      'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { env: cleanGitEnv(), maxBuffer: 1 << 26 });
    pushes.push(performance.now() - t0);
    t0 = performance.now();
    const fork = await api('POST', `/repos/pushed-${i}/fork`, { name: `forked-${i}`, default_branch_only: false });
    forks.push(performance.now() - t0);
    objects = fork.objects;
    log(`run ${i + 1}: push ${pushes[i].toFixed(0)} ms, fork ${forks[i].toFixed(0)} ms (${objects} objects)`);
  }
  const push = median(pushes);
  const fork = median(forks);
  console.log(`| step | median of ${runs} | / push |`);
  console.log('|---|---|---|');
  console.log(`| push of the fixture (every ref) | ${push.toFixed(0)} ms | 1.00 |`);
  console.log(`| fork, every ref (${objects} object records copied) | ${fork.toFixed(0)} ms | ${(fork / push).toFixed(2)} |`);
} finally {
  await worker.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
