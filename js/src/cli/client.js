// The CLI's REST client (spec §5): one method per request against
// <url>/client/v4/accounts/<account>/artifacts, the v4 envelope unwrapped.
// Errors are typed so the CLI can pick its exit status: ApiError when the
// server answered with an error envelope, UnreachableError when no Artifacts
// server answered at all.

// The server answered { success: false, errors: [{ code, message, source }] }.
export class ApiError extends Error {
  constructor(status, errors) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
  }
}

// Nothing answered at `url`, or what answered is not an Artifacts API
// (a proxy's HTML page, a truncated stream).
export class UnreachableError extends Error {
  constructor(url, message) {
    super(message);
    this.name = 'UnreachableError';
    this.url = url;
  }
}

// "connect ECONNREFUSED 127.0.0.1:8788" rather than undici's bare "fetch failed".
function networkReason(e) {
  let cause = e;
  while (cause?.cause) cause = cause.cause;
  const errors = cause?.errors ?? []; // AggregateError: one per address tried
  return errors[0]?.message ?? cause?.message ?? String(e);
}

// An envelope from a JSON body; anything else is not our server's answer.
function envelopeOf(status, text, where) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    const snippet = text.trim().slice(0, 120).replace(/\s+/g, ' ');
    throw new UnreachableError(where, `${where} answered HTTP ${status} with no API envelope${snippet ? `: ${snippet}` : ''}`);
  }
  if (body === null || typeof body !== 'object' || typeof body.success !== 'boolean') {
    throw new UnreachableError(where, `${where} answered HTTP ${status} with no API envelope`);
  }
  return body;
}

function unwrap(status, body) {
  if (!body.success) {
    const errors = Array.isArray(body.errors) && body.errors.length ? body.errors : [{ code: 0, message: `HTTP ${status}` }];
    throw new ApiError(status, errors);
  }
  return { status, result: body.result, resultInfo: body.result_info };
}

// Reads newline-delimited JSON: progress lines go to onProgress, the last
// line is the ordinary envelope.
async function readProgressStream(response, onProgress, where) {
  const decoder = new TextDecoder();
  let pending = '';
  let last = null;
  const handle = (line) => {
    if (line.trim() === '') return;
    let value;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UnreachableError(where, `${where} sent a progress line that is not JSON: ${line.slice(0, 120)}`);
    }
    if (value && typeof value === 'object' && 'progress' in value && !('success' in value)) onProgress(value.progress);
    else last = envelopeOf(response.status, line, where);
  };
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      handle(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  handle(pending + decoder.decode());
  if (last === null) throw new UnreachableError(where, `${where} ended the progress stream without a result (connection lost?)`);
  return last;
}

// options: { url, apiToken, accountId, fetch }.
export function createClient({ url, apiToken, accountId, fetch = globalThis.fetch }) {
  const origin = url.replace(/\/+$/, '');
  const base = `${origin}/client/v4/accounts/${encodeURIComponent(accountId)}/artifacts`;

  // path: segments joined under the base, each percent-encoded; query: only
  // the defined values. onProgress asks for the NDJSON progress stream.
  async function request(method, segments, { query = {}, body, onProgress, signal } = {}) {
    const target = new URL(`${base}/${segments.map(encodeURIComponent).join('/')}`.replace(/\/$/, ''));
    for (const [key, value] of Object.entries(query)) if (value !== undefined) target.searchParams.set(key, String(value));
    const headers = { Accept: onProgress ? 'application/x-ndjson, application/json' : 'application/json' };
    if (apiToken) headers.Authorization = `Bearer ${apiToken}`;
    // Writes must say JSON (the server's CSRF guard), with a body or without.
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(target, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (e) {
      if (e?.name === 'AbortError') throw e;
      throw new UnreachableError(origin, `cannot reach the server at ${origin} (${networkReason(e)})`);
    }
    if (response.status === 204) return { status: 204, result: null };
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    try {
      if (onProgress && type === 'application/x-ndjson') return unwrap(response.status, await readProgressStream(response, onProgress, origin));
      return unwrap(response.status, envelopeOf(response.status, await response.text(), origin));
    } catch (e) {
      if (e instanceof ApiError || e instanceof UnreachableError || e?.name === 'AbortError') throw e;
      throw new UnreachableError(origin, `the connection to ${origin} failed mid-answer (${networkReason(e)})`);
    }
  }

  const ns = (namespace) => ['namespaces', namespace];
  return {
    base,
    listNamespaces: (query) => request('GET', ['namespaces'], { query }),
    getNamespace: (namespace) => request('GET', ns(namespace)),
    createRepo: (namespace, body) => request('POST', [...ns(namespace), 'repos'], { body }),
    listRepos: (namespace, query) => request('GET', [...ns(namespace), 'repos'], { query }),
    getRepo: (namespace, name) => request('GET', [...ns(namespace), 'repos', name]),
    deleteRepo: (namespace, name) => request('DELETE', [...ns(namespace), 'repos', name]),
    forkRepo: (namespace, name, body, opts) => request('POST', [...ns(namespace), 'repos', name, 'fork'], { body, ...opts }),
    importRepo: (namespace, name, body, opts) => request('POST', [...ns(namespace), 'repos', name, 'import'], { body, ...opts }),
    log: (namespace, name, query) => request('GET', [...ns(namespace), 'repos', name, 'log'], { query }),
    createToken: (namespace, body) => request('POST', [...ns(namespace), 'tokens'], { body }),
  };
}
