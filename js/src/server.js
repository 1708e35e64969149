// A local open-artifacts server for Node: one namespace over a SQLite file,
// the git smart-HTTP endpoint (/git/...) and a small JSON control API
// (/api/repos...) in Cloudflare's response envelope. Translation only: the
// core decides every rule, status and error; this file moves bytes and JSON.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createArtifactsWith } from './artifacts.js';
import { loadCore as loadNodeCore, SqliteStorage, ArtifactsError } from './node.js';
import { SQLITE_FILE_NAME } from './sqlite-storage.js';

const INVALID_INPUT = 10100;
const NOT_FOUND = 10200;
const INTERNAL_ERROR = 10400;
const MEMORY_LIMIT = 10402;
const MAX_API_BODY = 1024 * 1024;

// An error answered as-is: status plus one envelope error.
class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const success = (result) => ({ result, success: true, errors: [], messages: [] });

function failure(e) {
  if (e instanceof ArtifactsError) {
    const error = { code: e.numericCode, message: e.message };
    if (e.pointer) error.source = { pointer: e.pointer };
    return [e.httpStatus, error];
  }
  if (e instanceof HttpError) return [e.status, { code: e.code, message: e.message }];
  return [500, { code: INTERNAL_ERROR, message: 'internal error' }];
}

async function readJsonBody(req) {
  const tooLarge = () => new HttpError(413, MEMORY_LIMIT, `request body exceeds ${MAX_API_BODY} bytes`);
  if (Number(req.headers['content-length']) > MAX_API_BODY) throw tooLarge(); // Node discards the unread body
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length; // past the limit keep reading (and dropping), so the client gets the 413
    if (size <= MAX_API_BODY) chunks.push(chunk);
  }
  if (size > MAX_API_BODY) throw tooLarge();
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, INVALID_INPUT, 'request body is not valid JSON');
  }
}

// Copies only the fields the caller gave, so absent stays absent for the core.
function pick(source, mapping) {
  const out = {};
  if (source === null || typeof source !== 'object') return out;
  for (const [from, to] of Object.entries(mapping)) if (from in source) out[to] = source[from];
  return out;
}

// `?limit=10` arrives as a string; the core wants a number (and judges it).
const numberParam = (value) => (value === null ? undefined : value.trim() === '' ? NaN : Number(value));

function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, INVALID_INPUT, 'malformed percent-encoding in the path');
  }
}

// The control API. Returns [status, result] or throws.
async function handleApi(artifacts, req, url) {
  const parts = url.pathname.split('/').slice(3); // ['', 'api', 'repos', ...]
  const route = `${req.method} ${['repos', ...parts.map((p, i) => (i === 0 ? ':name' : p))].join('/')}`;
  const name = parts.length > 0 ? decodeSegment(parts[0]) : undefined;
  switch (route) {
    case 'POST repos': {
      const body = await readJsonBody(req);
      const opts = pick(body, { description: 'description', readOnly: 'readOnly', defaultBranch: 'setDefaultBranch' });
      return [201, await artifacts.create(body?.name, opts)];
    }
    case 'GET repos': {
      const opts = {};
      const limit = numberParam(url.searchParams.get('limit'));
      if (limit !== undefined) opts.limit = limit;
      if (url.searchParams.has('cursor')) opts.cursor = url.searchParams.get('cursor');
      return [200, await artifacts.list(opts)];
    }
    case 'GET repos/:name': {
      const repo = await artifacts.get(name);
      return [200, await repo.info()];
    }
    case 'DELETE repos/:name': {
      if (!(await artifacts.delete(name))) throw new HttpError(404, NOT_FOUND, 'Repository not found');
      return [200, { deleted: true }];
    }
    case 'POST repos/:name/fork': {
      const body = await readJsonBody(req);
      const opts = pick(body, { description: 'description', readOnly: 'readOnly', defaultBranchOnly: 'defaultBranchOnly' });
      const repo = await artifacts.get(name);
      return [201, await repo.fork(body?.name, opts)];
    }
    case 'POST repos/:name/import': {
      // As the REST route: `:name` is the target.
      const body = await readJsonBody(req);
      const source = pick(body, { url: 'url', branch: 'branch', depth: 'depth' });
      const opts = pick(body, { description: 'description', readOnly: 'readOnly' });
      return [201, await artifacts.import({ source, target: { name, opts } })];
    }
    case 'POST repos/:name/tokens': {
      const body = await readJsonBody(req);
      const repo = await artifacts.get(name);
      return [201, await repo.createToken(body?.scope, body?.ttl)];
    }
    default:
      throw new HttpError(404, NOT_FOUND, `no route for ${req.method} ${url.pathname}`);
  }
}

