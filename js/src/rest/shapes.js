// The binding's camelCase results -> the REST API's snake_case shapes (spec
// §5.2). Content routes (log, commit, tree) keep the binding's shapes.

export const repoInfo = (r) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  default_branch: r.defaultBranch,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  last_push_at: r.lastPushAt,
  source: r.source,
  read_only: r.readOnly,
});

// A listed repo: RepoWithRemote plus `status` (live).
export const listedRepo = (r) => ({ ...repoInfo(r), remote: r.remote, status: r.status });

export const repoWithRemote = (r) => ({ ...repoInfo(r), remote: r.remote });

export const createdRepo = (r) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  default_branch: r.defaultBranch,
  remote: r.remote,
  token: r.token,
});

export const forkedRepo = (r) => ({ ...createdRepo(r), objects: r.objects });

export const tokenInfo = (t) => ({ id: t.id, scope: t.scope, state: t.state, created_at: t.createdAt, expires_at: t.expiresAt });

export const createdToken = (t) => ({ id: t.id, plaintext: t.plaintext, scope: t.scope, expires_at: t.expiresAt });

export const namespaceInfo = (n) => ({
  namespace: n.namespace,
  jurisdiction: n.jurisdiction,
  repo_count: n.repoCount,
  created_at: n.createdAt,
  updated_at: n.updatedAt,
});

// A REST body's snake_case fields -> the binding's option names; only the
// fields the caller gave, so absent stays absent for the core.
export function pick(source, mapping) {
  const out = {};
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return out;
  for (const [from, to] of Object.entries(mapping)) if (Object.hasOwn(source, from)) out[to] = source[from];
  return out;
}
