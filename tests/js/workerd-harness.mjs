// Runs Workers in real workerd (npm `workerd`).
//
// startBundledWorker(entry): one test Worker under tests/workerd/, bundled by
// esbuild as wrangler would bundle a user's Worker (the package's "workerd"
// export, the wasm kept as a compiled module of its own: no code generation
// from bytes), optionally with SQLite-backed Durable Object classes whose
// state lives in a directory on disk, so a second start on the same directory
// sees it.
//
// startWorkerd({ services, sockets, stateDir }): any number of Workers in one
// workerd process: each with its modules (from bundleWorker(), a
// `wrangler deploy --dry-run` output directory via modulesOf(), or files of
// your own), Durable Object classes, text/JSON bindings and service bindings
// to another service's named entrypoint with `ctx.props`; each socket serves
// one service on a port of its own. restart() starts workerd again on the same
// config, ports and state.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const COMPATIBILITY_DATE = '2026-11-01';

// esbuild's errors, one a line: "file:line: text" (the unresolved path is in the text).
export function formatEsbuildErrors(e) {
  if (!Array.isArray(e?.errors) || e.errors.length === 0) return String(e?.message ?? e);
  return e.errors
    .map(({ text, location, notes = [] }) => [location ? `${location.file}:${location.line}: ${text}` : text, ...notes.map((n) => `  ${n.text}`)].join('\n'))
    .join('\n');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// The modules of a bundle directory (wrangler's --outdir, or bundleWorker's):
// `main` as the first (entry) ES module, every *.wasm as a compiled wasm
// module under its file name (the bundle imports "./<name>.wasm").
export function modulesOf(dir, main = 'index.js') {
  return [
    { name: main, path: join(dir, main), type: 'esModule' },
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.wasm'))
      .map((f) => ({ name: f, path: join(dir, f), type: 'wasm' })),
  ];
}

// Bundles `entry` (a path) into `outDir` (emptied first) as wrangler would for
// workerd: ESM, the "workerd"/"worker" export conditions, `cloudflare:*` and
// `node:*` left to the runtime, each imported .wasm file emitted beside the
// bundle and imported by its new name. Returns modulesOf(outDir).
export async function bundleWorker(entry, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: { index: entry },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker'],
      external: ['cloudflare:*', 'node:*'],
      loader: { '.wasm': 'copy' },
      assetNames: '[name]-[hash]',
      outdir: outDir,
      logLevel: 'silent',
    });
  } catch (e) {
    throw new Error(`esbuild could not bundle ${entry}:\n${formatEsbuildErrors(e)}`, { cause: e });
  }
  return modulesOf(outDir);
}

const text = (s) => JSON.stringify(String(s));

// One binding in capnp. binding: { name } plus one of
//   text: string | json: any | service: string | { name, entrypoint?, props? } | durableObjectNamespace: className
function bindingCapnp(b) {
  if (b.text !== undefined) return `(name = ${text(b.name)}, text = ${text(b.text)})`;
  if (b.json !== undefined) return `(name = ${text(b.name)}, json = ${text(JSON.stringify(b.json))})`;
  if (b.durableObjectNamespace !== undefined) return `(name = ${text(b.name)}, durableObjectNamespace = ${text(b.durableObjectNamespace)})`;
  if (b.service !== undefined) {
    const s = typeof b.service === 'string' ? { name: b.service } : b.service;
    const parts = [`name = ${text(s.name)}`];
    if (s.entrypoint) parts.push(`entrypoint = ${text(s.entrypoint)}`);
    if (s.props !== undefined) parts.push(`props = (json = ${text(JSON.stringify(s.props))})`);
    return `(name = ${text(b.name)}, service = (${parts.join(', ')}))`;
  }
  throw new Error(`binding ${b.name}: no value`);
}

