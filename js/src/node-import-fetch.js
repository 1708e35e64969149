// import()'s default transport in Node: a fetch-shaped function over
// node:http/https that resolves names itself and connects only to addresses
// the core's rule admits (core/address_guard.h, `isPublicAddress`), unless
// the host opted in with allowPrivateImport. Each request opens its own
// connection (agent: false) and resolves the name anew, and the check runs in
// the `lookup` the socket connects with, so a name that answers a public
// address first and 127.0.0.1 next (DNS rebinding) is still refused.
// Redirects are never followed (node:http does not), as import.js wants.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { NON_PUBLIC_ADDRESS } from './import.js';

// A connection with no bytes either way for this long fails (a remote that
// accepts and never answers would otherwise hold the import forever). It is
// shorter than the import's job lease (120 s, core/artifacts/namespace_service.h),
// which every byte received renews: a silent remote fails the import before
// any other call could take its lapsed lease for a dead job's. git servers
// send keep-alives every 5 s while they prepare a pack.
const IDLE_TIMEOUT_MS = 90_000;
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

function refused(host) {
  const e = new Error(`${host}: not a public address`);
  e.code = NON_PUBLIC_ADDRESS;
  return e;
}

// options: { allowPrivate, loadCore (the core whose isPublicAddress rules),
// lookup (dns.lookup-compatible; tests inject one), isPublic (replaces the
// core's rule; tests only), idleTimeoutMs }.
export function makeNodeImportFetch({ allowPrivate = false, loadCore, lookup = dnsLookup, isPublic, idleTimeoutMs = IDLE_TIMEOUT_MS }) {
  return async function importFetch(request) {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol}`);
    const core = isPublic ? null : await loadCore();
    const publicAddress = isPublic ?? ((address) => core.isPublicAddress(address));

    const options = { method: request.method, headers: Object.fromEntries(request.headers), agent: false };
    if (!allowPrivate) {
      // A literal address never reaches `lookup` (net connects to it directly):
      // judge the URL parser's canonical form here. The core already refused
      // every literal spelling it knows; this catches any it would not.
      const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(literal) && !publicAddress(literal)) throw refused(url.hostname);
      options.lookup = (hostname, lookupOptions, callback) => {
        lookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
          if (err) return callback(err);
          // A name with any non-public address is refused whole: it is a
          // misconfiguration or an attack, and one rule is easier to reason about.
          if (addresses.length === 0 || addresses.some((a) => !publicAddress(a.address))) return callback(refused(hostname));
          if (lookupOptions.all) callback(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        });
      };
    }
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : null;
    if (body) options.headers['content-length'] = String(body.length);

    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options);
      req.setTimeout(idleTimeoutMs, () => req.destroy(new Error('idle timeout')));
      req.on('error', reject); // after the response started, the body stream errors instead
      req.on('response', (res) => {
        const status = res.statusCode;
        if (status < 200 || status > 599) {
          res.destroy();
          reject(new Error(`unexpected HTTP status ${status}`));
          return;
        }
        const headers = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          try {
            headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
          } catch {
            // a header value fetch's Headers refuses: not one the core reads
          }
        }
        const nullBody = NULL_BODY_STATUSES.has(status) || request.method === 'HEAD';
        if (nullBody) res.resume();
        resolve(new Response(nullBody ? null : Readable.toWeb(res), { status, headers }));
      });
      req.end(body ?? undefined);
    });
  };
}
