// The Worker's settings, from its environment (wrangler `vars`, secrets):
//   ARTIFACTS_BASE_URL       base of remote URLs (default: the request's origin; over RPC http://localhost:8787)
//   ARTIFACTS_NAMESPACE      the namespace of the RPC binding (default "default"; a binding's props.namespace wins)
//   ARTIFACTS_API_TOKEN / ARTIFACTS_API_READ_TOKEN   REST API tokens (edit / read)
//   ARTIFACTS_ALLOW_ANONYMOUS_API   "true": REST without a token (local development only)
//   ARTIFACTS_ACCOUNT_ID     the only account id REST answers (default: any)
//   ARTIFACTS_ALLOW_HTTP_IMPORT / ARTIFACTS_ALLOW_PRIVATE_IMPORT   "true": import from http:// / loopback remotes (tests)
//   ARTIFACTS_LIMITS         JSON {maxRepoBytes?, maxPackBytes?}
export const DEFAULT_RPC_BASE_URL = 'http://localhost:8787';

const flag = (value) => value === true || value === 'true';

// What every call into a namespace object carries: the namespace and how to spell remotes.
export function scopeOf(env, namespace, baseUrl) {
  return {
    namespace,
    baseUrl: env.ARTIFACTS_BASE_URL || baseUrl || DEFAULT_RPC_BASE_URL,
    allowHttpImport: flag(env.ARTIFACTS_ALLOW_HTTP_IMPORT),
    allowPrivateImport: flag(env.ARTIFACTS_ALLOW_PRIVATE_IMPORT),
  };
}

export const limitsJson = (env) => env.ARTIFACTS_LIMITS ?? '';

export function restAuth(env) {
  const tokens = [];
  if (env.ARTIFACTS_API_TOKEN) tokens.push({ token: env.ARTIFACTS_API_TOKEN, permission: 'edit' });
  if (env.ARTIFACTS_API_READ_TOKEN) tokens.push({ token: env.ARTIFACTS_API_READ_TOKEN, permission: 'read' });
  return { tokens, allowAnonymous: tokens.length === 0 && flag(env.ARTIFACTS_ALLOW_ANONYMOUS_API) };
}
