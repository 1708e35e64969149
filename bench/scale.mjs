#!/usr/bin/env node
// Scale statement: how push, clone and server memory grow with the repo. The fixture (default: the
// large one) is cut at about 1/4 and 1/2 of its objects and taken whole; for each cut and each
// target (git http-backend, ours) it measures the initial push of all the cut's refs into a new
// repo, then the first clone of that repo and a second one: wall time, server CPU, and the server
// process tree's peak RSS above idle during the step (a fresh server before every step). See
// bench/README.md ("Scale").
//
//   node bench/scale.mjs [--fixture large] [--runs 1] [--only push,clone] [--targets baseline,ours]
//                        [--timeout 600] [--keep] [--out bench/results/scale.json]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixture, formatStats, computeStats, cleanGitEnv, FIXTURES, CACHE_DIR } from './make-fixture.mjs';
import {
  MiB, log, rmrf, median, fmtMs, fmtMiB, gitClient, parseBenchArgs, beginRun, runGit, gitSync, baselineTarget, oursTarget, withCpu, refsOf,
  memoryOfStep, describeMemory, printTable, machineSummary, printLoad, writeResults, makeWorkspace, cleanupOnce,
} from './lib/common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STEPS = ['push', 'clone'];
// The cuts: the fraction of the fixture's objects each one aims at. The last is the fixture itself.
const CUTS = [
  { label: '1/4', slug: 'quarter', fraction: 0.25 },
  { label: '1/2', slug: 'half', fraction: 0.5 },
  { label: 'full', slug: 'full', fraction: 1 },
];
// How a cut is made; a cached cut made by another rule is rebuilt.
const CUT_RULE = 'v1: main at the first-parent commit whose history holds the fraction of the objects (nearest), ' +
  'plus every branch and tag whose target is its ancestor (for-each-ref --merged), fetched from the fixture into a bare repo';

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(argv) {
  const o = parseBenchArgs(argv, { steps: STEPS, fixtures: FIXTURES, defaults: { runs: 1, fixtureName: 'large' } });
  o.out ??= path.join(HERE, 'results', o.fixtureName === 'large' ? 'scale.json' : `scale-${o.fixtureName}.json`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// The cuts

// The first-parent commit of main whose history holds about `fraction` of the fixture's objects
// (binary search: the count grows along first-parent main), with its object count.
function findCutCommit(fixture, firstParent, fraction, total) {
  const want = fraction * total;
  const objectsAt = (i) => Number(gitSync(['-C', fixture, 'rev-list', '--objects', '--count', firstParent[i]]));
  let lo = 0;
  let hi = firstParent.length - 1;
  while (lo < hi) { // the first i with objectsAt(i) >= want
    const mid = (lo + hi) >>> 1;
    if (objectsAt(mid) >= want) hi = mid;
    else lo = mid + 1;
  }
  const i = lo > 0 && want - objectsAt(lo - 1) < objectsAt(lo) - want ? lo - 1 : lo;
  return { index: i, commit: firstParent[i], objects: objectsAt(i) };
}

// A bare repo with the cut's refs, cached in build/bench/scale-<fixture key>-<slug>/ (repo.git and
// stats.json, made in a temporary directory and renamed). Returns { repo, stats, cached }.
function ensureCut(fx, cut, firstParent, total) {
  const dir = path.join(CACHE_DIR, `scale-${fx.key}-${cut.slug}`);
  const statsFile = path.join(dir, 'stats.json');
  if (existsSync(statsFile)) {
    const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
    if (stats.cutRule === CUT_RULE && stats.fraction === cut.fraction) return { repo: path.join(dir, 'repo.git'), stats, cached: true };
  }
  const t0 = performance.now();
  const found = findCutCommit(fx.repo, firstParent, cut.fraction, total);
  log(`cut ${cut.label}: main at first-parent commit ${found.index + 1} of ${firstParent.length} (${found.commit.slice(0, 12)}), ` +
    `${found.objects} objects in its history; fetching it ...`);
  const refs = gitSync(['-C', fx.repo, 'for-each-ref', '--merged', found.commit, '--format=%(refname)', 'refs/heads', 'refs/tags'])
    .split('\n').filter((r) => r && r !== 'refs/heads/main');
  const tmp = `${dir}.tmp-${process.pid}`;
  rmrf(tmp);
  const repo = path.join(tmp, 'repo.git');
  const env = cleanGitEnv();
  execFileSync('git', ['init', '--quiet', '--bare', '-b', 'main', repo], { env });
  // A local fetch (protocol v2: wants by id are allowed) reuses the fixture's deltas where their base is in the cut.
  execFileSync('git', ['-C', repo, 'fetch', '--quiet', '--no-tags', '--stdin', fx.repo],
    { env, input: [`${found.commit}:refs/heads/main`, ...refs.map((r) => `${r}:${r}`)].join('\n') + '\n', stdio: ['pipe', 'inherit', 'inherit'] });
  rmrf(path.join(repo, 'FETCH_HEAD'));
  const stats = {
    ...computeStats(repo, env), cutRule: CUT_RULE, fraction: cut.fraction, cutCommit: found.commit,
    firstParentIndex: found.index + 1, firstParentTotal: firstParent.length, buildSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
  writeFileSync(path.join(tmp, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
  rmrf(dir);
  renameSync(tmp, dir);
  return { repo: path.join(dir, 'repo.git'), stats, cached: false };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const run = beginRun(opts, import.meta.url, 10);
  if (!run) return;
  const { tStart, loadStart, steps } = run;

  const fx = await ensureFixture({}, { log, fixture: opts.fixtureName });
  log(`${fx.cached ? 'cached' : 'generated'} ${fx.repo}`);
  log(formatStats(fx.stats));

  const workDir = path.join(CACHE_DIR, `scale-work-${process.pid}`);
  gitClient.env = makeWorkspace(workDir);
  const gitVersion = gitSync(['--version']);

  // The cuts.
  const firstParent = gitSync(['-C', fx.repo, 'rev-list', '--first-parent', '--reverse', 'refs/heads/main']).split('\n');
  const total = Number(gitSync(['-C', fx.repo, 'rev-list', '--objects', '--count', '--all']));
  const cuts = [];
  for (const c of CUTS) {
    if (c.fraction === 1) {
      cuts.push({ ...c, repo: fx.repo, stats: { ...fx.stats, cutCommit: fx.stats.head, firstParentIndex: firstParent.length, firstParentTotal: firstParent.length } });
    } else {
      const { repo, stats, cached } = ensureCut(fx, c, firstParent, total);
      cuts.push({ ...c, repo, stats });
      log(`cut ${c.label}${cached ? ' (cached)' : ''}: ${formatStats(stats)}`);
    }
    cuts.at(-1).refs = refsOf(cuts.at(-1).repo);
  }

  // Targets.
  const names = opts.targets.map((t, i) => {
    const base = t === 'baseline' ? 'http-backend' : 'ours';
    return opts.targets.indexOf(t) === i ? base : `${base}#${i + 1}`;
  });
  const targets = [];
  const cleanup = cleanupOnce(targets, workDir, opts.keep);
  cleanupHook = cleanup;
  const notes = [];
  for (const [i, t] of opts.targets.entries()) {
    const def = t === 'baseline' ? baselineTarget(names[i], workDir) : oursTarget(names[i], workDir);
    try {
      targets.push(await def.start());
      log(`${def.name}: ${targets.at(-1).url} (pid ${targets.at(-1).pid})`);
    } catch (err) {
      if (!err.notAvailable && def.kind !== 'ours') throw err;
      notes.push(`${def.name}: not available (${String(err.message).split('\n')[0]})`);
      log(notes.at(-1));
    }
  }
  if (!targets.length) throw new Error('no target could be started');

  // results[cut label][step][target name] = { samples: [{ ms, serverCpu, clientCpu, mem, load }], error? }
  const results = {};
  const record = (cut, step, t, value) => {
    const r = (((results[cut.label] ??= {})[step] ??= {})[t.name] ??= { samples: [] });
    if (value instanceof Error) r.error = value.message;
    else r.samples.push(value);
  };
  const orderFor = (run) => (run % 2 ? [...targets].reverse() : targets); // alternate who goes first
  const lsRemote = (t, repo) => runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'ls-remote', t.cloneUrl(repo)]);
  // One measured step: a fresh server, warmed up; wall time, server and client CPU, memory.
  const measure = async (t, repo, fn) => {
    const { result, mem } = await memoryOfStep(t, () => lsRemote(t, repo), () => withCpu(t, fn));
    return { ms: result.ms, serverCpu: result.serverCpu, clientCpu: result.clientCpu, mem, load: os.loadavg()[0] };
  };
  const show = (s) => `${fmtMs(s.ms)}, server CPU ${fmtMs(s.serverCpu)}, RSS above idle ${fmtMiB(s.mem.peakTree - s.mem.idleTree)} (${describeMemory(s.mem)})`;

  for (const cut of cuts) {
    log(`cut ${cut.label}: ${cut.stats.objects} objects, ${cut.stats.refs} refs, pack ${fmtMiB(cut.stats.packBytes)}; ${opts.runs} run(s) per target`);
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        const repo = `${cut.slug}-${run + 1}`;
        // (1) The initial push of all the cut's refs into a new, empty repo.
        let pushed = false;
        try {
          const info = await t.createRepo(repo);
          const push = () => runGit([...info.authArgs, '-C', cut.repo, 'push', '--quiet', info.url, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
          if (steps.has('push')) {
            const s = await measure(t, repo, push);
            record(cut, 'push', t, s);
            log(`  ${cut.label} ${t.name} push #${run + 1}: ${show(s)}`);
          } else await push();
          const r = await runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'ls-remote', '--refs', t.cloneUrl(repo), 'refs/heads/*', 'refs/tags/*'], { stdout: 'pipe' });
          const got = r.stdout.trim().split('\n').map((l) => l.replace('\t', ' ')).sort().join('\n');
          if (got !== cut.refs.split('\n').sort().join('\n')) throw new Error(`refs of ${repo} differ from the cut's after the push`);
          pushed = true;
        } catch (err) {
          record(cut, 'push', t, err);
          log(`  ${cut.label} ${t.name} push #${run + 1} failed: ${err.message}`);
        }
        // (2) The first clone of that repo, then a second one.
        if (!steps.has('clone') || !pushed) continue;
        for (const step of ['clone1', 'clone2']) {
          const dest = path.join(workDir, 'clone');
          rmrf(dest);
          try {
            const s = await measure(t, repo, () => runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'clone', '--bare', '--quiet', t.cloneUrl(repo), dest]));
            if (refsOf(dest) !== cut.refs) throw new Error('cloned refs differ from the cut');
            if (run === 0 && step === 'clone1') await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
            record(cut, step, t, s);
            log(`  ${cut.label} ${t.name} ${step} #${run + 1}: ${show(s)}`);
          } catch (err) {
            record(cut, step, t, err);
            log(`  ${cut.label} ${t.name} ${step} #${run + 1} failed: ${err.message}`);
          } finally {
            rmrf(dest);
          }
        }
      }
    }
  }
  await cleanup();

  // ---------------------------------------------------------------------------------------------
  // Report

  const seconds = (performance.now() - tStart) / 1000;
  const loadEnd = os.loadavg()[0];
  const METRICS = [
    { key: 'ms', title: 'wall time (git client)', get: (s) => s.ms, fmt: fmtMs, unit: 'ms' },
    { key: 'serverCpu', title: 'server CPU (user+sys, with its reaped children)', get: (s) => s.serverCpu, fmt: fmtMs, unit: 'ms' },
    { key: 'rss', title: 'server RSS, peak - idle (process tree, sampled every 10 ms)', get: (s) => s.mem.peakTree - s.mem.idleTree, fmt: fmtMiB, unit: 'bytes' },
    { key: 'hwm', title: 'server process VmHWM - idle (the Node process alone)', get: (s) => s.mem.hwmAboveIdleMain, fmt: fmtMiB, unit: 'bytes' },
    { key: 'idle', title: 'server RSS idle before the step (process tree)', get: (s) => s.mem.idleTree, fmt: fmtMiB, unit: 'bytes' },
  ];
  const STEP_LABELS = { push: 'initial push', clone1: 'first clone after the push', clone2: 'second clone' };
  const stepKeys = ['push', 'clone1', 'clone2'].filter((s) => steps.has(s === 'push' ? 'push' : 'clone'));
  const med = (cut, step, t, m) => median((results[cut.label]?.[step]?.[t.name]?.samples ?? []).map(m.get));
  const [first, last] = [cuts[0], cuts.at(-1)];
  const objRatio = last.stats.objects / first.stats.objects;
  const packRatio = last.stats.packBytes / first.stats.packBytes;
  const [A, B] = targets;

  const summary = {};
  console.log('');
  console.log(`${opts.fixtureName} ${formatStats(fx.stats)}`);
  console.log(`machine: ${machineSummary(gitVersion)}; runs ${opts.runs} (medians)`);
  for (const n of notes) console.log(n);
  console.log('');
  const cutTable = [['cut', 'main at first-parent commit', 'commits', 'objects', 'refs (branches + tags)', 'pack']];
  for (const c of cuts) {
    cutTable.push([c.label, `${c.stats.firstParentIndex} of ${c.stats.firstParentTotal} (${c.stats.cutCommit.slice(0, 12)})`, String(c.stats.commits),
      `${c.stats.objects} (${((100 * c.stats.objects) / last.stats.objects).toFixed(1)}%)`, `${c.stats.refs} (${c.stats.branches} + ${c.stats.tags})`,
      `${fmtMiB(c.stats.packBytes)} (${((100 * c.stats.packBytes) / last.stats.packBytes).toFixed(1)}%)`]);
  }
  printTable(cutTable);
  for (const m of METRICS) {
    const perObj = m.unit === 'ms' ? 'per 100k objects' : 'MiB per 100k objects';
    const table = [[m.title, ...cuts.map((c) => `${c.label} (${(c.stats.objects / 1000).toFixed(1)}k obj)`), `growth ${last.label} ÷ ${first.label} (objects ${objRatio.toFixed(2)}x, pack ${packRatio.toFixed(2)}x)`, perObj]];
    summary[m.key] = {};
    for (const step of stepKeys) {
      summary[m.key][step] = {};
      for (const t of targets) {
        const v = cuts.map((c) => med(c, step, t, m));
        const growth = Number.isFinite(v[0]) && Number.isFinite(v.at(-1)) && v[0] > 0 ? v.at(-1) / v[0] : null;
        const slope = Number.isFinite(v[0]) && Number.isFinite(v.at(-1)) ? ((v.at(-1) - v[0]) / (last.stats.objects - first.stats.objects)) * 1e5 : null;
        table.push([`${STEP_LABELS[step]}, ${t.name}`, ...v.map((x, i) => (results[cuts[i].label]?.[step]?.[t.name]?.error && !Number.isFinite(x) ? 'error' : m.fmt(x))),
          growth === null ? '-' : `${growth.toFixed(2)}x`, slope === null ? '-' : m.unit === 'ms' ? fmtMs(slope) : `${(slope / MiB).toFixed(1)} MiB`]);
        summary[m.key][step][t.name] = { byCut: Object.fromEntries(cuts.map((c, i) => [c.label, v[i]])), growth, per100kObjects: slope };
      }
      if (B && m.key !== 'idle') {
        const ratios = cuts.map((c) => {
          const a = med(c, step, A, m);
          const b = med(c, step, B, m);
          return Number.isFinite(a) && Number.isFinite(b) && a > 0 ? b / a : null;
        });
        table.push([`${STEP_LABELS[step]}, ${B.name}/${A.name}`, ...ratios.map((r) => (r === null ? '-' : `${r.toFixed(2)}x`)), '', '']);
        summary[m.key][step].ratio = Object.fromEntries(cuts.map((c, i) => [c.label, ratios[i]]));
      }
    }
    console.log('');
    printTable(table);
  }
  const errors = [];
  for (const [cut, bySteps] of Object.entries(results)) {
    for (const [step, byTarget] of Object.entries(bySteps)) {
      for (const [name, r] of Object.entries(byTarget)) if (r.error !== undefined) errors.push(`${cut} ${name} ${step}: ${r.error}`);
    }
  }
  console.log('');
  for (const e of errors) console.log(`error: ${e}`);
  console.log(`growth = the full repo's figure / the 1/4 cut's; per 100k objects = (full - 1/4) / (objects full - objects 1/4) x 100,000. ` +
    `Every step runs on a fresh server process (restarted on the same data, warmed up by one ls-remote); idle = median of 5 samples before it.`);
  printLoad(loadStart, loadEnd, seconds);

  writeResults(opts.out, { script: 'bench/scale.mjs', seconds, gitVersion, loadStart, loadEnd }, {
    options: { fixture: opts.fixtureName, runs: opts.runs, timeoutSeconds: opts.timeout, only: opts.only, targets: names },
    fixture: { key: fx.key, ...fx.stats },
    cuts: cuts.map((c) => ({ label: c.label, fraction: c.fraction, repo: path.relative(CACHE_DIR, c.repo), ...c.stats, generated: undefined, params: undefined })),
    notes, errors, summary, results,
  });
}

let cleanupHook = async () => {};
main().then(() => process.exit(0), async (err) => {
  console.error(err?.stack ?? err);
  await cleanupHook();
  process.exit(1);
});
