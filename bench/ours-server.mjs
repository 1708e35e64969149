#!/usr/bin/env node
// Our git server, in its own process so the benchmark can sample its RSS on its own and the git
// client processes never share its heap.
//
//   node bench/ours-server.mjs --data-dir DIR [--port 0] [--host 127.0.0.1]
//
// prints one JSON line on stdout: {"url", "pid"} once listening, or {"error"} (exit 3) when the
// server module is not available yet. Exits when stdin closes (started by the harness) or on
// SIGTERM/SIGINT.
import { fstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dataDir = opt('data-dir');
if (!dataDir) {
  console.error('usage: node bench/ours-server.mjs --data-dir DIR [--port 0] [--host 127.0.0.1]');
  process.exit(2);
}
mkdirSync(path.resolve(dataDir), { recursive: true });

let startServer;
try {
  // BENCH_OURS_MODULE: another module with the same startServer() contract (testing the harness).
  const mod = process.env.BENCH_OURS_MODULE ? pathToFileURL(path.resolve(process.env.BENCH_OURS_MODULE)).href : '../js/src/server.js';
  ({ startServer } = await import(mod));
  if (typeof startServer !== 'function') throw new Error('js/src/server.js does not export startServer()');
} catch (err) {
  process.stdout.write(JSON.stringify({ error: `cannot load ${process.env.BENCH_OURS_MODULE ?? 'js/src/server.js'}: ${err?.message ?? err}` }) + '\n');
  process.exit(3);
}

let srv;
try {
  srv = await startServer({
    port: Number(opt('port', 0)),
    host: opt('host', '127.0.0.1'),
    dataDir: path.resolve(dataDir),
    namespace: 'default',
    allowHttpImport: true, // the benchmark imports from the http-backend baseline on loopback
    allowPrivateImport: true,
  });
} catch (err) {
  process.stdout.write(JSON.stringify({ error: `startServer() failed: ${err?.stack ?? err}` }) + '\n');
  process.exit(3);
}
process.stdout.write(JSON.stringify({ url: srv.url, pid: process.pid }) + '\n');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await srv.close?.();
  } finally {
    process.exit(0);
  }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
