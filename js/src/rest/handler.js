// The Cloudflare v4 REST API of Artifacts (spec §5), as a fetch handler:
// Request in, Response out, the same in Node and in a Worker. Translation
// only: every rule and error comes from the core through the namespace's
// `Artifacts` object (artifacts.js); this file maps paths, query strings and
// snake_case bodies onto it and its results back into the v4 envelope.
//
// Routes, relative to /client/v4/accounts/<account>/artifacts:
//   namespaces            GET (list), POST {namespace, jurisdiction?}
//   namespaces/:ns        GET, DELETE (204; only an empty namespace)
//   namespaces/:ns/repos  GET ?limit&cursor&search&sort&direction, POST {name, description?, default_branch?, read_only?}
//   namespaces/:ns/repos/:name            GET, DELETE (202 {id})
//   namespaces/:ns/repos/:name/fork       POST {name, description?, read_only?, default_branch_only?}
//   namespaces/:ns/repos/:name/import     POST {url, branch?, depth?, read_only?} (:name is the target)
//   namespaces/:ns/repos/:name/commits    POST (our extension: the commit API, artifacts.js commit())
//   namespaces/:ns/repos/:name/log ?ref&limit&offset, commit/:hash, tree/:hash, blob/:hash,
//                         file ?ref&path, raw/:ref/:path   GET
//   namespaces/:ns/repos/:name/tokens     GET ?state&per_page&page
//   namespaces/:ns/tokens                 POST {repo, scope?, ttl?}
//   namespaces/:ns/tokens/:id             DELETE
// Import and fork answer newline-delimited JSON when the request accepts
// application/x-ndjson: progress lines {"progress": {...}}, then the envelope
// (our extension, for progress bars; see the CLI).
import { Hono } from 'hono';
import { checkNotForged, EDIT, makeAuthorizer, READ } from './auth.js';
import { readJsonBody } from './body.js';
import {
  describeFailure,
  failureBody,
  HttpError,
  jsonResponse,
  listResultInfo,
  offsetResultInfo,
  success,
} from './envelope.js';
import * as shapes from './shapes.js';

export const REST_BASE_PATH = '/client/v4/accounts';
// Bodies of control routes are small; a commit carries file contents.
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_COMMIT_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_NAMESPACE_PAGE = 50;
const MAX_NAMESPACE_PAGE = 200;
const NAMESPACE_CURSOR = 'n1.';

// `?limit=10` arrives as a string; the core wants a number (and judges it:
// "" and "abc" become NaN, which it refuses like any value of the wrong type).
const numberParam = (value) => (value === undefined ? undefined : value.trim() === '' ? NaN : Number(value));

function queryOptions(query, mapping, numeric = []) {
  const out = {};
  for (const [from, to] of Object.entries(mapping)) {
    if (query[from] === undefined) continue;
    out[to] = numeric.includes(from) ? numberParam(query[from]) : query[from];
  }
  return out;
}

