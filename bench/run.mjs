#!/usr/bin/env node
// Benchmark: our git smart-HTTP server against `git http-backend` (behind a Node CGI bridge), with
// the real git CLI over loopback, in one run on one machine. See bench/README.md.
//
//   node bench/run.mjs [--fixture default|large] [--runs 3] [--only clone,fetch,push,adv,rss,...] [--targets baseline,ours]
//                      [--adv-runs 20] [--timeout 600] [--keep] [--out bench/results/latest.json]
//                      [--seed 1 --commits 2000 --files 5000 ...fixture parameters]
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixture, formatStats, cleanGitEnv, DEFAULT_PARAMS, FIXTURES, CACHE_DIR } from './make-fixture.mjs';
import {
  MiB, log, rmrf, fmtMs, fmtMiB, clkTck, gitClient, parseBenchArgs, beginRun, runGit, gitSync, postJson, REPOS_PATH,
  baselineTarget, oursTarget, withCpu, refsOf, memoryOfStep, describeMemory,
} from './lib/common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STEPS = ['clone', 'fetch', 'push', 'cold-clone', 'blobless', 'treeless', 'shallow', 'adv', 'rss', 'rss-cold', 'rss-push', 'fork', 'import'];

// ---------------------------------------------------------------------------------------------
// Options

// --adv-runs N, and the fixture parameters of make-fixture.mjs (--seed, --commits, ...), besides the shared options.
const FIXTURE_OPTIONS = Object.keys(DEFAULT_PARAMS).map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));

