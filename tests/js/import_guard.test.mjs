// Import stays outside (hardening part 6): by default import() refuses
// loopback, private, link-local and metadata sources with INVALID_URL, as
// literal addresses (the core's rule) and, in Node, after DNS resolution for
// every connection (node-import-fetch.js), so DNS rebinding does not get
// around it; allowPrivateImport / --allow-private-import admit them; a closed
// port and an open one that speaks no git fail with the same error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import { hostname } from 'node:os';
import { execFile } from 'node:child_process';
import { MemoryStorage, ArtifactsError, createArtifacts } from 'open-artifacts';
import { sharedHarness } from './git-harness.mjs';
import { startHttpBackendServer } from '../../bench/http-backend-server.mjs';
import { makeNodeImportFetch } from '../../js/src/node-import-fetch.js';
import { loadCore } from '../../js/src/node.js';
import { startServer } from '../../js/src/server.js';

const h = sharedHarness();
let hh;
let backend; // git http-backend on 127.0.0.1 serving src.git
let backendPort;
let connections = 0; // TCP connections the backend accepted

const srcPath = '/git/default/src.git';

before(async () => {
  hh = await h();
  backend = await startHttpBackendServer({ root: hh.path('backend') });
  backendPort = new URL(backend.url).port;
  backend.server.on('connection', () => (connections += 1));
  const src = hh.path('src');
  await hh.git(['init', '-q', '-b', 'main', src]);
  await hh.commit(src, { 'a.txt': 'a\n' }, 'one');
  await hh.git(['clone', '-q', '--bare', src, hh.path('backend', 'src.git')]);
});

after(() => backend?.close());

// A namespace holding one repo (so its counters exist before the first import).
async function fresh(options = {}) {
  const storage = new MemoryStorage();
  const artifacts = createArtifacts({ storage, namespace: 'default', baseUrl: 'http://127.0.0.1:8788', allowHttpImport: true, ...options });
  await artifacts.create('seed');
  return { storage, artifacts };
}

// Rejects with `code`; returns the error. Storage must be unchanged (the
// registry's sequence counter aside).
async function rejectsUnchanged(storage, promise, code) {
  const rows = () => JSON.stringify(storage.snapshot().filter(([key]) => !key.endsWith('/m/seq')));
  const before = rows();
  let error;
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ArtifactsError, `expected ArtifactsError, got ${e?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    error = e;
    return true;
  });
  assert.equal(rows(), before, 'a refused import changes nothing');
  return error;
}

const importFrom = (artifacts, url, name = 'copy') => artifacts.import({ source: { url }, target: { name } });

test('by default loopback, private, link-local and metadata sources are INVALID_URL, before any connection', async () => {
  const { storage, artifacts } = await fresh();
  const urls = [
    `http://127.0.0.1:${backendPort}${srcPath}`,
    `http://127.1:${backendPort}${srcPath}`,
    `http://0x7f.0.0.1:${backendPort}${srcPath}`,
    `http://2130706433:${backendPort}${srcPath}`,
    `http://[::1]:${backendPort}${srcPath}`,
    `http://[::ffff:127.0.0.1]:${backendPort}${srcPath}`,
    `http://localhost:${backendPort}${srcPath}`,
    `http://git.localhost:${backendPort}${srcPath}`,
    'http://169.254.169.254/latest/meta-data/',
    'http://10.1.2.3/r.git',
    'http://192.168.0.1/r.git',
    'http://100.64.0.1/r.git',
    'https://[fd00:ec2::254]/r.git',
    'https://[fe80::1]/r.git',
  ];
  const before = connections;
  for (const url of urls) {
    const e = await rejectsUnchanged(storage, importFrom(artifacts, url), 'INVALID_URL');
    assert.equal(e.numericCode, 10104);
    assert.match(e.message, /loopback, private, link-local and metadata addresses are not allowed/);
  }
  assert.equal(connections, before, 'the backend was never contacted');
});

test('a name that resolves to a loopback address is refused after DNS resolution (default Node transport)', async (t) => {
  // Injected resolver: git.rebind.test -> 127.0.0.1 (the core sees only a name).
  const lookups = [];
  const lookup = (name, options, callback) => {
    lookups.push(name);
    callback(null, [{ address: '127.0.0.1', family: 4 }]);
  };
  const { storage, artifacts } = await fresh({ fetch: makeNodeImportFetch({ loadCore, lookup }) });
  const before = connections;
  await rejectsUnchanged(storage, importFrom(artifacts, `http://git.rebind.test:${backendPort}${srcPath}`), 'INVALID_URL');
  assert.deepEqual(lookups, ['git.rebind.test']);
  assert.equal(connections, before, 'refused before connecting');

  // The real resolver through createArtifacts' default transport: this
  // machine's own name resolves to a loopback or private address.
  const name = hostname();
  const addresses = await new Promise((resolve) => dnsLookup(name, { all: true }, (err, a) => resolve(err ? [] : a)));
  const core = await loadCore();
  if (addresses.length === 0 || addresses.every((a) => core.isPublicAddress(a.address))) {
    t.diagnostic(`${name} does not resolve to a private address here; real-resolver case skipped`);
    return;
  }
  const real = await fresh();
  await rejectsUnchanged(real.storage, importFrom(real.artifacts, `http://${name}:${backendPort}${srcPath}`), 'INVALID_URL');
  assert.equal(connections, before);
});