// The workerd config: services [{ name, modules: [{ name, path, type: 'esModule'|'wasm'|'text'|'data' }],
// compatibilityDate?, compatibilityFlags?, durableObjects?: [{ className, binding?, uniqueKey? }],
// bindings?: [...], localNetwork?: true (global fetch may reach loopback and private
// addresses: workerd's default "internet" service allows public ones only) }].
function configCapnp(dir, services, sockets, stateDir) {
  const extra = [];
  if (services.some((s) => s.durableObjects?.length)) extra.push(`(name = "do-disk", disk = (path = ${text(stateDir)}, writable = true))`);
  if (services.some((s) => s.localNetwork)) extra.push('(name = "local-network", network = (allow = ["public", "private", "local"]))');
  const workers = services.map((s, i) => {
    const modules = s.modules.map((m) => `(name = ${text(m.name)}, ${m.type ?? 'esModule'} = embed ${text(relative(dir, m.path))})`);
    const dos = s.durableObjects ?? [];
    const bindings = [
      ...dos.filter((d) => d.binding).map((d) => bindingCapnp({ name: d.binding, durableObjectNamespace: d.className })),
      ...(s.bindings ?? []).map(bindingCapnp),
    ];
    const lines = [
      `modules = [\n    ${modules.join(',\n    ')},\n  ]`,
      `compatibilityDate = ${text(s.compatibilityDate ?? COMPATIBILITY_DATE)}`,
    ];
    if (s.compatibilityFlags?.length) lines.push(`compatibilityFlags = [${s.compatibilityFlags.map(text).join(', ')}]`);
    if (bindings.length) lines.push(`bindings = [\n    ${bindings.join(',\n    ')},\n  ]`);
    if (dos.length) {
      const ns = dos.map((d) => `(className = ${text(d.className)}, uniqueKey = ${text(d.uniqueKey ?? `open-artifacts-test-${s.name}-${d.className}`)}, enableSql = true)`);
      lines.push(`durableObjectNamespaces = [${ns.join(', ')}]`, 'durableObjectStorage = (localDisk = "do-disk")');
    }
    if (s.localNetwork) lines.push('globalOutbound = "local-network"');
    return `const w${i} :Workerd.Worker = (\n  ${lines.join(',\n  ')},\n);`;
  });
  return `# Generated by tests/js/workerd-harness.mjs.
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${[...services.map((s, i) => `(name = ${text(s.name)}, worker = .w${i})`), ...extra].join(',\n    ')},
  ],
  sockets = [${sockets.map((k) => `(name = ${text(k.name)}, address = "127.0.0.1:0", http = (), service = ${text(k.service)})`).join(', ')}],
);
${workers.join('\n')}
`;
}