function parseOptions(argv) {
  const o = parseBenchArgs(argv, {
    steps: STEPS,
    fixtures: FIXTURES,
    defaults: { advRuns: 20, fixture: {} },
    extra: ['adv-runs', ...FIXTURE_OPTIONS],
    onExtra(name, value, opts, positiveInt) {
      if (name === 'adv-runs') opts.advRuns = positiveInt(name, value);
      else opts.fixture[name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = Number(value);
    },
  });
  o.out ??= path.join(HERE, 'results', o.fixtureName === 'default' ? 'latest.json' : `latest-${o.fixtureName}.json`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN;
};

function httpGet(url, headers) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: false, headers, timeout: gitClient.timeoutMs }, (res) => {
      let n = 0;
      let first = '';
      res.on('data', (c) => {
        if (n < 64) first += c.toString('latin1', 0, Math.min(c.length, 64));
        n += c.length;
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode, bytes: n, first }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(Object.assign(new Error(`GET ${url} timed out`), { timedOut: true })));
  });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const run = beginRun(opts, import.meta.url, 7);
  if (!run) return;
  const { tStart, loadStart, steps } = run;

  // Fixture.
  const fx = await ensureFixture(opts.fixture, { log, fixture: opts.fixtureName });
  const fixture = fx.repo;
  log(`${fx.cached ? 'cached' : 'generated'} ${fixture} (${fx.seconds} s to generate)`);
  log(formatStats(fx.stats));
  const tail = fx.params.tail;

  // Workspace and git client environment.
  const workDir = path.join(CACHE_DIR, `work-${process.pid}`);
  rmrf(workDir);
  const home = path.join(workDir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = bench\n\temail = bench@example.com\n');
  gitClient.env = cleanGitEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') });
  const head = gitSync(['-C', fixture, 'rev-parse', 'refs/heads/main']);
  const headMinus = gitSync(['-C', fixture, 'rev-parse', `refs/heads/main~${tail}`]);
  const fixtureRefs = refsOf(fixture);
  for (const line of gitSync(['-C', fixture, 'for-each-ref', '--contains', headMinus, '--format=%(refname)']).split('\n')) {
    if (line && line !== 'refs/heads/main') throw new Error(`fixture ref ${line} contains main~${tail}; the fetch step needs them older`);
  }

  // Targets.
  const names = opts.targets.map((t, i) => {
    const base = t === 'baseline' ? 'http-backend' : 'ours';
    return opts.targets.indexOf(t) === i ? base : `${base}#${i + 1}`;
  });
  const defs = opts.targets.map((t, i) => (t === 'baseline' ? baselineTarget(names[i], workDir) : oursTarget(names[i], workDir)));
  const targets = [];
  const notes = [];
  let cleaningUp = false;
  const cleanup = async () => {
    if (cleaningUp) return;
    cleaningUp = true;
    for (const c of gitClient.active) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch { /* gone */ }
    }
    await Promise.all(targets.map((t) => t.close().catch(() => {})));
    if (!opts.keep) rmrf(workDir);
  };
  cleanupHook = cleanup;
  let reported = false;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      log(`${sig}: stopping; reporting the steps measured so far`);
      stopping = true;
      cleanup().then(() => (reported ? null : report(true))).catch((e) => log(String(e?.stack ?? e))).finally(() => process.exit(130));
    });
  }
  for (const d of defs) {
    try {
      targets.push(await d.start());
      log(`${d.name}: ${targets.at(-1).url} (pid ${targets.at(-1).pid})`);
    } catch (err) {
      if (!err.notAvailable && d.kind !== 'ours') throw err;
      const note = `${d.name}: not available (${String(err.message).split('\n')[0]})`;
      notes.push(note);
      console.log(note);
    }
  }
  if (!targets.length) throw new Error('no target could be started');

  const ours = targets.find((t) => t.kind === 'ours');
  const backend = targets.find((t) => t.kind === 'baseline');
  const results = {}; // step -> target name -> { samples, median, unit, error? }
  const extra = {};
  const record = (step, t, value, cpu) => {
    if (stopping) return;
    results[step] ??= {};
    const r = (results[step][t.name] ??= { samples: [], unit: step.startsWith('rss') ? 'bytes' : 'ms' });
    if (value instanceof Error) return void (r.error = value.message);
    r.samples.push(value);
    if (cpu) {
      (r.serverCpuMs ??= []).push(cpu.serverCpu);
      if (cpu.clientCpu !== undefined) (r.clientCpuMs ??= []).push(cpu.clientCpu);
    }
  };
  const failed = (step, t) => results[step]?.[t.name]?.error !== undefined;
  // Records a failed step; if the command timed out (the server may still be busy with it) or the
  // server process died, restarts the server on the same data so the later steps still run.
  const fail = async (step, t, err) => {
    record(step, t, err);
    if (stopping) return;
    const dead = t.exited();
    if (!dead && !err?.timedOut) return;
    const why = dead ? `${t.name} server died (${dead})` : `${t.name}: ${step} timed out`;
    notes.push(`${why} during ${step}; restarted it`);
    log(`  ${why}; restarting it`);
    try {
      await t.restart();
    } catch (e) {
      log(`  ${t.name} restart failed: ${e.message}`);
    }
  };
  const orderFor = (run) => (run % 2 ? [...targets].reverse() : targets); // alternate who goes first
  const fullRefspecs = ['refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'];
  const fullRepo = new Map(); // target name -> repo name holding the whole fixture

  async function pushFixture(t, repo, refspecs = fullRefspecs) {
    const info = await t.createRepo(repo);
    const r = await withCpu(t, () => runGit([...info.authArgs, '-C', fixture, 'push', '--quiet', info.url, ...refspecs]));
    return { info, ms: r.ms, cpu: r };
  }
  async function verifyRemote(t, repo) {
    const r = await runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'ls-remote', '--refs', t.cloneUrl(repo), 'refs/heads/*', 'refs/tags/*'], { stdout: 'pipe' });
    const got = r.stdout.trim().split('\n').map((l) => l.replace('\t', ' ')).sort().join('\n');
    const want = fixtureRefs.split('\n').sort().join('\n');
    if (got !== want) throw new Error(`${t.name}: refs of ${repo} differ from the fixture after push`);
  }
  async function ensureFull(t) {
    if (fullRepo.has(t.name)) return fullRepo.get(t.name);
    log(`${t.name}: seeding a full repo by push`);
    await pushFixture(t, 'seed-full');
    await verifyRemote(t, 'seed-full');
    fullRepo.set(t.name, 'seed-full');
    return 'seed-full';
  }
  const cloneArgs = (t, repo, dest, extraArgs = []) => [...t.authArgs(repo), '-c', 'protocol.version=2', 'clone', '--bare', '--quiet',
    ...extraArgs, t.cloneUrl(repo), dest];
  const pushedRepos = new Map(); // target name -> [repo pushed by push run #i]
  const inPack = (repo) => Number(/^in-pack: (\d+)$/m.exec(gitSync(['-C', repo, 'count-objects', '-v']))?.[1] ?? NaN);

  // 3. Initial push of the whole repo into an empty repo (runs first: it leaves full repos behind).
  if (steps.has('push')) {
    log(`push: ${opts.runs} run(s) per target`);
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        if (failed('push', t)) continue;
        const repo = `push-${run + 1}`;
        try {
          const { ms, cpu } = await pushFixture(t, repo);
          if (run === 0) await verifyRemote(t, repo);
          record('push', t, ms, cpu);
          fullRepo.set(t.name, repo);
          if (!pushedRepos.has(t.name)) pushedRepos.set(t.name, []);
          pushedRepos.get(t.name)[run] = repo;
          log(`  ${t.name} push #${run + 1}: ${fmtMs(ms)}`);
        } catch (err) {
          await fail('push', t, err);
          log(`  ${t.name} push failed: ${err.message}`);
        }
      }
    }
  }

  // 1a. The first clone of a repo right after the push that filled it: nothing the server might keep
  //     from an earlier clone of it (object lists, pack caches) helps. Clones the repos the push step
  //     left behind, none of them cloned yet; without the push step, pushes one first (untimed).
  if (steps.has('cold-clone')) {
    log(`cold-clone: ${opts.runs} run(s) per target, each the first clone of a freshly pushed repo`);
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        if (failed('cold-clone', t)) continue;
        const dest = path.join(workDir, `cold-clone-${run}`);
        try {
          let repo = pushedRepos.get(t.name)?.[run];
          if (!repo) {
            repo = `cold-${run + 1}`;
            await pushFixture(t, repo);
            await verifyRemote(t, repo);
            fullRepo.set(t.name, repo);
          }
          const r = await withCpu(t, () => runGit(cloneArgs(t, repo, dest)));
          if (refsOf(dest) !== fixtureRefs) throw new Error('cloned refs differ from the fixture');
          record('cold-clone', t, r.ms, r);
          log(`  ${t.name} cold clone #${run + 1}: ${fmtMs(r.ms)}`);
        } catch (err) {
          await fail('cold-clone', t, err);
          log(`  ${t.name} cold clone failed: ${err.message}`);
        } finally {
          rmrf(dest);
        }
      }
    }
  }

  // 1. Full clone over protocol v2.
  if (steps.has('clone')) {
    log(`clone: ${opts.runs} run(s) per target`);
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        if (failed('clone', t)) continue;
        const dest = path.join(workDir, `clone-${run}`);
        try {
          const repo = await ensureFull(t);
          const r = await withCpu(t, () => runGit(cloneArgs(t, repo, dest)));
          if (refsOf(dest) !== fixtureRefs) throw new Error('cloned refs differ from the fixture');
          record('clone', t, r.ms, r);
          log(`  ${t.name} clone #${run + 1}: ${fmtMs(r.ms)}`);
        } catch (err) {
          await fail('clone', t, err);
          log(`  ${t.name} clone failed: ${err.message}`);
        } finally {
          rmrf(dest);
        }
      }
    }
  }

  // 1b. Partial and shallow clones of the full repo: `--filter=blob:none` (commits, trees and tags),
  //     `--filter=tree:0` (commits and tags) and `--depth 1` (main's tip and its tree; --single-branch).
  //     The object count received is checked against the fixture, so a server that ignores the filter
  //     or the depth (and sends everything) is an error, not a fast row.
  const types = fx.stats.objectTypes ?? {};
  const variants = [
    ['blobless', ['--filter=blob:none'], (types.commit ?? 0) + (types.tree ?? 0) + (types.tag ?? 0)],
    ['treeless', ['--filter=tree:0'], (types.commit ?? 0) + (types.tag ?? 0)],
    ['shallow', ['--depth', '1'], Number(gitSync(['-C', fixture, 'rev-list', '--objects', '--no-walk', 'refs/heads/main']).split('\n').length)],
  ].filter(([step]) => steps.has(step));
  for (const [step, extraArgs, wantObjects] of variants) {
    log(`${step}: clone --bare ${extraArgs.join(' ')}, ${opts.runs} run(s) per target (expect ${wantObjects} objects)`);
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        if (failed(step, t)) continue;
        const dest = path.join(workDir, `${step}-${run}`);
        try {
          const repo = await ensureFull(t);
          const r = await withCpu(t, () => runGit(cloneArgs(t, repo, dest, extraArgs)));
          if (step === 'shallow') {
            const refs = refsOf(dest);
            if (refs !== `${head} refs/heads/main`) throw new Error(`depth-1 clone has refs ${refs.slice(0, 200)}`);
            if (gitSync(['-C', dest, 'rev-list', '--count', 'refs/heads/main']) !== '1') throw new Error('depth-1 clone has more than one commit');
          } else if (refsOf(dest) !== fixtureRefs) throw new Error('cloned refs differ from the fixture');
          const got = inPack(dest);
          extra[step] ??= {};
          extra[step][t.name] = { objects: got, expected: wantObjects };
          if (got > wantObjects) throw new Error(`received ${got} objects, expected ${wantObjects}: the server ignored ${extraArgs.join(' ')}`);
          if (got !== wantObjects && run === 0) notes.push(`${t.name} ${step}: received ${got} objects, expected ${wantObjects}`);
          record(step, t, r.ms, r);
          log(`  ${t.name} ${step} #${run + 1}: ${fmtMs(r.ms)} (${got} objects)`);
        } catch (err) {
          await fail(step, t, err);
          log(`  ${t.name} ${step} failed: ${err.message}`);
        } finally {
          rmrf(dest);
        }
      }
    }
  }

  // 5. Server RSS during a clone and during a push (extra, untimed runs, so sampling never slows a timed one).
  if (steps.has('rss')) {
    log('rss: one sampled clone per target');
    for (const t of targets) {
      const dest = path.join(workDir, 'clone-rss');
      try {
        const repo = await ensureFull(t);
        const { result: r, mem } = await memoryOfStep(t, () => runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'ls-remote', t.cloneUrl(repo)]),
          () => runGit(cloneArgs(t, repo, dest)));
        await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
        if (refsOf(dest) !== fixtureRefs) throw new Error('cloned refs differ from the fixture');
        record('rss', t, mem.peakTree - mem.idleTree);
        extra.rss ??= {};
        extra.rss[t.name] = { ...mem, cloneMs: r.ms };
        log(`  ${t.name}: ${describeMemory(mem)}`);
      } catch (err) {
        await fail('rss', t, err);
        log(`  ${t.name} rss failed: ${err.message}`);
      } finally {
        rmrf(dest);
      }
    }
  }

  // The first clone of a repo no clone has read yet (its object list is not cached: the walk runs),
  // on a server restarted after the untimed push that filled it.
  if (steps.has('rss-cold')) {
    log('rss-cold: one sampled first clone of a freshly pushed repo per target');
    for (const t of targets) {
      const dest = path.join(workDir, 'clone-rss-cold');
      const repo = `rss-cold-${t.name}`;
      try {
        await pushFixture(t, repo);
        await verifyRemote(t, repo);
        const { mem } = await memoryOfStep(t, () => runGit([...t.authArgs(repo), '-c', 'protocol.version=2', 'ls-remote', t.cloneUrl(repo)]),
          () => runGit(cloneArgs(t, repo, dest)));
        await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
        if (refsOf(dest) !== fixtureRefs) throw new Error('cloned refs differ from the fixture');
        record('rss-cold', t, mem.peakTree - mem.idleTree);
        extra['rss-cold'] ??= {};
        extra['rss-cold'][t.name] = mem;
        log(`  ${t.name}: ${describeMemory(mem)}`);
      } catch (err) {
        await fail('rss-cold', t, err);
        log(`  ${t.name} rss-cold failed: ${err.message}`);
      } finally {
        rmrf(dest);
      }
    }
  }

  if (steps.has('rss-push')) {
    log('rss-push: one sampled push of every ref into a new repo per target');
    for (const t of targets) {
      try {
        const full = await ensureFull(t);
        const repo = `rss-push-${t.name}`;
        // Warm-up: the repo is made over REST and the full repo's refs listed (the core loaded).
        const warmUp = async () => {
          await t.createRepo(repo);
          await runGit([...t.authArgs(full), '-c', 'protocol.version=2', 'ls-remote', t.cloneUrl(full)]);
        };
        const { mem } = await memoryOfStep(t, warmUp, () =>
          runGit([...t.authArgs(repo), '-C', fixture, 'push', '--quiet', t.cloneUrl(repo), ...fullRefspecs]));
        await verifyRemote(t, repo);
        record('rss-push', t, mem.peakTree - mem.idleTree);
        extra['rss-push'] ??= {};
        extra['rss-push'][t.name] = mem;
        log(`  ${t.name}: ${describeMemory(mem)}`);
      } catch (err) {
        await fail('rss-push', t, err);
        log(`  ${t.name} rss-push failed: ${err.message}`);
      }
    }
  }


  // 2. Incremental fetch of the last `tail` commits.
  if (steps.has('fetch')) {
    log(`fetch: seed with main~${tail}, clone, push the last ${tail} commits, then ${opts.runs} timed fetch(es) per target`);
    const bases = new Map();
    for (const t of targets) {
      const base = path.join(workDir, `fetch-base-${t.name.replace(/\W/g, '_')}`);
      try {
        const { info, ms: seedMs } = await pushFixture(t, 'fetch', [`${headMinus}:refs/heads/main`, 'refs/tags/*:refs/tags/*']);
        await runGit(cloneArgs(t, 'fetch', base));
        if (gitSync(['-C', base, 'rev-parse', 'refs/heads/main']) !== headMinus) throw new Error('seeded clone is not at main~tail');
        const r = await runGit([...info.authArgs, '-C', fixture, 'push', '--quiet', info.url, 'refs/heads/main:refs/heads/main']);
        extra.fetchSetup ??= {};
        extra.fetchSetup[t.name] = { seedPushMs: seedMs, tailPushMs: r.ms };
        bases.set(t.name, base);
        log(`  ${t.name}: seeded in ${fmtMs(seedMs)}, pushed ${tail} commits in ${fmtMs(r.ms)}`);
      } catch (err) {
        await fail('fetch', t, err);
        log(`  ${t.name} fetch setup failed: ${err.message}`);
      }
    }
    for (let run = 0; run < opts.runs; run++) {
      for (const t of orderFor(run)) {
        if (!bases.has(t.name) || failed('fetch', t)) continue;
        const dest = path.join(workDir, 'fetch-run');
        try {
          rmrf(dest);
          cpSync(bases.get(t.name), dest, { recursive: true });
          const r = await withCpu(t, () => runGit([...t.authArgs('fetch'), '-c', 'protocol.version=2', '-C', dest, 'fetch', '--quiet', '--no-tags',
            t.cloneUrl('fetch'), '+refs/heads/*:refs/remotes/origin/*']));
          if (gitSync(['-C', dest, 'rev-parse', 'refs/remotes/origin/main']) !== head) throw new Error('fetch did not bring main to the fixture head');
          if (run === 0) await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
          record('fetch', t, r.ms, r);
          log(`  ${t.name} fetch #${run + 1}: ${fmtMs(r.ms)}`);
        } catch (err) {
          await fail('fetch', t, err);
          log(`  ${t.name} fetch failed: ${err.message}`);
        } finally {
          rmrf(dest);
        }
      }
    }
    for (const b of bases.values()) rmrf(b);
  }

  // 4. Ref advertisement latency: `git ls-remote` (v2: GET info/refs + POST ls-refs) and a raw
  //    GET /info/refs?service=git-upload-pack (v0: every ref in one response), each median of R.
  if (steps.has('adv')) {
    log(`adv: ${opts.advRuns} ls-remote and ${opts.advRuns} GET info/refs per target`);
    const repos = new Map();
    for (const t of targets) {
      try {
        repos.set(t.name, await ensureFull(t));
      } catch (err) {
        await fail('adv-ls-remote', t, err);
        record('adv-get', t, err);
      }
    }
    const live = targets.filter((t) => repos.has(t.name));
    const lsArgs = (t) => [...t.authArgs(repos.get(t.name)), '-c', 'protocol.version=2', 'ls-remote', t.cloneUrl(repos.get(t.name))];
    const getHeaders = (t) => {
      const a = t.authArgs(repos.get(t.name));
      const h = { 'user-agent': 'git/2.39.5', accept: '*/*' };
      const i = a.findIndex((x) => x.startsWith('http.extraHeader='));
      if (i >= 0) {
        const [k, ...v] = a[i].slice('http.extraHeader='.length).split(':');
        h[k.trim().toLowerCase()] = v.join(':').trim();
      }
      return h;
    };
    for (const t of live) { // warm-up, and a correctness check
      try {
        const r = await runGit(lsArgs(t), { stdout: 'pipe' });
        const n = r.stdout.trim().split('\n').length;
        const g = await httpGet(`${t.cloneUrl(repos.get(t.name))}/info/refs?service=git-upload-pack`, getHeaders(t));
        if (g.status !== 200 || !g.first.startsWith('001e# service=git-upload-pack')) throw new Error(`GET info/refs: ${g.status} ${JSON.stringify(g.first)}`);
        extra.adv ??= {};
        extra.adv[t.name] = { lsRemoteLines: n, infoRefsBytes: g.bytes };
      } catch (err) {
        await fail('adv-ls-remote', t, err);
        record('adv-get', t, err);
      }
    }
    for (let run = 0; run < opts.advRuns; run++) {
      for (const t of orderFor(run)) {
        if (failed('adv-ls-remote', t)) continue;
        try {
          const r = await withCpu(t, () => runGit(lsArgs(t)));
          record('adv-ls-remote', t, r.ms, r);
        } catch (err) {
          await fail('adv-ls-remote', t, err);
        }
      }
    }
    for (let run = 0; run < opts.advRuns; run++) {
      for (const t of orderFor(run)) {
        if (failed('adv-get', t)) continue;
        try {
          const g = await withCpu(t, () => httpGet(`${t.cloneUrl(repos.get(t.name))}/info/refs?service=git-upload-pack`, getHeaders(t)));
          if (g.status !== 200) throw new Error(`GET info/refs: ${g.status}`);
          record('adv-get', t, g.ms, { serverCpu: g.serverCpu });
        } catch (err) {
          await fail('adv-get', t, err);
        }
      }
    }
    for (const t of live) {
      log(`  ${t.name}: ls-remote ${fmtMs(median(results['adv-ls-remote']?.[t.name]?.samples ?? []))}, ` +
        `GET info/refs ${fmtMs(median(results['adv-get']?.[t.name]?.samples ?? []))}`);
    }
  }

  // 5. fork() and import() on our server, as ratios to our own initial push of the same repo
  //    (http-backend has neither): fork of the full repo, default branch only and all refs; import
  //    of the full repo from the http-backend baseline over loopback (protocol v2).
  if ((steps.has('fork') || steps.has('import')) && ours) {
    if (!results.push?.[ours.name]?.samples.length) {
      log(`fork/import: measuring ${ours.name}'s push once as the reference`);
      try {
        const { ms, cpu } = await pushFixture(ours, 'push-reference');
        record('push', ours, ms, cpu);
      } catch (err) {
        log(`  push reference failed: ${err.message}`);
      }
    }
    let seed;
    try {
      seed = await ensureFull(ours);
    } catch (err) {
      log(`fork/import: seeding ${ours.name} failed: ${err.message}`);
      if (steps.has('fork')) { record('fork-main', ours, err); record('fork-all', ours, err); }
      if (steps.has('import')) record('import', ours, err);
    }
    const timedPost = (url, body) => withCpu(ours, async () => {
      const t0 = performance.now();
      const json = await postJson(url, body);
      return { ms: performance.now() - t0, json };
    });
    const checkClone = async (repo, token, wantRefs) => {
      const dest = path.join(workDir, 'fork-check');
      rmrf(dest);
      try {
        await runGit(['-c', `http.extraHeader=Authorization: Bearer ${token}`, '-c', 'protocol.version=2', 'clone', '--bare', '--quiet',
          `${ours.url}/git/default/${repo}.git`, dest]);
        await runGit(['-C', dest, 'fsck', '--connectivity-only', '--no-progress']);
        if (refsOf(dest) !== wantRefs) throw new Error(`${repo}: cloned refs differ from the source`);
      } finally {
        rmrf(dest);
      }
    };
    const mainOnly = fixtureRefs.split('\n').filter((l) => l.endsWith(' refs/heads/main')).join('\n');
    const stepsHere = [];
    if (steps.has('fork') && seed) {
      stepsHere.push(['fork-main', (run) => timedPost(`${ours.url}${REPOS_PATH}/${seed}/fork`, { name: `fork-main-${run}` }), mainOnly]);
      stepsHere.push(['fork-all', (run) => timedPost(`${ours.url}${REPOS_PATH}/${seed}/fork`, { name: `fork-all-${run}`, default_branch_only: false }), fixtureRefs]);
    }
    let source;
    if (steps.has('import') && backend && seed) {
      try {
        source = backend.cloneUrl(await ensureFull(backend));
      } catch (err) {
        log(`import: seeding ${backend.name} failed: ${err.message}`);
        record('import', ours, err);
      }
    }
    if (source) {
      stepsHere.push(['import', (run) => timedPost(`${ours.url}${REPOS_PATH}/import-${run}/import`, { url: source }), fixtureRefs]);
    }
    for (const [step, go, wantRefs] of stepsHere) {
      log(`${step}: ${opts.runs} run(s)`);
      for (let run = 0; run < opts.runs; run++) {
        try {
          const r = await go(run);
          record(step, ours, r.ms, r);
          log(`  ${step} #${run + 1}: ${fmtMs(r.ms)}`);
          if (run === 0) await checkClone(r.json.result.name, r.json.result.token, wantRefs);
        } catch (err) {
          await fail(step, ours, err);
          log(`  ${step} failed: ${err.message}`);
          break;
        }
      }
    }
  }

  if (stopping) await new Promise(() => {}); // the signal handler reports and exits
  await cleanup();
  await report(false);

  // The tables and the JSON; `interrupted` (SIGINT/SIGTERM) reports the steps measured so far.
  async function report(interrupted) {
    reported = true;
    const seconds = (performance.now() - tStart) / 1000;
    if (interrupted) notes.push('interrupted: only the steps measured before the signal are shown');

    // Report.
    for (const byTarget of Object.values(results)) {
      for (const r of Object.values(byTarget)) {
        r.median = median(r.samples);
        r.min = Math.min(...r.samples);
        r.max = Math.max(...r.samples);
        if (!r.samples.length) r.median = r.min = r.max = null;
        if (r.serverCpuMs) r.serverCpuMedian = median(r.serverCpuMs);
        if (r.clientCpuMs) r.clientCpuMedian = median(r.clientCpuMs);
      }
    }
    const rows = [
      { step: 'clone', label: `full clone, protocol v2 (median of ${opts.runs})`, max: 1.0 },
      { step: 'cold-clone', label: `first clone right after the push (median of ${opts.runs})`, max: 1.0 },
      { step: 'blobless', label: `clone --filter=blob:none (median of ${opts.runs})`, max: 1.0 },
      { step: 'treeless', label: `clone --filter=tree:0 (median of ${opts.runs})`, max: 1.0 },
      { step: 'shallow', label: `clone --depth 1 (median of ${opts.runs})`, max: 1.0 },
      { step: 'fetch', label: `incremental fetch, ${tail} commits (median of ${opts.runs})`, max: 1.0 },
      { step: 'push', label: `initial push, all refs (median of ${opts.runs})`, max: 1.5 },
      { step: 'adv-ls-remote', only: 'adv', label: `ref adv.: git ls-remote (median of ${opts.advRuns})`, max: 1.0 },
      { step: 'adv-get', only: 'adv', label: `ref adv.: GET info/refs v0 (median of ${opts.advRuns})`, max: 1.0 },
      { step: 'rss', label: 'server RSS during clone, peak - idle (tree)', absMax: 64 * MiB },
      { step: 'rss-cold', label: 'server RSS during a first clone, peak - idle (tree)', absMax: 64 * MiB },
      { step: 'rss-push', label: 'server RSS during push, peak - idle (tree)', absMax: 64 * MiB },
    ].filter((r) => steps.has(r.only ?? r.step));
    const [A, B] = [targets[0], targets[1]];
    const cell = (step, t) => {
      if (!t) return 'not available';
      const r = results[step]?.[t.name];
      if (!r) return '-';
      if (r.error !== undefined && !r.samples.length) return 'error';
      return step.startsWith('rss') ? fmtMiB(r.median) : fmtMs(r.median);
    };
    const table = [['step', A.name, B?.name ?? 'ours', 'ratio', 'target', '']];
    const summary = {};
    for (const row of rows) {
      const a = results[row.step]?.[A.name]?.median;
      const b = B ? results[row.step]?.[B.name]?.median : null;
      const ratio = Number.isFinite(a) && Number.isFinite(b) && a > 0 ? b / a : null;
      let verdict = '';
      let target = '';
      if (row.max !== undefined) {
        target = `<= ${row.max.toFixed(1)}x`;
        if (ratio !== null) verdict = ratio <= row.max ? 'ok' : 'MISS';
      } else {
        target = `<= ${row.absMax / MiB} MiB`;
        if (Number.isFinite(b)) verdict = b <= row.absMax ? 'ok' : 'MISS';
      }
      table.push([row.label, cell(row.step, A), cell(row.step, B), ratio === null ? '-' : `${ratio.toFixed(2)}x`, target, verdict]);
      summary[row.step] = { baseline: a ?? null, candidate: b ?? null, ratio, target, verdict: verdict || null };
    }
    // fork/import: ours only, as a ratio to our own push.
    const selfRows = [
      { step: 'fork-main', only: 'fork', label: `fork, default branch only (median of ${opts.runs})`, max: 0.1 },
      { step: 'fork-all', only: 'fork', label: `fork, all refs (median of ${opts.runs})`, max: 0.1 },
      { step: 'import', label: `import from http-backend, all refs (median of ${opts.runs})` },
    ].filter((r) => steps.has(r.only ?? r.step) && ours && results[r.step]?.[ours.name]);
    const pushMs = ours ? results.push?.[ours.name]?.median : undefined;
    for (const row of selfRows) {
      const v = results[row.step][ours.name].median;
      const ratio = Number.isFinite(v) && pushMs > 0 ? v / pushMs : null;
      const verdict = row.max === undefined || ratio === null ? '' : ratio <= row.max ? 'ok' : 'MISS';
      table.push([row.label, '-', cell(row.step, ours), ratio === null ? '-' : `${ratio.toFixed(2)}x of our push`,
        row.max === undefined ? '' : `<= ${row.max.toFixed(2)}x`, verdict]);
      summary[row.step] = { candidate: v ?? null, ourPush: pushMs ?? null, ratioToOurPush: ratio, verdict: verdict || null };
    }
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
    console.log('');
    console.log(`${opts.fixtureName} ${formatStats(fx.stats)}`);
    console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model?.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ` +
      `${gitSync(['--version'])}, node ${process.version}; runs ${opts.runs}, adv runs ${opts.advRuns}`);
    for (const n of notes) console.log(n);
    console.log(line(table[0]));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of table.slice(1)) console.log(line(r));

    // CPU time: much less sensitive than wall time to other load on the machine.
    const cpuRows = rows.filter((r) => !r.step.startsWith('rss'));
    if (cpuRows.some((r) => results[r.step]?.[A.name]?.serverCpuMedian !== undefined)) {
      const cpuCell = (step, t, k) => {
        const v = t ? results[step]?.[t.name]?.[k] : undefined;
        return v === undefined ? '-' : fmtMs(v);
      };
      const ct = [['CPU time, median (user+sys)', `${A.name} server`, `${B?.name ?? 'ours'} server`, 'ratio', `${A.name} client`, `${B?.name ?? 'ours'} client`]];
      for (const row of cpuRows) {
        const a = results[row.step]?.[A.name]?.serverCpuMedian;
        const b = B ? results[row.step]?.[B.name]?.serverCpuMedian : undefined;
        const ratio = a > 0 && Number.isFinite(b) ? `${(b / a).toFixed(2)}x` : '-';
        ct.push([row.label.replace(/ \(median of \d+\)/, ''), cpuCell(row.step, A, 'serverCpuMedian'), cpuCell(row.step, B, 'serverCpuMedian'), ratio,
          cpuCell(row.step, A, 'clientCpuMedian'), cpuCell(row.step, B, 'clientCpuMedian')]);
        if (summary[row.step]) Object.assign(summary[row.step], { baselineServerCpu: a ?? null, candidateServerCpu: b ?? null });
      }
      const w = ct[0].map((_, i) => Math.max(...ct.map((r) => r[i].length)));
      const l = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
      console.log('');
      console.log(l(ct[0]));
      console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
      for (const r of ct.slice(1)) console.log(l(r));
    }
    const errors = [];
    for (const [step, byTarget] of Object.entries(results)) {
      for (const [name, r] of Object.entries(byTarget)) if (r.error !== undefined) errors.push(`${name} ${step}: ${r.error}`);
    }
    for (const e of errors) console.log(`error: ${e}`);
    console.log(`ratio = ${B?.name ?? 'ours'} / ${A.name} (lower is better); times are wall-clock medians of the git client; ` +
      `RSS is the server process tree (Node + any children it spawns), sampled every 10 ms; server CPU includes its reaped children.`);
    const loadEnd = os.loadavg()[0];
    console.log(`load average (1 min): ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end on ${os.cpus().length} CPUs` +
      (Math.max(loadStart, loadEnd) > os.cpus().length * 0.5 ? ' -- the machine was busy: wall times are noisy, compare CPU times' : '') +
      `; total ${seconds.toFixed(0)} s`);

    mkdirSync(path.dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, JSON.stringify({
      date: new Date().toISOString(),
      command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      seconds: Number(seconds.toFixed(1)),
      machine: {
        cpus: os.cpus().length, cpu: os.cpus()[0]?.model?.trim(), memBytes: os.totalmem(), kernel: os.release(),
        git: gitSync(['--version']), node: process.version, clkTck, loadavg1Start: loadStart, loadavg1End: os.loadavg()[0],
      },
      options: { fixture: opts.fixtureName, runs: opts.runs, advRuns: opts.advRuns, timeoutSeconds: opts.timeout, only: opts.only, targets: names },
      fixture: { key: fx.key, ...fx.stats },
      interrupted, notes, errors, summary, results, extra,
    }, null, 2) + '\n');
    log(`wrote ${path.relative(process.cwd(), opts.out) || opts.out}`);
  }
}

let stopping = false; // set on SIGINT/SIGTERM: results that arrive afterwards are not recorded
let cleanupHook = async () => {};
main().then(() => process.exit(0), async (err) => {
  console.error(err?.stack ?? err);
  await cleanupHook();
  process.exit(1);
});
