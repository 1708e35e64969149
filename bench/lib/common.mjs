// Helpers shared by the benchmarks (bench/run.mjs, bench/workerd.mjs): stats and
// formatting, /proc sampling of a process (CPU time, RSS, children), the
// report's table, machine and load lines, and the results file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanGitEnv } from '../make-fixture.mjs';

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
// handles): closes every target of `targets` (as it is then) and removes workDir unless keep.
export function cleanupOnce(targets, workDir, keep) {
  let cleaningUp = false;
  const cleanup = async () => {
    if (cleaningUp) return;
    cleaningUp = true;
    await Promise.all(targets.map((t) => t.close().catch(() => {})));
    if (!keep) rmrf(workDir);
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  return cleanup;
}
