// Helpers shared by the benchmarks (bench/run.mjs, bench/scale.mjs, bench/workerd.mjs): stats and
// formatting, /proc sampling of a process (CPU time, RSS, children), the git client, the two server
// targets (http-backend and ours, each its own Node process) and RSS sampling of a process tree, the
// report's table, machine and load lines, and the results file.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanGitEnv, ROOT } from '../make-fixture.mjs';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const MiB = 1024 * 1024;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (m) => process.stderr.write(`${m}\n`);
export const rmrf = (p) => rmSync(p, { recursive: true, force: true });

// The median of the finite values of xs; null when there are none.
export const median = (xs) => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  const n = s.length;
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : null;
};
export const fmtMs = (ms) => (!Number.isFinite(ms) ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
export const fmtMiB = (b) => (!Number.isFinite(b) ? '-' : `${(b / MiB).toFixed(1)} MiB`);

// ---------------------------------------------------------------------------------------------
// /proc

// The pids of a process's children (of all its threads).
export function childrenOf(pid) {
  const kids = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return kids;
  }
  for (const t of tasks) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (s) for (const k of s.split(/\s+/)) kids.push(Number(k));
    } catch { /* thread or process gone */ }
  }
  return kids;
}

// VmRSS and VmHWM of a process in bytes (`missing` for a field /proc does not show, as for a
// zombie); null when the process is gone.
export function statusOf(pid, missing = 0) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (f) => {
      const m = new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(s);
      return m ? Number(m[1]) * 1024 : missing;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

// CPU time (ms) of a process from /proc/<pid>/stat: its own user+sys, plus (children) that of
// the children it has waited for (cutime/cstime), i.e. every finished process it spawned.
export let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch { /* keep 100 */ }

export function cpuMs(pid, { self = true, children = true } = {}) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    const [ut, st, cut, cst] = [f[11], f[12], f[13], f[14]].map(Number);
    return ((self ? ut + st : 0) + (children ? cut + cst : 0)) * 1000 / clkTck;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Git clients and server processes (bench/run.mjs, bench/scale.mjs)

// The git client's settings, set by the script: env (makeWorkspace's: an isolated HOME, no system
// config) and timeoutMs (--timeout: a git command, or a REST call, that runs longer is killed and is
// an error); active holds the git clients running now (to kill on SIGINT/SIGTERM).
export const gitClient = { env: undefined, timeoutMs: 600_000, active: new Set() };

// The options run.mjs and scale.mjs share, parsed by node:util's parseArgs (`--name value` or
// `--name=value`): --runs, --timeout (s), --only a,b (of `steps`), --targets (one or two of
// baseline, ours), --fixture (a FIXTURES name), --out, --keep, --help. `defaults` overrides the
// shared defaults; `extra` declares more string options, each handed to `onExtra(name, value, o)`.
export function parseBenchArgs(argv, { steps, fixtures, defaults = {}, extra = [], onExtra = () => {} }) {
  const options = {
    runs: { type: 'string' }, timeout: { type: 'string' }, only: { type: 'string' }, targets: { type: 'string' },
    fixture: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' },
  };
  for (const name of extra) options[name] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const o = { runs: 3, timeout: 600, only: steps, targets: ['baseline', 'ours'], fixtureName: 'default', out: null, keep: false, ...defaults };
  const positiveInt = (name, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  for (const [name, value] of Object.entries(values)) {
    if (name === 'keep' || name === 'help') o[name] = value;
    else if (name === 'runs' || name === 'timeout') o[name] = positiveInt(name, value);
    else if (name === 'fixture') {
      if (!fixtures[value]) throw new Error(`unknown fixture ${value} (known: ${Object.keys(fixtures).join(', ')})`);
      o.fixtureName = value;
    } else if (name === 'only') {
      o.only = value.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of o.only) if (!steps.includes(s)) throw new Error(`unknown step ${s} (steps: ${steps.join(', ')})`);
    } else if (name === 'targets') {
      o.targets = value.split(',').map((s) => s.trim());
      if (o.targets.length < 1 || o.targets.length > 2 || o.targets.some((t) => !['baseline', 'ours'].includes(t))) {
        throw new Error('--targets takes one or two of baseline, ours (e.g. baseline,ours or baseline,baseline)');
      }
    } else if (name === 'out') o.out = path.resolve(value);
    else onExtra(name, value, o, positiveInt);
  }
  return o;
}

// The start of a benchmark script's main(): with --help it prints the script's usage comment (its
// lines 2..`usageLines`, without "// ") and returns null; otherwise it sets git's timeout and
// returns the start time, the load average and the steps asked for.
export function beginRun(opts, scriptUrl, usageLines) {
  if (opts.help) {
    console.log(readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n').slice(1, usageLines).join('\n').replace(/^\/\/ ?/gm, ''));
    return null;
  }
  gitClient.timeoutMs = opts.timeout * 1000;
  return { tStart: performance.now(), loadStart: os.loadavg()[0], steps: new Set(opts.only) };
}

// The git client runs in its own process group, so a timeout kills it with every helper it started
// (git-remote-http, index-pack, ...).
export function runGit(args, { cwd, allowFail = false, stdout = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('git', args, { cwd, env: gitClient.env, stdio: ['ignore', stdout, 'pipe'], detached: true });
    gitClient.active.add(child);
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    }, gitClient.timeoutMs);
    child.stdout?.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      gitClient.active.delete(child);
      const ms = performance.now() - t0;
      const res = { ms, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (timedOut) {
        reject(Object.assign(new Error(`git ${redact(args).slice(0, 8).join(' ')} timed out after ${gitClient.timeoutMs / 1000} s (killed)`), { timedOut: true }));
      } else if (code !== 0 && !allowFail) {
        reject(new Error(`git ${redact(args).join(' ')} exited with ${code}: ${res.stderr.trim().slice(0, 2000)}`));
      } else resolve(res);
    });
  });
}

