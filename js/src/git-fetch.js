// `artifacts.fetch(request)`: the git smart-HTTP server as a fetch handler.
// The core does all routing, auth, decoding and protocol work in a session
// (Namespace.openGit); this file only pumps bytes between the web streams of
// a Request/Response and that session, streaming both ways.

// The request headers the core looks at (lower-case; absent ones are omitted).
const FORWARDED_HEADERS = ['authorization', 'content-type', 'content-encoding', 'git-protocol'];
// Statuses whose Response must have a null body (fetch spec).
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

// A Response body nobody reads or cancels would keep its C++ session alive;
// free it when the stream (through its pull function, below) is garbage
// collected instead.
const orphanedSessions =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((release) => release()) : null;

// Lets queued I/O and timers run (setImmediate where there is one: a zero
// setTimeout is clamped to 4 ms in browsers).
export const nextTick = () => new Promise((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));

const asBytes = (chunk) => (chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk));

// namespaceCore: () => Promise<core Namespace> (the one createArtifactsWith makes);
// checkError(e) -> the error to surface (it also notices wasm traps);
// afterFinish(ns): runs once the session's work is done (the repo events it queued are drained).
export function makeGitFetch(namespaceCore, checkError = (e) => e, afterFinish = () => {}) {
  return async function fetch(request) {
    const ns = await namespaceCore();

    const url = new URL(request.url);
    const headers = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    let session;
    try {
      session = ns.openGit(JSON.stringify({ method: request.method, path: url.pathname, query: url.search, headers }));
    } catch (e) {
      throw checkError(e);
    }

    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      orphanedSessions?.unregister(release);
      try {
        session.delete();
      } catch {
        // the instance trapped: its memory is discarded with it
      }
    };

    let head;
    try {
      if (request.body) {
        const reader = request.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            // Unpacking a push is done in steps: other requests are served between them.
            let idle = session.write(asBytes(value));
            while (!idle) {
              await nextTick();
              idle = session.pump();
            }
          }
        } catch (e) {
          reader.cancel(e).catch(() => {});
          throw e;
        }
      }
      head = JSON.parse(session.finish());
    } catch (e) {
      release();
      throw checkError(e);
    } finally {
      afterFinish(ns);
    }

    if (NULL_BODY_STATUSES.has(head.status) || request.method === 'HEAD') {
      release();
      return new Response(null, head);
    }

    const source = {
      pull(controller) {
        try {
          const chunk = session.read();
          if (chunk === null) {
            release();
            controller.close();
          } else {
            controller.enqueue(chunk);
          }
        } catch (e) {
          release();
          controller.error(checkError(e));
        }
      },
      cancel() {
        release();
      },
    };
    const body = new ReadableStream(source, { highWaterMark: 0 }); // produce a chunk only when the consumer asks for one
    // Keyed on the pull function, which the stream keeps for as long as it can
    // be read: in workerd the ReadableStream object itself may be collected
    // while the runtime still streams the body (a Response returned by a
    // Durable Object), which freed the session mid-stream.
    orphanedSessions?.register(source.pull, release, release);
    return new Response(body, head);
  };
}
