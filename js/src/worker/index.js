// open-artifacts/worker: a deployable Worker (DESIGN.md "Where it runs").
// One Durable Object per namespace (ArtifactsNamespace: the registry) and
// one per repo (ArtifactsRepo: objects, refs, tokens), both SQLite-backed;
// the default fetch serves git smart HTTP straight from the repo's object
// and the Cloudflare v4 REST API; ArtifactsBinding gives other Workers
// env.ARTIFACTS over RPC. Settings: config.js. A wrangler.jsonc:
// examples/cloudflare/.
import { loadCore } from '../workerd.js';
import { restAuth, scopeOf } from './config.js';
import { durableArtifacts } from './durable-artifacts.js';
import { namespaceIndex, repoObject } from './names.js';

export { ArtifactsBinding } from './binding.js';
export { ArtifactsNamespace } from './namespace-object.js';
export { ArtifactsRepo } from './repo-object.js';

// /git/<namespace>/<repo>.git/<rest>: the repo's object answers (the core routes and authenticates).
const GIT_PATH = /^\/git\/([^/]+)\/([^/]+?)\.git(?:\/|$)/;

// The REST handler per isolate, per settings and base URL. Without
// ARTIFACTS_BASE_URL remotes are spelled with the request's origin, so a few
// handlers are kept (a Host header naming ever new origins costs nothing more).
const MAX_REST_HANDLERS = 8;
const restHandlers = new Map();
async function restHandler(env, origin) {
  const key = JSON.stringify([env.ARTIFACTS_ACCOUNT_ID, restAuth(env), env.ARTIFACTS_BASE_URL || origin]);
  let handler = restHandlers.get(key);
  if (!handler) {
    handler = (async () => {
      const [{ createRestHandler }, core] = await Promise.all([import('../rest/handler.js'), loadCore()]);
      const errorCodes = JSON.parse(core.errorCodes());
      return createRestHandler({
        namespaces: { use: (name, fn) => fn(durableArtifacts(env, scopeOf(env, name, origin), errorCodes)) },
        listNamespaceNames: () => namespaceIndex(env).indexList(),
        errorCodes,
        auth: restAuth(env),
        accountId: env.ARTIFACTS_ACCOUNT_ID,
      });
    })();
    if (restHandlers.size >= MAX_REST_HANDLERS) restHandlers.delete(restHandlers.keys().next().value);
    restHandlers.set(key, handler);
    handler.catch(() => restHandlers.delete(key));
  }
  return handler;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const git = GIT_PATH.exec(url.pathname);
    if (git) {
      const [, namespace, name] = git; // names need no percent-encoding: the core refuses any that has it
      return repoObject(env, namespace, name).fetch(request);
    }
    if (url.pathname.startsWith('/client/v4/accounts/')) {
      return (await restHandler(env, url.origin)).fetch(request);
    }
    return new Response('404 Not Found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};
