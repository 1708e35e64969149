// A local open-artifacts server for Node: one namespace over a SQLite file,
// the git smart-HTTP endpoint (/git/...) and a small JSON control API
// (/api/repos...) in Cloudflare's response envelope. Translation only: the
// core decides every rule, status and error; this file moves bytes and JSON.
//
// The HTTP surface's own guards (the core never sees these requests):
// - Host: only the bound address, loopback names and --public-host names
//   (a DNS-rebinding page sends its own name), on every route: 421.
// - Control API writes: no foreign Origin, no Sec-Fetch-Site: cross-site
//   (403), and a JSON Content-Type (415), so a browser page cannot forge one
//   (CSRF). Git POSTs need git's content types, which no form can send.
// - An API token (Bearer) for the control API when configured; required to
//   listen beyond loopback. Repo tokens are for git only, and vice versa.
// - At most maxGitSessions git requests in flight; past it 503 Retry-After: 1.
// - /demo/: the browser demo's static files (demo-site.js), read-only, no
//   token needed; the Host check applies as everywhere.
import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createArtifactsWith } from './artifacts.js';
import { createWebhookSender } from './webhook.js';
import { createDemoSite, DEMO_PATH } from './demo-site.js';
import { loadCore as loadNodeCore, SqliteStorage, ArtifactsError } from './node.js';
import { makeNodeImportFetch } from './node-import-fetch.js';
import { SQLITE_FILE_NAME } from './sqlite-storage.js';

const AUTH_ERROR = 10000; // Cloudflare v4's "Authentication error" (not an Artifacts code)
const MAX_API_BODY = 1024 * 1024;
// Concurrent git requests by default: each holds a core session (memory for
// an upload-pack request or a push in progress); 32 keeps a laptop or a small
// VM responsive while serving a CI fleet's clones.
const DEFAULT_MAX_GIT_SESSIONS = 32;
// API tokens shorter than this are refused at start (guessable).
const MIN_API_TOKEN_LENGTH = 16;

// An error answered as-is: status plus one envelope error (and extra headers).
class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

// Artifacts error codes and their HTTP statuses come from the core's table
// (core/include/open_artifacts/errors.h), read when the server starts.
let errorCodes;
const numericCode = (name) => errorCodes[name].numericCode;
// An error of the core's vocabulary that this layer raises itself (a body too large, no such route).
const coreError = (name, message) => new HttpError(errorCodes[name].httpStatus, numericCode(name), message);

// A bad startServer() option: startServer rejects with it before listening.
export class ServerConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ServerConfigError';
    this.code = 'ERR_OA_CONFIG';
  }
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const success = (result) => ({ result, success: true, errors: [], messages: [] });

function failure(e) {
  if (e instanceof ArtifactsError) {
    const error = { code: e.numericCode, message: e.message };
    if (e.pointer) error.source = { pointer: e.pointer };
    return [e.httpStatus, error];
  }
  if (e instanceof HttpError) return [e.status, { code: e.code, message: e.message }, e.headers];
  return [errorCodes.INTERNAL_ERROR.httpStatus, { code: numericCode('INTERNAL_ERROR'), message: 'internal error' }];
}

async function readJsonBody(req) {
  const tooLarge = () => coreError('MEMORY_LIMIT', `request body exceeds ${MAX_API_BODY} bytes`);
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
    throw coreError('INVALID_INPUT', 'request body is not valid JSON');
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
    throw coreError('INVALID_INPUT', 'malformed percent-encoding in the path');
  }
}

const API_ROUTES = new Set([
  'POST repos',
  'GET repos',
  'GET repos/:name',
  'DELETE repos/:name',
  'POST repos/:name/fork',
  'POST repos/:name/import',
  'POST repos/:name/tokens',
]);