export const redact = (args) => args.map((a) => a.replace(/(Bearer )\S+/, '$1***'));
export const gitSync = (args, opts = {}) => execFileSync('git', args, { env: gitClient.env, encoding: 'utf8', maxBuffer: 1 << 28, ...opts }).trim();

// The environment and node flags `npm start` runs the server with (scripts/start.sh: its `export
// NAME=value` lines and its `exec node [flags...] js/bin/open-artifacts.js serve` line), so the
// benchmark measures our server as users start it.
export function serverNodeSettings() {
  const lines = readFileSync(path.join(ROOT, 'scripts', 'start.sh'), 'utf8').split(/\r?\n/);
  const env = {};
  for (const line of lines) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  const exec = lines.map((l) => /^exec node((?:\s+-\S+)*)\s+js\/bin\/open-artifacts\.js serve\b/.exec(l.trim())).find(Boolean);
  if (!exec) throw new Error('scripts/start.sh: no `exec node ... js/bin/open-artifacts.js serve` line');
  return { env, flags: exec[1].split(/\s+/).filter(Boolean) };
}

// Starts `node script ...args` (with `settings`: { env, flags } added) and waits for its first stdout
// line: {url, pid} or {error}.
export function startNodeServer(script, args, label, settings = { env: {}, flags: [] }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...settings.flags, script, ...args],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...settings.env } });
    let buf = '';
    let settled = false;
    const stderr = [];
    const timer = setTimeout(() => finish(new Error(`${label}: no URL within 60 s`)), 60000);
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        child.kill();
        reject(err);
      } else resolve(value);
    };
    child.stderr.on('data', (c) => {
      stderr.push(c);
      if (settled) process.stderr.write(`[${label}] ${c}`);
    });
    child.stdout.on('data', (c) => {
      if (settled) return;
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let msg;
      try {
        msg = JSON.parse(buf.slice(0, nl));
      } catch {
        return finish(new Error(`${label}: unexpected output ${buf.slice(0, 200)}`));
      }
      if (msg.error) return finish(Object.assign(new Error(msg.error), { notAvailable: true }));
      finish(null, { child, url: msg.url.replace(/\/$/, ''), pid: msg.pid ?? child.pid });
    });
    child.on('error', (err) => finish(err));
    child.on('exit', (code) => finish(new Error(`${label} exited with ${code}: ${Buffer.concat(stderr).toString().slice(-2000)}`)));
  });
}

export function stopNodeServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.stdin.end();
    child.kill('SIGTERM');
  });
}

// Where both targets create repos (the baseline answers the same path): our REST API.
export const REPOS_PATH = '/client/v4/accounts/local/artifacts/namespaces/default/repos';

export async function postJson(url, body) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(gitClient.timeoutMs),
    });
  } catch (err) {
    if (err?.name === 'TimeoutError') throw Object.assign(new Error(`POST ${url} timed out after ${gitClient.timeoutMs / 1000} s`), { timedOut: true });
    throw err;
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  }
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  return json;
}

// ---------------------------------------------------------------------------------------------
// Targets: { name, kind, start() -> instance }; instance: { name, url, pid, restart(), createRepo(name) ->
// { url, authArgs }, cloneUrl(name), authArgs(name), close() }. Both run as separate Node processes.