// IncomingMessage -> fetch Request, the body streamed (not buffered).
function toRequest(req, url) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const init = { method: req.method, headers };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    init.body = Readable.toWeb(req);
    init.duplex = 'half';
  }
  return new Request(url, init);
}

// Response -> ServerResponse, with back-pressure (pipeline waits for 'drain')
// and cancellation of the body stream if the client goes away.
async function sendResponse(res, response) {
  const headers = {};
  for (const [name, value] of response.headers) headers[name] = value;
  res.writeHead(response.status, headers);
  if (response.body) await pipeline(Readable.fromWeb(response.body), res);
  else res.end();
}

async function handleGit(artifacts, req, res, url, log) {
  let response;
  try {
    response = await artifacts.fetch(toRequest(req, url));
  } catch (e) {
    const [status, error] = failure(e);
    if (status === 500 && log) log(`error: ${e?.stack ?? e}`);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${error.message}\n`);
    return;
  }
  await sendResponse(res, response);
}

function listen(server, port, host) {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise(server.address());
    });
  });
}

// Starts the server; resolves once it listens (port 0 picks a free port).
// options: { port = 8788, host = '127.0.0.1', dataDir = './.artifacts', namespace = 'default', log, loadCore, limits }
// log(line), when given, is called once per request; loadCore (tests) replaces the wasm core.
export async function startServer(options = {}) {
  const { port = 8788, host = '127.0.0.1', dataDir = './.artifacts', namespace = 'default', log, allowHttpImport = false, limits } = options;
  const loadCore = options.loadCore ?? loadNodeCore;
  mkdirSync(dataDir, { recursive: true });
  const dbPath = resolve(join(dataDir, SQLITE_FILE_NAME));
  const storage = new SqliteStorage(dbPath);

  let artifacts;
  let origin;
  const server = createServer(async (req, res) => {
    const started = Date.now();
    if (log) res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    try {
      // Origin-form targets only ("/path?query"); the core sees path and query.
      if (!req.url.startsWith('/')) throw new HttpError(400, INVALID_INPUT, 'bad request target');
      const url = new URL(origin + req.url);
      if (url.pathname.startsWith('/git/')) {
        await handleGit(artifacts, req, res, url, log);
      } else if (url.pathname === '/api/repos' || url.pathname.startsWith('/api/repos/')) {
        const [status, result] = await handleApi(artifacts, req, url);
        sendJson(res, status, success(result));
      } else {
        throw new HttpError(404, NOT_FOUND, `no route for ${req.method} ${url.pathname}`);
      }
    } catch (e) {
      if (res.headersSent) {
        // Mid-body: all we can do is cut the connection (the client sees a truncated body).
        if (log && e?.code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`error after the response started: ${e?.stack ?? e}`);
        res.destroy();
        return;
      }
      const [status, error] = failure(e);
      if (status === 500 && log) log(`error: ${e?.stack ?? e}`);
      sendJson(res, status, { result: null, success: false, errors: [error], messages: [] });
    }
  });

  let address;
  try {
    address = await listen(server, port, host);
    // Remotes name the listening address (loopback when listening on all of them).
    const v6 = address.family === 'IPv6' || address.family === 6;
    const ip = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
    origin = `http://${v6 ? `[${ip}]` : ip}:${address.port}`;
    artifacts = createArtifactsWith(loadCore, { storage, namespace, baseUrl: origin, allowHttpImport, limits });
    await artifacts.list({ limit: 1 }); // loads the core and surfaces a bad namespace now, not on the first request
  } catch (e) {
    server.close();
    storage.close();
    throw e;
  }
  const core = await loadCore();

  let closing;
  // Stops accepting, lets requests in flight finish (cut after `graceMs`), closes the database.
  function close({ graceMs = 5000 } = {}) {
    closing ??= new Promise((resolvePromise) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(timer);
        storage.close();
        resolvePromise();
      });
      server.closeIdleConnections();
    });
    return closing;
  }

  return {
    url: origin,
    port: address.port,
    namespace,
    dbPath,
    artifacts,
    gitServer: typeof core.Namespace.prototype.openGit === 'function',
    close,
  };
}