test('every connection resolves anew: a name rebinding to a private address mid-import is refused', async () => {
  // A stand-in rule so the test needs no public server: 127.0.0.1 plays a
  // public address, 127.0.0.2 a private one. The name answers the first, then
  // the second (DNS rebinding between the ref discovery and the fetch).
  const answers = ['127.0.0.1', '127.0.0.2'];
  let calls = 0;
  const lookup = (name, options, callback) => {
    const address = answers[Math.min(calls, answers.length - 1)];
    calls += 1;
    callback(null, [{ address, family: 4 }]);
  };
  const fetch = makeNodeImportFetch({ loadCore, lookup, isPublic: (address) => address === '127.0.0.1' });
  const { storage, artifacts } = await fresh({ fetch });
  const before = connections;
  const e = await rejectsUnchanged(storage, importFrom(artifacts, `http://rebind.test:${backendPort}${srcPath}`), 'INVALID_URL');
  assert.match(e.message, /rebind\.test/);
  assert.equal(calls, 2, 'one resolution per connection');
  assert.equal(connections, before + 1, 'the first request went through; the second never connected');

  // Control: with a resolver that stays on the "public" address the same import works.
  const steady = makeNodeImportFetch({ loadCore, lookup: (n, o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]), isPublic: (a) => a === '127.0.0.1' });
  const ok = await fresh({ fetch: steady });
  const result = await importFrom(ok.artifacts, `http://rebind.test:${backendPort}${srcPath}`);
  assert.equal(result.defaultBranch, 'main');
});

test('allowPrivateImport admits loopback sources (literal and by name)', async () => {
  const { artifacts } = await fresh({ allowPrivateImport: true });
  const literal = await importFrom(artifacts, `http://127.0.0.1:${backendPort}${srcPath}`, 'by-address');
  assert.equal(literal.defaultBranch, 'main');
  const byName = await importFrom(artifacts, `http://localhost:${backendPort}${srcPath}`, 'by-name');
  assert.equal(byName.defaultBranch, 'main');
  assert.equal((await artifacts.list()).repos.length, 3);
});

// TCP listeners on 127.0.0.1 that behave like open ports of other services.
async function tcpServer(onConnection) {
  const sockets = new Set();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  };
}

test('a closed port and open ports that speak no git fail with the same code and message', async (t) => {
  const closedPort = await new Promise((resolve) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const ssh = await tcpServer((s) => s.end('SSH-2.0-OpenSSH_9.2p1\r\n'));
  const hangup = await tcpServer((s) => s.destroy());
  const reset = await tcpServer((s) => s.resetAndDestroy());
  const silent = await tcpServer(() => {}); // accepts, never answers
  t.after(() => Promise.all([ssh, hangup, reset, silent].map((s) => s.close())));
  const ports = { closed: closedPort, ssh: ssh.port, hangup: hangup.port, reset: reset.port, silent: silent.port };

  // With the opt-in the connections happen; every failure reads the same.
  const fetch = makeNodeImportFetch({ loadCore, allowPrivate: true, idleTimeoutMs: 300 });
  const allowed = await fresh({ allowPrivateImport: true, fetch });
  const seen = new Map();
  for (const [label, port] of Object.entries(ports)) {
    const e = await rejectsUnchanged(allowed.storage, importFrom(allowed.artifacts, `http://127.0.0.1:${port}/r.git`), 'UPSTREAM_UNAVAILABLE');
    seen.set(label, e.message);
  }
  assert.equal(new Set(seen.values()).size, 1, `one message for all: ${JSON.stringify(Object.fromEntries(seen))}`);
  assert.doesNotMatch([...seen.values()][0], /ECONN|refused|reset|timeout|socket|SSH|parse/i);

  // Without it nothing is contacted, and the answer is the same for each port.
  const refused = await fresh();
  const messages = new Set();
  for (const port of Object.values(ports)) {
    messages.add((await rejectsUnchanged(refused.storage, importFrom(refused.artifacts, `http://127.0.0.1:${port}/r.git`), 'INVALID_URL')).message);
  }
  assert.equal(messages.size, 1);
});

test('the server and the CLI refuse private sources unless allowPrivateImport / --allow-private-import', async (t) => {
  const url = `http://127.0.0.1:${backendPort}${srcPath}`;
  const post = async (server, name) => {
    const res = await fetch(`${server.restUrl}/namespaces/default/repos/${name}/import`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    return { status: res.status, body: await res.json() };
  };
  const strict = await startServer({ port: 0, dataDir: hh.path('strict-data'), allowHttpImport: true });
  t.after(() => strict.close());
  const refused = await post(strict, 'nope');
  assert.equal(refused.status, 400);
  assert.equal(refused.body.errors[0].code, 10104);
  assert.equal((await fetch(`${strict.restUrl}/namespaces/default/repos/nope`)).status, 404, 'a refused import leaves no repo');
  const open = await startServer({ port: 0, dataDir: hh.path('open-data'), allowHttpImport: true, allowPrivateImport: true });
  t.after(() => open.close());
  const imported = await post(open, 'yes');
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  assert.equal(imported.body.result.name, 'yes');
  assert.equal(imported.body.result.remote, `${open.url}/git/default/yes.git`);

  const cli = new URL('../../js/bin/open-artifacts.js', import.meta.url).pathname;
  const run = (args) =>
    new Promise((resolve) => execFile(process.execPath, [cli, ...args], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stderr })));
  const data = hh.path('cli-guard-data');
  const no = await run(['import', url, 'cli-refused', '--data', data, '--allow-http-import']);
  assert.equal(no.code, 1);
  assert.match(no.stderr, /INVALID_URL: import from "127\.0\.0\.1" refused/);
  const yes = await run(['import', url, 'cli-allowed', '--data', data, '--allow-http-import', '--allow-private-import']);
  assert.equal(yes.code, 0, yes.stderr);
});
