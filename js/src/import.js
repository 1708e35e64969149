// `artifacts.import(params, { onProgress })`: the core's import job is sans-IO
// (core/import_job.h); this file performs the HTTP requests it asks for with
// the host's fetch and streams the responses back. Redirects are not followed
// (spec §7.1): the core sees the 3xx and refuses it.

import { nextTick } from './git-fetch.js';

const asBytes = (chunk) => (chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk));

// Progress callbacks at most this often while a pack streams in.
const PROGRESS_INTERVAL_MS = 100;

// One reason for every way a connection fails (refused, reset, timeout, TLS,
// not HTTP at all): the error must not tell a closed port from an open one.
const UNREACHABLE = 'connection failed';
const LOST = 'connection lost';

// The code of the error a transport throws when it refuses to connect to a
// non-public address (node-import-fetch.js): reported as INVALID_URL.
export const NON_PUBLIC_ADDRESS = 'ERR_OA_NON_PUBLIC_ADDRESS';

// ns: the core Namespace; args: the import() arguments; fetchFn: the host's
// fetch; allowHttp: plain-http sources allowed; allowPrivate: loopback and
// private hosts allowed (core/address_guard.h); onProgress(p) optional.
export async function runImport(ns, args, { fetchFn, allowHttp, allowPrivate, onProgress, toJson }) {
  const job = ns.openImport(JSON.stringify(args, toJson), allowHttp, allowPrivate);
  let lastReport = 0;
  const report = (force) => {
    if (!onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return;
    lastReport = now;
    onProgress(job.progress());
  };
  try {
    for (;;) {
      const request = job.nextRequest();
      if (request === null) {
        report(true); // the final "done"
        break;
      }
      let response;
      try {
        response = await fetchFn(
          new Request(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body ?? undefined,
            redirect: 'manual',
          }),
        );
      } catch (e) {
        // The Node transport (node-import-fetch.js) refused a resolved address.
        if (e?.code === NON_PUBLIC_ADDRESS) job.refuseAddress();
        job.failUnreachable(UNREACHABLE);
      }
      const reader = response.body?.getReader();
      try {
        job.beginResponse(response.status, response.headers.get('content-type') ?? '');
        for (;;) {
          let chunk;
          try {
            chunk = reader ? await reader.read() : { done: true };
          } catch {
            job.failUnreachable(LOST);
          }
          if (chunk.done) break;
          job.write(asBytes(chunk.value));
          while (!job.pump()) await nextTick(); // unpacking runs in steps; other work runs between them
          report(false);
        }
        job.endResponse();
        report(true);
      } catch (e) {
        reader?.cancel().catch(() => {});
        throw e;
      }
    }
    return JSON.parse(job.result());
  } finally {
    job.delete();
  }
}