// launch(port) starts the server process; restart() relaunches it on the same port and data, so
// remotes and tokens stay valid.
export async function makeInstance(name, kind, launch, authFor) {
  const repos = new Map();
  let proc = await launch(0);
  const port = new URL(proc.url).port;
  const inst = {
    name, kind, url: proc.url, pid: proc.pid,
    async restart() {
      await stopNodeServer(proc.child);
      proc = await launch(port);
      inst.pid = proc.pid;
    },
    // null while the server process runs, else how it ended (e.g. killed by the OOM killer)
    exited: () => (proc.child.exitCode !== null || proc.child.signalCode !== null
      ? `exit code ${proc.child.exitCode}, signal ${proc.child.signalCode}` : null),
    async createRepo(repo) {
      const json = await postJson(`${proc.url}${REPOS_PATH}`, { name: repo });
      const r = json.result ?? json;
      if (!r.remote) throw new Error(`${name}: POST ${REPOS_PATH} returned no remote: ${JSON.stringify(json).slice(0, 300)}`);
      const info = { url: r.remote, authArgs: authFor(r.token) };
      repos.set(repo, info);
      return info;
    },
    cloneUrl: (repo) => repos.get(repo)?.url ?? `${proc.url}/git/default/${repo}.git`,
    authArgs: (repo) => repos.get(repo)?.authArgs ?? [],
    close: () => stopNodeServer(proc.child),
  };
  return inst;
}

export function baselineTarget(name, workDir) {
  return {
    name, kind: 'baseline',
    async start() {
      const root = path.join(workDir, name.replace(/\W/g, '_'), 'root');
      const script = path.join(BENCH_DIR, 'http-backend-server.mjs');
      return makeInstance(name, 'baseline', (port) => startNodeServer(script, ['--root', root, '--port', String(port)], name), () => []);
    },
  };
}

