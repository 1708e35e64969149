// A local open-artifacts server for Node: every namespace of one SQLite file,
// served as git smart HTTP (/git/<namespace>/<repo>.git/...) and the
// Cloudflare v4 REST API (/client/v4/accounts/<account>/artifacts/...,
// rest/handler.js). Translation only: the core decides every rule, status
// and error; this file moves bytes and JSON.
//
// The HTTP surface's own guards (the core never sees these requests):
// - Host: only the bound address, loopback names and --public-host names
//   (a DNS-rebinding page sends its own name), on every route: 421.
// - REST writes: no foreign Origin, no Sec-Fetch-Site: cross-site (403), and
//   a JSON Content-Type (415), so a browser page cannot forge one (CSRF; in
//   rest/auth.js). Git POSTs need git's content types, which no form can send.
// - API tokens (Bearer; edit or read) for REST when configured; required to
//   listen beyond loopback. Repo tokens are for git only, and vice versa.
// - At most maxGitSessions git requests in flight; past it 503 Retry-After: 1.
// - A bounded pool of namespace instances (namespace-pool.js): a path naming
//   ever new namespaces costs bounded memory.
// - /demo/: the browser demo's static files (demo-site.js), read-only, no
//   token needed; the Host check applies as everywhere.
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWebhookSender } from './webhook.js';
import { createDemoSite, DEMO_PATH } from './demo-site.js';
import { loadCore as loadNodeCore, SqliteStorage } from './node.js';
import { makeNodeImportFetch } from './node-import-fetch.js';
import { describeFailure, failureBody, HttpError } from './rest/envelope.js';
import { REST_BASE_PATH } from './rest/handler.js';
import { createRestService, DEFAULT_ACCOUNT_ID } from './rest/service.js';
import { SQLITE_FILE_NAME } from './sqlite-storage.js';

// Concurrent git requests by default: each holds a core session (memory for
// an upload-pack request or a push in progress); 32 keeps a laptop or a small
// VM responsive while serving a CI fleet's clones.
const DEFAULT_MAX_GIT_SESSIONS = 32;
// API tokens shorter than this are refused at start (guessable).
const MIN_API_TOKEN_LENGTH = 16;
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

// A body the handler left unread (a 413 judged by Content-Length, an error
// before the body was needed): read and drop the rest, so the connection
// stays usable for the client's next request. Node does this by itself for a
// body nobody listened to; toRequest's stream listens, then stops pulling.
function discardUnreadBody(req) {
  if (req.complete || req.destroyed) return;
  req.removeAllListeners('data');
  req.resume();
}

