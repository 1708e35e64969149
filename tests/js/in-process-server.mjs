// A git server in this process: node:http around `artifacts.fetch`. Kept apart
// from git-harness.mjs (which needs node:test) so benchmarks can use it too.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createArtifacts } from 'open-artifacts';

// A git server in this process: node:http around `artifacts.fetch` over the
// given storage and host, for tests that need the Artifacts object itself
// (storage snapshots, a clock they move, the events it delivers: onEvent,
// accountId). Returns { base, artifacts, close }.
export async function startInProcessServer({ storage, host, limits, onEvent, accountId } = {}) {
  let artifacts;
  const server = createServer(async (req, res) => {
    try {
      const init = { method: req.method, headers: new Headers() };
      for (let i = 0; i < req.rawHeaders.length; i += 2) init.headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        init.body = Readable.toWeb(req);
        init.duplex = 'half';
      }
      const response = await artifacts.fetch(new Request(new URL(req.url, base), init));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) await pipeline(Readable.fromWeb(response.body), res);
      else res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  artifacts = createArtifacts({ storage, namespace: 'default', baseUrl: base, host, limits, onEvent, accountId });
  return {
    base,
    artifacts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