export function oursTarget(name, workDir) {
  return {
    name, kind: 'ours',
    async start() {
      const mod = process.env.BENCH_OURS_MODULE ?? path.join(ROOT, 'js', 'src', 'server.js');
      if (!existsSync(mod)) {
        throw Object.assign(new Error(`${path.relative(ROOT, mod)} does not exist yet`), { notAvailable: true });
      }
      const dataDir = path.join(workDir, name.replace(/\W/g, '_'), 'data');
      const script = path.join(BENCH_DIR, 'ours-server.mjs');
      return makeInstance(name, 'ours', (port) => startNodeServer(script, ['--data-dir', dataDir, '--port', String(port)], name, serverNodeSettings()),
        (token) => (token ? ['-c', `http.extraHeader=Authorization: Bearer ${token}`] : []));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// RSS sampling of a process tree through /proc.

export function cmdlineOf(pid) {
  try {
    const parts = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const bin = path.basename(parts[0] ?? '?');
    if (bin === 'node') return 'node';
    return [bin, ...parts.slice(1).filter((a) => !a.startsWith('-')).slice(0, 1)].join(' ');
  } catch {
    return '?';
  }
}

export function sampleTree(root, names) {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) pids.push(...childrenOf(pids[i]));
  let total = 0;
  const per = [];
  for (const p of pids) {
    const st = statusOf(p);
    if (!st) continue;
    total += st.rss;
    names.set(p, cmdlineOf(p)); // re-read: a process may have exec'd since the last sample
    per.push([p, st.rss]);
  }
  return { total, per, rootRss: per.find(([p]) => p === root)?.[1] ?? 0 };
}

export function startSampler(pid, intervalMs = 10) {
  const names = new Map();
  let peak = 0;
  let peakRoot = 0;
  let samples = 0;
  const peakByName = {};
  const tick = () => {
    const s = sampleTree(pid, names);
    samples++;
    peak = Math.max(peak, s.total);
    peakRoot = Math.max(peakRoot, s.rootRss);
    for (const [p, rss] of s.per) {
      const n = names.get(p);
      if (n === '?' || !rss) continue; // exiting or exec'ing
      peakByName[n] = Math.max(peakByName[n] ?? 0, rss);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return () => {
    clearInterval(timer);
    tick();
    return { peak, peakRoot, samples, peakByName };
  };
}

// The memory a step costs a server. A fresh process on the same data and port (WebAssembly memory
// never shrinks, so earlier steps would inflate "idle"), warmed up by warmUp() (e.g. one ls-remote)
// so lazy start-up work is done, then 1 s of rest; idle is the median of 5 samples of the process
// tree. The server process's VmHWM is reset (/proc/<pid>/clear_refs), the tree's VmRSS is sampled
// every 10 ms during step(), and VmHWM is read after it. Returns { result: step()'s, mem }.
export async function memoryOfStep(t, warmUp, step) {
  await t.restart();
  await warmUp();
  await sleep(1000);
  const idleSamples = [];
  const idleRoot = [];
  for (let i = 0; i < 5; i++) {
    const s = sampleTree(t.pid, new Map());
    idleSamples.push(s.total);
    idleRoot.push(s.rootRss);
    await sleep(20);
  }
  try {
    writeFileSync(`/proc/${t.pid}/clear_refs`, '5'); // reset VmHWM of the server process
  } catch { /* not permitted: VmHWM is then the lifetime peak */ }
  const stop = startSampler(t.pid, 10);
  let result;
  let s;
  try {
    result = await step();
  } finally {
    s = stop(); // also on failure: a live interval would keep the process running
  }
  const hwm = statusOf(t.pid)?.hwm ?? 0;
  const idle = median(idleSamples);
  const idleMain = median(idleRoot);
  return {
    result,
    mem: {
      idleTree: idle, peakTree: s.peak, idleMain, peakMainSampled: s.peakRoot, vmHWMMain: hwm,
      hwmAboveIdleMain: hwm - idleMain, samples: s.samples, peakByProcess: s.peakByName,
    },
  };
}

// One line on memoryOfStep()'s mem: idle, peak, VmHWM and the peak of each process by command.
export const describeMemory = (m) => `idle ${fmtMiB(m.idleTree)}, peak ${fmtMiB(m.peakTree)} (tree, ${m.samples} samples), ` +
  `server process VmHWM ${fmtMiB(m.vmHWMMain)}; ${Object.entries(m.peakByProcess).map(([k, v]) => `${k} ${fmtMiB(v)}`).join(', ')}`;

// Waits (bounded) until the server has reaped every child, so their CPU time is accounted.
export async function serverQuiet(pid, maxMs = 3000) {
  const t0 = performance.now();
  while (childrenOf(pid).length && performance.now() - t0 < maxMs) await sleep(5);
}

// Runs fn() and adds the server's and the git client's CPU time spent meanwhile.
export async function withCpu(t, fn) {
  const s0 = cpuMs(t.pid);
  const c0 = cpuMs(process.pid, { self: false });
  const res = await fn();
  await serverQuiet(t.pid);
  return { ...res, serverCpu: cpuMs(t.pid) - s0, clientCpu: cpuMs(process.pid, { self: false }) - c0 };
}


export function refsOf(repo) {
  return gitSync(['-C', repo, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']);
}

// ---------------------------------------------------------------------------------------------
// The report

// Prints rows (the first the header) as a Markdown table: the first column left-aligned, the others right.
export function printTable(table) {
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(table[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of table.slice(1)) console.log(line(r));
}

// "N x <cpu>, <mem> GiB; <git version>, node <version>" for the report's machine line.
export const machineSummary = (gitVersion) =>
  `${os.cpus().length} x ${os.cpus()[0]?.model?.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${gitVersion}, node ${process.version}`;

// The load average at the start and end of a run, flagged when the machine was busy, and the run's length.
export function printLoad(loadStart, loadEnd, seconds) {
  console.log(`load average (1 min): ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end on ${os.cpus().length} CPUs` +
    (Math.max(loadStart, loadEnd) > os.cpus().length * 0.5 ? ' -- the machine was busy: wall times are noisy, compare CPU times' : '') +
    `; total ${seconds.toFixed(0)} s`);
}

// Writes the results file `out`: { date, command (`node <script> <args>`), seconds, machine, ...rest }.
export function writeResults(out, { script, seconds, gitVersion, loadStart, loadEnd }, rest) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    date: new Date().toISOString(),
    command: `node ${script} ${process.argv.slice(2).join(' ')}`.trim(),
    seconds: Number(seconds.toFixed(1)),
    machine: {
      cpus: os.cpus().length, cpu: os.cpus()[0]?.model?.trim(), memBytes: os.totalmem(), kernel: os.release(),
      git: gitVersion, node: process.version, clkTck, loadavg1Start: loadStart, loadavg1End: loadEnd,
    },
    ...rest,
  }, null, 2) + '\n');
  log(`wrote ${path.relative(process.cwd(), out) || out}`);
}

// ---------------------------------------------------------------------------------------------
// The run's workspace

// Makes `workDir` afresh with a git home in it (a user, nothing else); returns the git
// client's environment: that HOME, no system or user config from the machine.
export function makeWorkspace(workDir) {
  rmrf(workDir);
  const home = path.join(workDir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = bench\n\temail = bench@example.com\n');
  return cleanGitEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') });
}

// The run's clean-up, effective once (at the end, on an error, or on SIGINT, which it also
// handles): kills runGit's clients still running, closes every target of `targets` (as it is
// then) and removes workDir unless keep.
export function cleanupOnce(targets, workDir, keep) {
  let cleaningUp = false;
  const cleanup = async () => {
    if (cleaningUp) return;
    cleaningUp = true;
    for (const c of gitClient.active) { // runGit's clients still running, with their helpers
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch { /* gone */ }
    }
    await Promise.all(targets.map((t) => t.close().catch(() => {})));
    if (!keep) rmrf(workDir);
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  return cleanup;
}
