// Runs a test Worker in real workerd (npm `workerd`), bundled by esbuild as
// wrangler would bundle a user's Worker: the package's "workerd" export, the
// wasm kept as a compiled module of its own (no code generation from bytes).
// Optionally with SQLite-backed Durable Object classes whose state lives in a
// directory on disk, so a second start on the same directory sees it.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

// esbuild's errors, one a line: "file:line: text" (the unresolved path is in the text).
export function formatEsbuildErrors(e) {
  if (!Array.isArray(e?.errors) || e.errors.length === 0) return String(e?.message ?? e);
  return e.errors
    .map(({ text, location, notes = [] }) => [location ? `${location.file}:${location.line}: ${text}` : text, ...notes.map((n) => `  ${n.text}`)].join('\n'))
    .join('\n');
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

// entry: a Worker module under tests/workerd/, or an absolute path (a
// Worker in another project: its bare imports resolve from its own
// node_modules, as esbuild does for any entry). Resolves to { url, output(),
// fetch(), stop(), stateDir } once workerd is started; fetch() retries until
// its first answer, stop() resolves when workerd has exited.
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
// The result also has pid (the workerd process itself: node_modules/.bin/workerd
// is the ELF binary, not a JS shim) and kill(signal), which resolves on exit.
// A failed build rejects with an Error whose message lists esbuild's errors.
export async function startBundledWorker(entry, options = {}) {
  const {
    durableObjects = [],
    wasm = `${root}/js/dist/open_artifacts_core.wasm`,
    external = ['*.wasm', 'cloudflare:*', 'node:*'],
    outName = basename(entry, '.mjs'),
    vars = {},
    inspectorPort,
  } = options;
  let { stateDir } = options;
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
  let doServices = '';
  const textBindings = Object.entries(vars).map(([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`);
  let doWorker = textBindings.length > 0 ? `\n  bindings = [${textBindings.join(', ')}],` : '';
  if (durableObjects.length > 0) {
    stateDir = resolve(stateDir ?? mkdtempSync(join(tmpdir(), 'oa-workerd-state-')));
    mkdirSync(stateDir, { recursive: true });
    doServices = `, (name = "do-disk", disk = (path = ${JSON.stringify(stateDir)}, writable = true))`;
    const namespaces = durableObjects.map(({ className, uniqueKey = `open-artifacts-test-${className}` }) => `(className = ${JSON.stringify(className)}, uniqueKey = ${JSON.stringify(uniqueKey)}, enableSql = true)`);
    const bindings = durableObjects.map(({ className, binding }) => `(name = ${JSON.stringify(binding)}, durableObjectNamespace = ${JSON.stringify(className)})`);
    bindings.push(...textBindings);
    doWorker = `
  durableObjectNamespaces = [${namespaces.join(', ')}],
  durableObjectStorage = (localDisk = "do-disk"),
  bindings = [${bindings.join(', ')}],`;
  }
  writeFileSync(
    `${outDir}/config.capnp`,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)${doServices}],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "js/src/bundle.js", esModule = embed "js/src/bundle.js"),
    (name = "js/dist/open_artifacts_core.wasm", wasm = embed "js/dist/open_artifacts_core.wasm"),
  ],
  compatibilityDate = "2026-11-01",${doWorker}
);
`,
  );
  const port = options.port ?? (await freePort());
  const args = ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`];
  if (inspectorPort !== undefined) args.push('--inspector-addr', `127.0.0.1:${inspectorPort}`);
  const child = spawn(`${root}/node_modules/.bin/workerd`, args, {
    cwd: outDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((done) => child.once('exit', done));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stateDir,
    output: () => output,
    // fetch(), retried until workerd answers (it takes a moment to start).
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
    // SIGTERM, then SIGKILL if workerd is still there after 5 s.
    stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        exited.then(() => clearTimeout(timer));
      }
      return exited.then(() => undefined);
    },
    // A signal to the workerd process (SIGKILL: no clean-up of any kind).
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited.then(() => undefined);
    },
  };
}