// The control API. Returns [status, result] or throws. checkWrite(req) runs
// before any route that changes state (the CSRF checks).
async function handleApi(artifacts, req, url, checkWrite) {
  const parts = url.pathname.split('/').slice(3); // ['', 'api', 'repos', ...]
  const route = `${req.method} ${['repos', ...parts.map((p, i) => (i === 0 ? ':name' : p))].join('/')}`;
  if (!API_ROUTES.has(route)) throw coreError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
  if (req.method !== 'GET') checkWrite(req);
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
      if (!(await artifacts.delete(name))) throw coreError('NOT_FOUND', 'Repository not found');
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
      throw coreError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
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

// "name[:port]" (a Host header, an Origin's host, a --public-host entry) ->
// { name, port } in the WHATWG URL parser's canonical form (lower case,
// IPv4 dotted decimal, IPv6 compressed in brackets); port `defaultPort` when
// none is written. null when it is not a bare host.
function parseHostPort(text, defaultPort) {
  if (typeof text !== 'string' || text === '' || /[/?#@\\\s]/.test(text)) return null;
  let u;
  try {
    u = new URL(`http://${text}`);
  } catch {
    return null;
  }
  if (u.username || u.password || u.pathname !== '/') return null;
  return { name: u.hostname, port: /:\d+$/.test(text) ? Number(u.port || 80) : defaultPort };
}

// Listening on loopback only: localhost, 127/8, ::1, ::ffff:127/104.
function isLoopbackHost(host) {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) !== 6) return false;
  try {
    const canonical = new URL(`http://[${host}]`).hostname;
    return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
  } catch {
    return false; // e.g. a zone id
  }
}

const sha256 = (text) => createHash('sha256').update(text).digest();

function checkApiTokenOption(apiToken) {
  if (typeof apiToken !== 'string') throw new ServerConfigError('the API token must be a string');
  if (apiToken.length < MIN_API_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(apiToken)) {
    throw new ServerConfigError(`the API token must be at least ${MIN_API_TOKEN_LENGTH} printable ASCII characters without spaces`);
  }
  // Repo tokens authenticate git only (DESIGN.md "HTTP surfaces"): one must not double as the API token.
  if (/^art_v\d/i.test(apiToken)) throw new ServerConfigError('the API token must not be a repo token (art_v...)');
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
// options: { port = 8788, host = '127.0.0.1', dataDir = './.artifacts', namespace = 'default', log, loadCore,
//   allowHttpImport, allowPrivateImport, publicHosts = [], apiToken, maxGitSessions = 32, limits, demoDir,
//   webhook: { url, secret? } (repo events POSTed there: webhook.js) }
// log(line), when given, is called once per request; loadCore (tests) replaces the wasm core.
// publicHosts: "name[:port]" Host values served besides the bound address (without a port: any
// port, e.g. behind a reverse proxy). apiToken: required as "Authorization: Bearer <token>" by
// the control API; without one the server listens on loopback only. demoDir: the folder served at
// /demo/ (default examples/browser of this checkout; a bundled copy of the page in tests). Bad
// options reject with a ServerConfigError before anything listens.
export async function startServer(options = {}) {
  const {
    port = 8788,
    host = '127.0.0.1',
    dataDir = './.artifacts',
    namespace = 'default',
    log,
    allowHttpImport = false,
    allowPrivateImport = false,
    publicHosts = [],
    maxGitSessions = DEFAULT_MAX_GIT_SESSIONS,
    limits,
    demoDir,
  } = options;
  const apiToken = options.apiToken || undefined; // "" (an empty environment variable) is none
  const loadCore = options.loadCore ?? loadNodeCore;
  errorCodes ??= JSON.parse((await loadCore()).errorCodes());

  if (!Number.isInteger(maxGitSessions) || maxGitSessions < 1) {
    throw new ServerConfigError(`maxGitSessions must be a positive integer, got ${maxGitSessions}`);
  }
  const allowedHosts = [publicHosts].flat().map((entry) => {
    const parsed = parseHostPort(entry, null);
    if (!parsed) throw new ServerConfigError(`public host "${entry}" is not a host name with an optional :port`);
    return parsed;
  });
  if (apiToken !== undefined) checkApiTokenOption(apiToken);
  if (apiToken === undefined && !isLoopbackHost(host)) {
    throw new ServerConfigError(
      `refusing to listen on ${host} without an API token: anyone who reaches it could create repos and mint ` +
        'tokens. Set --api-token <token> (or OPEN_ARTIFACTS_API_TOKEN), or listen on 127.0.0.1 ' +
        '(README: "Exposing the server").',
    );
  }
  const apiTokenDigest = apiToken === undefined ? null : sha256(apiToken);
  let webhook;
  try {
    webhook = options.webhook && createWebhookSender({ url: options.webhook.url, secret: options.webhook.secret, log });
  } catch (e) {
    throw new ServerConfigError(e.message);
  }

  mkdirSync(dataDir, { recursive: true });
  const dbPath = resolve(join(dataDir, SQLITE_FILE_NAME));
  const demo = createDemoSite({ dir: demoDir });
  const storage = new SqliteStorage(dbPath);

  const hostAllowed = (h) => allowedHosts.some((a) => a.name === h.name && (a.port === null || a.port === h.port));

  // DNS rebinding: a page on attacker.example whose name now resolves to
  // 127.0.0.1 reaches us with its own name in Host. Every route.
  function checkHost(req) {
    const value = req.headers.host;
    const parsed = parseHostPort(value, 80);
    if (parsed && hostAllowed(parsed)) return;
    const shown = String(value ?? '').slice(0, 200);
    throw new HttpError(
      421,
      numericCode('INVALID_INPUT'),
      `this server does not answer to Host "${shown}"; to serve that name, start it with --public-host ${shown || '<name>'}`,
    );
  }

  // CSRF: a state-changing control API request must come from no browser
  // page or from one of our own origins, and carry JSON (a form or a
  // no-cors fetch can only send text/plain, urlencoded or multipart).
  // DELETE takes no body: browsers always preflight it, which we never allow.
  function checkWrite(req) {
    const value = req.headers.origin;
    if (value !== undefined) {
      let allowed = false;
      try {
        const u = new URL(value);
        const defaultPort = u.protocol === 'https:' ? 443 : 80;
        allowed = (u.protocol === 'http:' || u.protocol === 'https:') && hostAllowed({ name: u.hostname, port: Number(u.port || defaultPort) });
      } catch {
        // "null" (sandboxed pages, file:) and anything unparsable
      }
      if (!allowed) throw new HttpError(403, AUTH_ERROR, `cross-origin request refused (Origin: ${String(value).slice(0, 200)})`);
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, AUTH_ERROR, 'cross-site request refused');
    if (req.method !== 'DELETE') {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') throw new HttpError(415, numericCode('INVALID_INPUT'), 'Content-Type must be application/json');
    }
  }

  // The API token, when configured. Every Authorization header must carry
  // it (identical duplicates are one credential, as for git).
  function checkApiToken(req) {
    if (apiTokenDigest === null) return;
    const values = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === 'authorization') values.push(req.rawHeaders[i + 1].trim());
    }
    if (values.length === 0) {
      throw new HttpError(401, AUTH_ERROR, 'an API token is required: Authorization: Bearer <token>', {
        'WWW-Authenticate': 'Bearer realm="open-artifacts"',
      });
    }
    const match = /^bearer +(\S+)$/i.exec(values[0]);
    const ok = match !== null && values.every((v) => v === values[0]) && timingSafeEqual(sha256(match[1]), apiTokenDigest);
    if (!ok) throw new HttpError(403, AUTH_ERROR, 'Invalid API token');
  }

  let gitSessions = 0; // git requests in flight: until the response ends or the client goes away
  let artifacts;
  let origin;
  const server = createServer(async (req, res) => {
    const started = Date.now();
    if (log) res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    try {
      checkHost(req);
      // Origin-form targets only ("/path?query"); the core sees path and query.
      if (!req.url.startsWith('/')) throw coreError('INVALID_INPUT', 'bad request target');
      const url = new URL(origin + req.url);
      if (url.pathname.startsWith('/git/')) {
        if (gitSessions >= maxGitSessions) {
          res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' });
          res.end('too many git requests in progress; retry shortly\n');
          return;
        }
        gitSessions += 1;
        res.once('close', () => {
          gitSessions -= 1;
        });
        await handleGit(artifacts, req, res, url, log);
      } else if (url.pathname === '/demo' || url.pathname.startsWith(DEMO_PATH)) {
        if (!(await demo.respond(req, res, url.pathname))) throw coreError('NOT_FOUND', `no demo file at ${url.pathname}`);
      } else if (url.pathname === '/api/repos' || url.pathname.startsWith('/api/repos/')) {
        checkApiToken(req);
        const [status, result] = await handleApi(artifacts, req, url, checkWrite);
        sendJson(res, status, success(result));
      } else {
        throw coreError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
      }
    } catch (e) {
      if (res.headersSent) {
        // Mid-body: all we can do is cut the connection (the client sees a truncated body).
        if (log && e?.code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`error after the response started: ${e?.stack ?? e}`);
        res.destroy();
        return;
      }
      const [status, error, headers] = failure(e);
      if (status === 500 && log) log(`error: ${e?.stack ?? e}`);
      sendJson(res, status, { result: null, success: false, errors: [error], messages: [] }, headers);
    }
  });

  let address;
  try {
    address = await listen(server, port, host);
    // Remotes name the listening address (loopback when listening on all of them).
    const v6 = address.family === 'IPv6' || address.family === 6;
    const wildcard = address.address === '0.0.0.0' || address.address === '::';
    const ip = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
    origin = `http://${v6 ? `[${ip}]` : ip}:${address.port}`;
    // Host values we answer: the bound address, and the loopback names when
    // listening on loopback or on every address.
    const bound = [origin.slice('http://'.length)];
    if (wildcard || isLoopbackHost(address.address)) bound.push(`localhost:${address.port}`, `127.0.0.1:${address.port}`, `[::1]:${address.port}`);
    for (const entry of bound) allowedHosts.push(parseHostPort(entry, null));
    artifacts = createArtifactsWith(loadCore, {
      storage,
      namespace,
      baseUrl: origin,
      allowHttpImport,
      allowPrivateImport,
      limits,
      fetch: makeNodeImportFetch({ allowPrivate: allowPrivateImport === true, loadCore }),
      onEvent: webhook?.send,
    });
    await artifacts.list({ limit: 1 }); // loads the core and surfaces a bad namespace now, not on the first request
    const swept = await artifacts.sweep(); // stores a crash or a race left without a name
    if (swept > 0 && log) log(`removed the rows of ${swept} repo store(s) no registry names`);
  } catch (e) {
    server.close();
    storage.close();
    webhook?.close();
    throw e;
  }
  let closing;
  // Stops accepting, lets requests in flight finish (cut after `graceMs`), closes the database.
  function close({ graceMs = 5000 } = {}) {
    closing ??= new Promise((resolvePromise) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(timer);
        webhook?.close();
        storage.close();
        resolvePromise();
      });
      server.closeIdleConnections();
    });
    return closing;
  }

  return {
    url: origin,
    // Where the browser demo is served, or null when there is none (an installed package).
    demoUrl: (await demo.available()) ? `${origin}${DEMO_PATH}` : null,
    port: address.port,
    namespace,
    dbPath,
    artifacts,
    // The remote URL of repo `name` (the core's format).
    remoteUrl: (name) => artifacts.remoteUrl(name),
    close,
  };
}