// Starts workerd on a generated config in `dir` (a fresh temp dir when not
// given). sockets: [{ name, service, port? }] (a free port when not given).
// When a service has Durable Objects, their storage is `localDisk` in
// `stateDir` (created if missing; a fresh temp dir when not given, which the
// caller removes). inspectorPort: also serve the V8 inspector there
// (per-isolate heap figures). verbose: workerd logs console output and every
// uncaught error. Resolves to { url, port (the first socket's), urls
// { [socket]: url }, pid, stateDir, dir, output(), fetch(), stop(), kill(signal),
// restart(), dispose() } once every socket listens.
export async function startWorkerd({ services, sockets = [{ name: 'http', service: services[0].name }], stateDir, dir, verbose = false, inspectorPort }) {
  dir = resolve(dir ?? mkdtempSync(join(tmpdir(), 'oa-workerd-')));
  mkdirSync(dir, { recursive: true });
  if (services.some((s) => s.durableObjects?.length)) {
    stateDir = resolve(stateDir ?? mkdtempSync(join(tmpdir(), 'oa-workerd-state-')));
    mkdirSync(stateDir, { recursive: true });
  }
  const ports = {};
  for (const k of sockets) ports[k.name] = k.port ?? (await freePort());
  const urls = Object.fromEntries(sockets.map((k) => [k.name, `http://127.0.0.1:${ports[k.name]}`]));
  writeFileSync(join(dir, 'config.capnp'), configCapnp(dir, services, sockets, stateDir));

  let child;
  let exited;
  let output = '';
  // Ready when workerd reports every socket listening on its control fd (fd 3),
  // without a request to any Worker.
  const spawnWorkerd = () => {
    // verbose (or OA_WORKERD_VERBOSE=1): workerd logs console output and every uncaught error in full.
    const args = ['serve', 'config.capnp', '--control-fd=3', ...(verbose || process.env.OA_WORKERD_VERBOSE ? ['--verbose'] : []), ...sockets.flatMap((k) => ['--socket-addr', `${k.name}=127.0.0.1:${ports[k.name]}`])];
    if (inspectorPort !== undefined) args.push('--inspector-addr', `127.0.0.1:${inspectorPort}`);
    child = spawn(`${root}/node_modules/.bin/workerd`, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    exited = new Promise((done) => child.once('exit', done));
    return new Promise((ready, fail) => {
      const waiting = new Set(sockets.map((k) => k.name));
      let control = '';
      const timer = setTimeout(() => fail(new Error(`workerd did not listen within 30 s: ${output}`)), 30_000);
      child.stdio[3].on('data', (d) => {
        control += d;
        let nl;
        while ((nl = control.indexOf('\n')) >= 0) {
          const line = control.slice(0, nl);
          control = control.slice(nl + 1);
          try {
            const event = JSON.parse(line);
            if (event.event === 'listen') waiting.delete(event.socket);
          } catch {}
        }
        if (waiting.size === 0) {
          clearTimeout(timer);
          ready();
        }
      });
      exited.then((code) => {
        clearTimeout(timer);
        fail(new Error(`workerd exited (${code}): ${output}`));
      });
    });
  };
  // SIGTERM, then SIGKILL if workerd is still there after 5 s.
  const stop = () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      exited.then(() => clearTimeout(timer));
    }
    return (exited ?? Promise.resolve()).then(() => undefined);
  };
  try {
    await spawnWorkerd();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url: Object.values(urls)[0],
    urls,
    port: ports[sockets[0].name],
    // The workerd process itself (node_modules/.bin/workerd is the ELF binary, not a JS shim).
    get pid() {
      return child.pid;
    },
    stateDir,
    dir,
    output: () => output,
    // fetch(), retried while workerd does not answer at all.
    async fetch(url, init) {
      for (let i = 0; ; i++) {
        try {
          return await fetch(url, init);
        } catch (e) {
          if (i > 100 || child.exitCode !== null) throw new Error(`workerd did not answer: ${output}`, { cause: e });
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    stop,
    // A signal to the workerd process (SIGKILL: no clean-up of any kind); resolves on exit.
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited.then(() => undefined);
    },
    // Stops workerd and starts it again on the same config, ports and state.
    async restart() {
      await stop();
      await spawnWorkerd();
    },
    // Stops workerd and removes its state directory (a test's clean-up).
    async dispose() {
      await stop();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

// entry: a Worker module under tests/workerd/, or an absolute path (a
// Worker in another project: its bare imports resolve from its own
// node_modules, as esbuild does for any entry). Resolves to { url, output(),
// fetch(), stop(), restart(), stateDir } once workerd listens; fetch() retries
// while workerd does not answer, stop() resolves when workerd has exited.
// options.durableObjects: [{ className, binding, uniqueKey? }], classes the
// entry exports, each with SQLite (`enableSql`) and a binding of that name;
// their storage is `localDisk` in options.stateDir (created if missing; a
// fresh temp dir when not given, which the caller removes).
// options.wasm: the core wasm shipped next to the bundle (default this
// checkout's js/dist/; an installed package's own file for a packaging test).
// options.external: esbuild's externals (default also node:*; without it, an
// import of a node: module fails the build). options.outName: the directory
// under build/test-output/workerd/ (default the entry's base name).
// options.vars: { NAME: "text" }, text bindings (a Worker's `vars`).
// options.port: the HTTP port (default a free one; the same port again lets a
// restarted workerd keep its clients' remote URLs). options.inspectorPort:
// also serve the V8 inspector there (per-isolate heap figures).
// The result also has port, pid (the workerd process itself) and
// kill(signal), which resolves on exit.
// A failed build rejects with an Error whose message lists esbuild's errors.
export async function startBundledWorker(entry, options = {}) {
  const {
    durableObjects = [],
    wasm = `${root}/js/dist/open_artifacts_core.wasm`,
    external = ['*.wasm', 'cloudflare:*', 'node:*'],
    outName = basename(entry, '.mjs'),
    vars = {},
    stateDir,
    port,
    inspectorPort,
  } = options;
  const outDir = `${root}/build/test-output/workerd/${outName}`;
  // The bundle sits where js/src/ would, so the wasm import resolves to js/dist/.
  mkdirSync(`${outDir}/js/src`, { recursive: true });
  mkdirSync(`${outDir}/js/dist`, { recursive: true });
  copyFileSync(wasm, `${outDir}/js/dist/open_artifacts_core.wasm`);
  try {
    await esbuild.build({
      entryPoints: [isAbsolute(entry) ? entry : `${root}/tests/workerd/${entry}`],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker'],
      external,
      outfile: `${outDir}/js/src/bundle.js`,
      logLevel: 'silent',
    });
  } catch (e) {
    throw new Error(`esbuild could not bundle ${entry}:\n${formatEsbuildErrors(e)}`, { cause: e });
  }
  return startWorkerd({
    dir: outDir,
    stateDir,
    inspectorPort,
    sockets: [{ name: 'http', service: 'main', port }],
    services: [
      {
        name: 'main',
        modules: [
          { name: 'js/src/bundle.js', path: `${outDir}/js/src/bundle.js`, type: 'esModule' },
          { name: 'js/dist/open_artifacts_core.wasm', path: `${outDir}/js/dist/open_artifacts_core.wasm`, type: 'wasm' },
        ],
        durableObjects: durableObjects.map(({ className, binding, uniqueKey = `open-artifacts-test-${className}` }) => ({ className, binding, uniqueKey })),
        bindings: Object.entries(vars).map(([name, text]) => ({ name, text })),
      },
    ],
  });
}
