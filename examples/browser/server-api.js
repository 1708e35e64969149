// The open-artifacts server that served this page (same origin): its REST API
// (the repo list, read tokens) at /client/v4/accounts/<account>/artifacts, and
// the fetch that `artifacts.import()` uses, which adds the read token of the
// import in progress to requests for this origin only.

export class ServerError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
    this.code = code; // the envelope's numeric code, when the server gave one
  }
}

// account: any id (the server answers every account unless started with one);
// namespace: the one whose repos the page lists.
export function serverConnection(origin, { account = 'local', namespace = 'default' } = {}) {
  let importToken = null;
  const base = `${origin}/client/v4/accounts/${encodeURIComponent(account)}/artifacts/namespaces/${encodeURIComponent(namespace)}`;

  // `path` is relative to the namespace: "/repos", "/tokens".
  async function api(method, path, body) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let envelope;
    try {
      envelope = await response.json();
    } catch {
      throw new ServerError(response.status, null, `${method} ${path} answered ${response.status} without JSON: is this page served by open-artifacts serve?`);
    }
    if (!envelope.success) {
      const error = envelope.errors?.[0] ?? {};
      throw new ServerError(response.status, error.code ?? null, error.message ?? `${method} ${path} failed`);
    }
    return envelope.result;
  }

  return {
    // The namespace's repos, newest first (first 100).
    listRepos: () => api('GET', '/repos?limit=100'),

    // Runs `work` while import requests carry a fresh 10-minute read token for repo `name`.
    async withReadToken(name, work) {
      const token = await api('POST', '/tokens', { repo: name, scope: 'read', ttl: 600 });
      importToken = token.plaintext;
      try {
        return await work();
      } finally {
        importToken = null;
      }
    },

    // A repo's git URL on this origin (the server names itself by its listening address,
    // which may differ from the name the browser used: keep the page same-origin).
    gitUrl: (remote) => new URL(new URL(remote).pathname, origin).href,

    async importFetch(request) {
      if (importToken === null || new URL(request.url).origin !== origin) return fetch(request);
      const headers = new Headers(request.headers);
      headers.set('Authorization', `Bearer ${importToken}`);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      return fetch(request.url, { method: request.method, headers, body, redirect: request.redirect });
    },
  };
}
