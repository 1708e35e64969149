// Who may call the REST API (spec §5.1, DESIGN.md "HTTP surfaces"): API
// tokens with a read or an edit permission, sent as "Authorization: Bearer
// <token>". Repo tokens never authenticate here (and API tokens never
// authenticate git). With no API token configured, the host may allow
// anonymous requests (the Node server does, listening on loopback only).
// Web Crypto only: the same code runs in Node and in a Worker.
import { AUTH_ERROR, HttpError } from './envelope.js';

export const READ = 'read';
export const EDIT = 'edit';

const digest = async (text) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

// Compares two digests in time independent of where they differ.
function sameDigest(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// tokens: [{ token, permission: "read" | "edit" }]. Returns
// authorize(request, needed) that resolves or throws an HttpError (401/403).
export async function makeAuthorizer({ tokens = [], allowAnonymous = false } = {}) {
  const known = await Promise.all(tokens.map(async ({ token, permission }) => ({ digest: await digest(token), permission })));
  return async function authorize(request, needed) {
    const header = request.headers.get('authorization');
    if (header === null) {
      if (known.length === 0 && allowAnonymous) return;
      throw new HttpError(401, AUTH_ERROR, 'an API token is required: Authorization: Bearer <token>', {
        headers: { 'WWW-Authenticate': 'Bearer realm="open-artifacts"' },
      });
    }
    // Headers joins repeated Authorization headers with ", ": one credential only.
    const match = /^bearer +([\x21-\x7e]+)$/i.exec(header.trim());
    if (match === null) throw new HttpError(403, AUTH_ERROR, 'malformed Authorization header: expected one "Bearer <token>"');
    if (/^art_v\d/i.test(match[1])) throw new HttpError(403, AUTH_ERROR, 'Invalid API token (repo tokens authenticate git only)');
    const presented = await digest(match[1]);
    let permission = null;
    for (const k of known) if (sameDigest(presented, k.digest)) permission = k.permission;
    if (permission === null) throw new HttpError(403, AUTH_ERROR, 'Invalid API token');
    if (needed === EDIT && permission !== EDIT) throw new HttpError(403, AUTH_ERROR, 'this API token may only read (Artifacts Read)');
  };
}

// CSRF: a state-changing request must come from no browser page or from one
// of our own origins, and carry JSON (a form or a no-cors fetch can only send
// text/plain, urlencoded or multipart; DELETE is always preflighted, which
// we never allow). isOwnOrigin(url) says which origins are ours.
export function checkNotForged(request, isOwnOrigin, invalidInputCode) {
  const origin = request.headers.get('origin');
  if (origin !== null) {
    let allowed = false;
    try {
      const u = new URL(origin);
      allowed = (u.protocol === 'http:' || u.protocol === 'https:') && isOwnOrigin(u);
    } catch {
      // "null" (sandboxed pages, file:) and anything unparsable
    }
    if (!allowed) throw new HttpError(403, AUTH_ERROR, `cross-origin request refused (Origin: ${origin.slice(0, 200)})`);
  }
  if (request.headers.get('sec-fetch-site') === 'cross-site') throw new HttpError(403, AUTH_ERROR, 'cross-site request refused');
  if (request.method !== 'DELETE') {
    const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, invalidInputCode, 'Content-Type must be application/json');
  }
}
