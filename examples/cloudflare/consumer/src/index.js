// A user Worker that creates and lists repos through env.ARTIFACTS, written
// against the Artifacts binding only: it runs the same on Cloudflare's
// binding (`"artifacts": [...]` in wrangler.jsonc) and on open-artifacts (a
// service binding to its ArtifactsBinding entrypoint).
//
//   POST /repos  {"name"}  -> 201 { name, remote, token }   (git push/clone with the token)
//   GET  /repos            -> { repos: [{ name, defaultBranch, createdAt }], total }
//   GET  /repos/<name>     -> the repo's info()
//
// Every route wants `Authorization: Bearer <CONSUMER_TOKEN>` (a secret).

const STATUS = {
  INVALID_INPUT: 400, INVALID_REPO_NAME: 400, INVALID_TTL: 400, INVALID_URL: 400,
  NOT_FOUND: 404, ALREADY_EXISTS: 409, CREATE_IN_PROGRESS: 409, IMPORT_IN_PROGRESS: 409,
  FORK_IN_PROGRESS: 409, MEMORY_LIMIT: 413, REMOTE_AUTH_REQUIRED: 422, INTERNAL_ERROR: 500,
  UPSTREAM_UNAVAILABLE: 502,
};

// Errors cross the service binding as plain Errors that keep name, code and numericCode.
const isArtifactsError = (e) => e instanceof Error && e.name === 'ArtifactsError' && typeof e.code === 'string';

async function authorized(request, env) {
  if (!env.CONSUMER_TOKEN) return false;
  const enc = new TextEncoder();
  const [got, want] = await Promise.all(
    [request.headers.get('authorization') ?? '', `Bearer ${env.CONSUMER_TOKEN}`].map((s) => crypto.subtle.digest('SHA-256', enc.encode(s))),
  );
  return crypto.subtle.timingSafeEqual(got, want);
}

async function route(request, env) {
  const { pathname } = new URL(request.url);
  if (pathname === '/repos' && request.method === 'POST') {
    const { name } = await request.json().catch(() => ({}));
    const created = await env.ARTIFACTS.create(name);
    return Response.json({ name: created.name, remote: created.remote, token: created.token }, { status: 201 });
  }
  if (pathname === '/repos' && request.method === 'GET') {
    const { repos, total } = await env.ARTIFACTS.list({ limit: 200 });
    return Response.json({ repos: repos.map(({ name, defaultBranch, createdAt }) => ({ name, defaultBranch, createdAt })), total });
  }
  const one = /^\/repos\/([^/]+)$/.exec(pathname);
  if (one && request.method === 'GET') {
    using repo = await env.ARTIFACTS.get(decodeURIComponent(one[1]));
    return Response.json(await repo.info());
  }
  return Response.json({ error: { message: 'Use POST /repos, GET /repos or GET /repos/<name>.' } }, { status: 404 });
}

export default {
  async fetch(request, env) {
    if (!(await authorized(request, env))) {
      return Response.json({ error: { message: 'Authorization: Bearer <CONSUMER_TOKEN> required' } }, { status: 401 });
    }
    try {
      return await route(request, env);
    } catch (e) {
      if (!isArtifactsError(e)) throw e;
      return Response.json({ error: { code: e.code, numericCode: e.numericCode, message: e.message } }, { status: STATUS[e.code] ?? 500 });
    }
  },
};