async function handleGit(artifacts, req, res, url, log) {
  let response;
  try {
    response = await artifacts.fetch(toRequest(req, url));
  } catch (e) {
    const [status, error] = describeFailure(e);
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

// An API token given at start: long enough not to be guessed, and never a repo
// token (DESIGN.md "HTTP surfaces": repo tokens authenticate git only).
function checkApiTokenOption(apiToken, option) {
  if (typeof apiToken !== 'string') throw new ServerConfigError(`${option} must be a string`);
  if (apiToken.length < MIN_API_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(apiToken)) {
    throw new ServerConfigError(`${option} must be at least ${MIN_API_TOKEN_LENGTH} printable ASCII characters without spaces`);
  }
  if (/^art_v\d/i.test(apiToken)) throw new ServerConfigError(`${option} must not be a repo token (art_v...)`);
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
//   allowHttpImport, allowPrivateImport, publicHosts = [], apiToken, apiReadToken, accountId,
//   maxGitSessions = 32, limits, demoDir, webhook: { url, secret? } (repo events POSTed there: webhook.js) }
// log(line), when given, is called once per request; loadCore (tests) replaces the wasm core.
// namespace: the one the banner and remoteUrl() name (every namespace is served).
// publicHosts: "name[:port]" Host values served besides the bound address (without a port: any
// port, e.g. behind a reverse proxy). apiToken / apiReadToken: the REST API then requires
// "Authorization: Bearer <token>" (edit / read permission); without any the server listens on
// loopback only. accountId: the only account id REST answers (default: any; remotes and events
// say "local"). demoDir: the folder served at /demo/ (default examples/browser of this checkout;
// a bundled copy of the page in tests). Bad options reject with a ServerConfigError before anything listens.
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
    accountId,
  } = options;
  // "" (an empty environment variable) is none
  const apiToken = options.apiToken || undefined;
  const apiReadToken = options.apiReadToken || undefined;
  const loadCore = options.loadCore ?? loadNodeCore;
  errorCodes ??= JSON.parse((await loadCore()).errorCodes());

  if (!Number.isInteger(maxGitSessions) || maxGitSessions < 1) {
    throw new ServerConfigError(`maxGitSessions must be a positive integer, got ${maxGitSessions}`);
  }
  if (accountId !== undefined && (typeof accountId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(accountId))) {
    throw new ServerConfigError('accountId must be 1-64 letters, digits, "-" or "_"');
  }
  const allowedHosts = [publicHosts].flat().map((entry) => {
    const parsed = parseHostPort(entry, null);
    if (!parsed) throw new ServerConfigError(`public host "${entry}" is not a host name with an optional :port`);
    return parsed;
  });
  const apiTokens = [];
  if (apiToken !== undefined) {
    checkApiTokenOption(apiToken, 'the API token');
    apiTokens.push({ token: apiToken, permission: 'edit' });
  }
  if (apiReadToken !== undefined) {
    checkApiTokenOption(apiReadToken, 'the read-only API token');
    apiTokens.push({ token: apiReadToken, permission: 'read' });
  }
  if (apiTokens.length === 0 && !isLoopbackHost(host)) {
    throw new ServerConfigError(
      `refusing to listen on ${host} without an API token: anyone who reaches it could create repos and mint ` +
        'tokens. Set --api-token <token> (or OPEN_ARTIFACTS_API_TOKEN), or listen on 127.0.0.1 ' +
        '(README: "Exposing the server").',
    );
  }
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

  let gitSessions = 0; // git requests in flight: until the response ends or the client goes away
  let namespaces;
  let restFetch;
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
        // /git/<namespace>/<repo>.git/...: the namespace's core serves it (and checks the rest).
        const held = namespaces.acquire(url.pathname.split('/')[2] ?? '');
        gitSessions += 1;
        res.once('close', () => {
          gitSessions -= 1;
          held.release();
        });
        await handleGit(held.artifacts, req, res, url, log);
      } else if (url.pathname === '/demo' || url.pathname.startsWith(DEMO_PATH)) {
        if (!(await demo.respond(req, res, url.pathname))) throw coreError('NOT_FOUND', `no demo file at ${url.pathname}`);
      } else if (url.pathname.startsWith(`${REST_BASE_PATH}/`)) {
        await sendResponse(res, await restFetch(toRequest(req, url)));
        discardUnreadBody(req);
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
      const [status, error, headers] = describeFailure(e);
      if (status === 500 && log) log(`error: ${e?.stack ?? e}`);
      sendJson(res, status, failureBody([error]), headers);
    }
  });

  let address;
  let pinned;
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
    ({ fetch: restFetch, namespaces } = await createRestService(loadCore, {
      storage,
      baseUrl: origin,
      allowHttpImport,
      allowPrivateImport,
      limits,
      fetch: makeNodeImportFetch({ allowPrivate: allowPrivateImport === true, loadCore }),
      onEvent: webhook?.send,
      auth: { tokens: apiTokens, allowAnonymous: true }, // anonymous only while no token is configured (loopback)
      isOwnOrigin: (u) => hostAllowed({ name: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) }),
      accountId,
    }));
    // The server's own namespace stays in the pool. Loading it loads the core
    // and surfaces a bad namespace name now, not on the first request.
    pinned = namespaces.acquire(namespace);
    await pinned.artifacts.list({ limit: 1 });
    // Stores a crash or a race left without a name, in every namespace.
    for (const name of new Set([namespace, ...storage.namespaceNames()])) {
      const swept = await namespaces.use(name, (a) => a.sweep());
      if (swept > 0 && log) log(`removed the rows of ${swept} repo store(s) no registry of namespace ${name} names`);
    }
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
        namespaces.closeAll().finally(() => {
          webhook?.close();
          storage.close();
          resolvePromise();
        });
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
    // The REST API's base for this server: <url>/client/v4/accounts/<account>/artifacts.
    restUrl: `${origin}${REST_BASE_PATH}/${accountId ?? DEFAULT_ACCOUNT_ID}/artifacts`,
    // The `Artifacts` object of the server's namespace, for tests and embedding.
    artifacts: pinned.artifacts,
    // ... and of any other (held until close()).
    artifactsOf: (name) => namespaces.acquire(name).artifacts,
    // The remote URL of repo `name` (the core's format).
    remoteUrl: (name, ns = namespace) => namespaces.use(ns, (a) => a.remoteUrl(name)),
    close,
  };
}