// options:
//   namespaces: a namespace pool (namespace-pool.js): use(name, fn(artifacts))
//   listNamespaceNames(): every namespace name the storage holds, sorted (or a Promise of them)
//   errorCodes: the core's error table (core.errorCodes())
//   auth: { tokens: [{token, permission: "read"|"edit"}], allowAnonymous }
//   isOwnOrigin(url): origins allowed to send state-changing requests (CSRF)
//   accountId: when set, the only account id answered (others: 404)
export async function createRestHandler({ namespaces, listNamespaceNames, errorCodes, auth, isOwnOrigin = () => false, accountId }) {
  const authorize = await makeAuthorizer(auth);
  const code = (name) => errorCodes[name].numericCode;
  const notFound = (message, pointer) => new HttpError(404, code('NOT_FOUND'), message, { pointer });
  const readBody = (c, max = MAX_BODY_BYTES) => readJsonBody(c.req.raw, max, errorCodes);
  const withNamespace = (c, fn) => namespaces.use(c.req.param('ns'), fn);
  const repoOf = (a, c) => a.get(c.req.param('name'));
  const ok = (c, status, result, resultInfo) => c.json(success(result, resultInfo), status);

  const app = new Hono().basePath(`${REST_BASE_PATH}/:account/artifacts`);

  app.onError((e, c) => {
    const [status, error, headers] = describeFailure(e, c.get('renamePointer'));
    return jsonResponse(status, failureBody([error]), headers);
  });

  // Runs before every route's handler (an unknown route is a plain 404 first, as live).
  async function guard(c, next) {
    if (accountId !== undefined && c.req.param('account') !== accountId) throw notFound(`unknown account ${c.req.param('account')}`);
    const writes = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    await authorize(c.req.raw, writes ? EDIT : READ);
    if (writes) checkNotForged(c.req.raw, isOwnOrigin, code('INVALID_INPUT'));
    await next();
  }
  const route = {};
  for (const method of ['get', 'post', 'delete']) route[method] = (path, handler) => app.on(method.toUpperCase(), path, guard, handler);

  // ---- Namespaces
  route.get('/namespaces', async (c) => {
    const { limit = DEFAULT_NAMESPACE_PAGE, cursor } = queryOptions(c.req.query(), { limit: 'limit', cursor: 'cursor' }, ['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NAMESPACE_PAGE) {
      throw new HttpError(400, code('INVALID_INPUT'), `Invalid limit: must be between 1 and ${MAX_NAMESPACE_PAGE}.`, { pointer: '/limit' });
    }
    if (cursor !== undefined && !cursor.startsWith(NAMESPACE_CURSOR)) {
      throw new HttpError(400, code('INVALID_INPUT'), 'Invalid cursor', { pointer: '/cursor' });
    }
    const after = cursor?.slice(NAMESPACE_CURSOR.length);
    const page = [];
    let more = false;
    // Names the storage holds whose namespace was deleted are skipped.
    for (const name of await listNamespaceNames()) {
      if (after !== undefined && name <= after) continue;
      const info = await namespaces.use(name, (a) => a.namespaceInfo()).catch((e) => {
        if (e?.code === 'NOT_FOUND') return null;
        throw e;
      });
      if (info === null) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(shapes.namespaceInfo(info));
    }
    const next = more ? `${NAMESPACE_CURSOR}${page[page.length - 1].namespace}` : undefined;
    return ok(c, 200, page, listResultInfo({ count: page.length, perPage: limit, total: page.length, cursor: next, pagedByCursor: cursor !== undefined }));
  });

  route.post('/namespaces', async (c) => {
    const body = await readBody(c);
    const name = body.namespace;
    if (typeof name !== 'string') throw new HttpError(400, code('INVALID_INPUT'), 'Invalid namespace name', { pointer: '/namespace' });
    const opts = shapes.pick(body, { jurisdiction: 'jurisdiction' });
    return ok(c, 201, shapes.namespaceInfo(await namespaces.use(name, (a) => a.createNamespace(opts))));
  });

  route.get('/namespaces/:ns', async (c) => ok(c, 200, shapes.namespaceInfo(await withNamespace(c, (a) => a.namespaceInfo()))));

  route.delete('/namespaces/:ns', async (c) => {
    await withNamespace(c, (a) => a.deleteNamespace());
    return c.body(null, 204);
  });

  // ---- Repos
  route.post('/namespaces/:ns/repos', async (c) => {
    const body = await readBody(c);
    const opts = shapes.pick(body, { description: 'description', read_only: 'readOnly', default_branch: 'setDefaultBranch' });
    return ok(c, 201, shapes.createdRepo(await withNamespace(c, (a) => a.create(body.name, opts))));
  });

  route.get('/namespaces/:ns/repos', async (c) => {
    const opts = queryOptions(
      c.req.query(),
      { limit: 'limit', cursor: 'cursor', search: 'search', sort: 'sort', direction: 'direction' },
      ['limit'],
    );
    const page = await withNamespace(c, (a) => a.list(opts));
    const info = listResultInfo({
      count: page.repos.length,
      perPage: opts.limit ?? DEFAULT_NAMESPACE_PAGE,
      total: page.total,
      cursor: page.cursor,
      pagedByCursor: opts.cursor !== undefined,
    });
    return ok(c, 200, page.repos.map(shapes.listedRepo), info);
  });

  route.get('/namespaces/:ns/repos/:name', async (c) =>
    ok(c, 200, shapes.repoWithRemote(await withNamespace(c, async (a) => (await repoOf(a, c)).info()))),
  );

  route.delete('/namespaces/:ns/repos/:name', async (c) => ok(c, 202, await withNamespace(c, (a) => a.deleteRepo(c.req.param('name')))));

  route.post('/namespaces/:ns/repos/:name/fork', async (c) => {
    const body = await readBody(c);
    const opts = shapes.pick(body, { description: 'description', read_only: 'readOnly', default_branch_only: 'defaultBranchOnly' });
    return withProgress(c, 201, shapes.forkedRepo, (onProgress) =>
      withNamespace(c, async (a) => (await repoOf(a, c)).fork(body.name, opts, { onProgress })),
    );
  });

  route.post('/namespaces/:ns/repos/:name/import', async (c) => {
    const body = await readBody(c);
    const source = shapes.pick(body, { url: 'url', branch: 'branch', depth: 'depth' });
    const opts = shapes.pick(body, { read_only: 'readOnly', description: 'description' });
    const params = { source, target: { name: c.req.param('name'), opts } };
    return withProgress(c, 201, shapes.createdRepo, (onProgress) => withNamespace(c, (a) => a.import(params, { onProgress })));
  });

  route.post('/namespaces/:ns/repos/:name/commits', async (c) => {
    const body = await readBody(c, MAX_COMMIT_BODY_BYTES);
    return ok(c, 201, await withNamespace(c, async (a) => (await repoOf(a, c)).commit(body)));
  });

  // ---- Content (read-only): the binding's camelCase shapes, raw bytes for blobs and files.
  route.get('/namespaces/:ns/repos/:name/log', async (c) => {
    const opts = queryOptions(c.req.query(), { ref: 'ref', limit: 'limit', offset: 'offset' }, ['limit', 'offset']);
    return ok(c, 200, await withNamespace(c, async (a) => (await repoOf(a, c)).log(opts)));
  });

  route.get('/namespaces/:ns/repos/:name/commit/:hash', async (c) => {
    const commit = await withNamespace(c, async (a) => (await repoOf(a, c)).readCommit(c.req.param('hash')));
    if (commit === null) throw notFound('Commit not found', '/hash');
    return ok(c, 200, commit);
  });

  route.get('/namespaces/:ns/repos/:name/tree/:hash', async (c) => {
    const tree = await withNamespace(c, async (a) => (await repoOf(a, c)).readTree(c.req.param('hash')));
    if (tree === null) throw notFound('Tree not found', '/hash');
    return ok(c, 200, tree);
  });

  route.get('/namespaces/:ns/repos/:name/blob/:hash', async (c) => {
    const blob = await withNamespace(c, async (a) => (await repoOf(a, c)).readBlob(c.req.param('hash')));
    if (blob === null) throw notFound('Blob not found', '/hash');
    return bytesResponse(blob, 'application/octet-stream');
  });

  route.get('/namespaces/:ns/repos/:name/file', async (c) => {
    const args = queryOptions(c.req.query(), { ref: 'ref', path: 'path' });
    const file = await withNamespace(c, async (a) => (await repoOf(a, c)).readFile(args));
    if (file === null) throw notFound('File not found', '/path');
    return bytesResponse(file, 'application/octet-stream'); // always, as live
  });

  // The first segment is the ref, so refs with "/" cannot be read here (as live).
  route.get('/namespaces/:ns/repos/:name/raw/:ref/:path{.+}', async (c) => {
    const args = { ref: c.req.param('ref'), path: c.req.param('path') };
    const file = await withNamespace(c, async (a) => (await repoOf(a, c)).readFile(args));
    if (file === null) throw notFound('File not found', '/path');
    // Sniffed like live: text or bytes (the core's readFile type says which).
    return bytesResponse(file, file.type.startsWith('text/plain') ? 'text/plain; charset=utf-8' : 'application/octet-stream');
  });

  // ---- Tokens (git credentials)
  route.get('/namespaces/:ns/repos/:name/tokens', async (c) => {
    const opts = queryOptions(c.req.query(), { state: 'state', per_page: 'perPage', page: 'page' }, ['per_page', 'page']);
    const list = await withNamespace(c, async (a) => (await repoOf(a, c)).listTokens(opts));
    const perPage = opts.perPage ?? 30;
    const info = offsetResultInfo({ page: opts.page ?? 1, perPage, count: list.tokens.length, total: list.total });
    return ok(c, 200, list.tokens.map(shapes.tokenInfo), info);
  });

  route.post('/namespaces/:ns/tokens', async (c) => {
    const body = await readBody(c);
    c.set('renamePointer', (p) => (p === '/name' ? '/repo' : p)); // the repo is named by `repo` here
    const token = await withNamespace(c, async (a) => (await a.get(body.repo)).createToken(body.scope, body.ttl));
    return ok(c, 201, shapes.createdToken(token));
  });

  route.delete('/namespaces/:ns/tokens/:id', async (c) => ok(c, 200, await withNamespace(c, (a) => a.revokeTokenById(c.req.param('id')))));

  return { fetch: (request) => app.fetch(request) };
}

function bytesResponse(blob, type) {
  return new Response(blob, { status: 200, headers: { 'Content-Type': type, 'Content-Length': String(blob.size) } });
}

// Import and fork: the plain envelope, or with "Accept: application/x-ndjson"
// progress lines first (the status is then 200: it is sent before the outcome
// is known; the last line's `success` says how it ended).
function withProgress(c, status, shape, run) {
  if (!(c.req.header('accept') ?? '').includes('application/x-ndjson')) {
    return run(undefined).then((result) => c.json(success(shape(result)), status));
  }
  const encoder = new TextEncoder();
  const line = (value) => encoder.encode(`${JSON.stringify(value)}\n`);
  let open = true;
  const stream = new ReadableStream({
    start(controller) {
      const send = (value) => {
        if (!open) return;
        try {
          controller.enqueue(line(value));
        } catch {
          open = false; // the client went away; the job runs to its end regardless
        }
      };
      run((progress) => send({ progress }))
        .then(
          (result) => send(success(shape(result))),
          (e) => send(failureBody([describeFailure(e)[1]])),
        )
        .finally(() => {
          if (open) controller.close();
          open = false;
        });
    },
    cancel() {
      open = false;
    },
  });
  return new Response(stream, { status: 200, headers: { 'Content-Type': 'application/x-ndjson; charset=utf-8' } });
}
