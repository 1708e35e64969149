// How the Worker finds its Durable Objects: one ArtifactsNamespace object per
// namespace (named by it), one ArtifactsRepo object per repo, named by its
// namespace and its name as names are unique: case-insensitively
// (core/artifacts/names.h repoNameKey; repo names are ASCII). A git request
// reaches the repo's own object from its URL alone, never through the
// namespace's.
export const repoObjectName = (namespace, name) => `${namespace}/${String(name).toLowerCase()}`;

export const namespaceObject = (env, namespace) => env.ARTIFACTS_NAMESPACES.getByName(namespace);
export const repoObject = (env, namespace, name) => env.ARTIFACTS_REPOS.getByName(repoObjectName(namespace, name));

// The object that keeps the list of namespaces (REST GET /namespaces). Its
// name is no valid namespace name, so no namespace ever shares it.
export const namespaceIndex = (env) => env.ARTIFACTS_NAMESPACES.getByName('~index');
