// The open-artifacts server that served this page (same origin): its control
// API (the repo list, read tokens), and the fetch that `artifacts.import()`
// uses, which adds the read token of the import in progress to requests for
// this origin only.

export class ServerError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
    this.code = code; // the envelope's numeric code, when the server gave one
  }
}

export function serverConnection(origin) {
  let importToken = null;

  async function api(method, path, body) {
    const response = await fetch(new URL(path, origin), {
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
    // The server's repos, newest first (first 100).
    listRepos: async () => (await api('GET', '/api/repos?limit=100')).repos,

    // Runs `work` while import requests carry a fresh 10-minute read token for repo `name`.
    async withReadToken(name, work) {
      const token = await api('POST', `/api/repos/${encodeURIComponent(name)}/tokens`, { scope: 'read', ttl: 600 });
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
