// The REST API over one storage, for any host (the Node server, a Worker):
// every namespace the storage holds, each through its own `Artifacts`
// object from a bounded pool (namespace-pool.js), behind the fetch handler
// of handler.js. The host passes its loadCore (node.js, workerd.js, browser.js).
import { createArtifactsWith } from '../artifacts.js';
import { randomSubscriptionId } from '../events.js';
import { createNamespacePool } from '../namespace-pool.js';
import { createRestHandler } from './handler.js';

export const DEFAULT_ACCOUNT_ID = 'local';

// options: { storage, baseUrl, auth?, isOwnOrigin?, accountId?, maxNamespaces?,
//   ...any createArtifacts option (limits, fetch, onEvent, allowHttpImport, ...) }
// Resolves to { fetch(request), namespaces } (the pool also serves git: namespaces.acquire(name).artifacts.fetch).
export async function createRestService(loadCore, options) {
  const { storage, baseUrl, auth, isOwnOrigin, accountId, maxNamespaces, ...artifactsOptions } = options;
  const errorCodes = JSON.parse((await loadCore()).errorCodes());
  // One subscription id for every namespace's events (the pool makes an object per namespace).
  artifactsOptions.eventSubscriptionId ??= randomSubscriptionId();
  const namespaces = createNamespacePool(
    (name) =>
      createArtifactsWith(loadCore, {
        ...artifactsOptions,
        storage,
        namespace: name,
        baseUrl,
        accountId: accountId ?? DEFAULT_ACCOUNT_ID,
      }),
    { max: maxNamespaces },
  );
  const handler = await createRestHandler({
    namespaces,
    listNamespaceNames: () => storage.namespaceNames?.() ?? [],
    errorCodes,
    auth,
    isOwnOrigin,
    accountId,
  });
  return { fetch: handler.fetch, namespaces };
}
