#!/usr/bin/env node
// Baseline server for the benchmark: a minimal CGI bridge in front of `git http-backend`, in a Node
// http server like ours, so both sides pay the same Node HTTP overhead.
//
//   node bench/http-backend-server.mjs --root DIR [--port 0] [--host 127.0.0.1]
//
// prints one JSON line {"url", "pid"} on stdout once listening, and exits when stdin closes (so it
// never outlives the harness) or on SIGTERM/SIGINT. Routes, shaped like ours:
//   POST /client/v4/accounts/local/artifacts/namespaces/<namespace>/repos {"name"}
//        -> git init --bare DIR/<name>.git (http.receivepack=true); {"result": {"remote", "token"}}
//   GET|POST /git/<namespace>/<repo>.git/...  -> one `git http-backend` process per request
import { spawn, execFile } from 'node:child_process';
import { fstatSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function gitEnv(root) {
  const env = {};
  for (const k of ['PATH', 'LANG', 'LC_ALL', 'TMPDIR']) if (process.env[k] !== undefined) env[k] = process.env[k];
  // Isolated from the machine's git configuration: only the repo's own config applies.
  return { ...env, HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
}

function sendJson(res, status, body) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

async function readBody(req, limit = 1 << 16) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Runs `git http-backend` as a CGI script for one request, streaming both bodies.
function cgi(req, res, { root, pathInfo, query, baseEnv }) {
  const env = {
    ...baseEnv,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'open-artifacts-bench',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: 'bench', // receive-pack is only enabled for authenticated users (and http.receivepack)
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: pathInfo,
    QUERY_STRING: query,
  };
  const h = req.headers;
  if (h['content-type']) env.CONTENT_TYPE = h['content-type'];
  if (h['content-length']) env.CONTENT_LENGTH = h['content-length']; // absent when chunked: read to EOF
  if (h['content-encoding']) env.HTTP_CONTENT_ENCODING = h['content-encoding'];
  if (h['git-protocol']) env.GIT_PROTOCOL = h['git-protocol'];
  if (h['accept']) env.HTTP_ACCEPT = h['accept'];

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (c) => stderr.push(c));
  child.stdin.on('error', () => {}); // the backend may exit before reading everything (errors)
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersDone = false;
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) {
      if (head.length > 65536) child.kill();
      return;
    }
    headersDone = true;
    child.stdout.off('data', onData);
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10) || 500;
      else if (headers[name] !== undefined) headers[name] = [].concat(headers[name], value);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    const rest = head.subarray(end + sep);
    if (rest.length) res.write(rest);
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.on('error', (err) => {
    if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    else res.destroy(err);
  });
  child.on('close', (code) => {
    if (code !== 0 && stderr.length) process.stderr.write(`http-backend ${req.method} ${pathInfo}: exit ${code}: ${Buffer.concat(stderr)}`);
    if (!headersDone) {
      if (!res.headersSent) sendJson(res, 502, { error: `git http-backend exited with ${code} before its headers`, stderr: Buffer.concat(stderr).toString() });
    }
  });
  res.on('close', () => {
    if (child.exitCode === null && !res.writableFinished) child.kill();
  });
}

export async function startHttpBackendServer({ root, host = '127.0.0.1', port = 0, namespace = 'default' }) {
  root = path.resolve(root);
  mkdirSync(root, { recursive: true });
  const baseEnv = gitEnv(root);
  const prefix = `/git/${namespace}/`;
  const reposPath = `/client/v4/accounts/local/artifacts/namespaces/${namespace}/repos`; // as ours (REST API)
  let url;
  const server = http.createServer(async (req, res) => {
    try {
      const u = new URL(req.url, 'http://x');
      if (req.method === 'POST' && u.pathname === reposPath) {
        const { name } = JSON.parse(await readBody(req));
        if (!REPO_NAME.test(name ?? '')) return sendJson(res, 400, { success: false, errors: [{ message: 'invalid name' }] });
        const dir = path.join(root, `${name}.git`);
        await execFileP('git', ['init', '--quiet', '--bare', '-b', 'main', dir], { env: baseEnv });
        await execFileP('git', ['-C', dir, 'config', 'http.receivepack', 'true'], { env: baseEnv });
        // partial clones (--filter) as our server offers them; upload-pack ignores a filter without it
        await execFileP('git', ['-C', dir, 'config', 'uploadpack.allowFilter', 'true'], { env: baseEnv });
        return sendJson(res, 201, { success: true, result: { name, remote: `${url}${prefix}${name}.git`, token: 'unused' } });
      }
      if (u.pathname.startsWith(prefix)) {
        const pathInfo = decodeURIComponent(u.pathname.slice(prefix.length - 1));
        if (pathInfo.split('/').includes('..')) return sendJson(res, 400, { error: 'bad path' });
        return cgi(req, res, { root, pathInfo, query: u.search.slice(1), baseEnv });
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: String(err?.message ?? err) });
      else res.destroy();
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  url = `http://${addr.address}:${addr.port}`;
  return {
    url,
    server,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const root = opt('root');
  if (!root) {
    console.error('usage: node bench/http-backend-server.mjs --root DIR [--port 0] [--host 127.0.0.1]');
    process.exit(2);
  }
  const srv = await startHttpBackendServer({ root, host: opt('host', '127.0.0.1'), port: Number(opt('port', 0)) });
  process.stdout.write(JSON.stringify({ url: srv.url, pid: process.pid }) + '\n');
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) { // started by a harness: die with it
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}
