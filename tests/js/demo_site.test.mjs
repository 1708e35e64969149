// The browser demo's static files as `open-artifacts serve` answers them at
// /demo/ (js/src/demo-site.js): exact Content-Types (application/wasm for the
// core, text/javascript for modules), a CSP that allows no eval but wasm,
// read-only methods, no way out of the served folders, and the server's Host
// guard on these routes too; static GETs need no API token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../js/src/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const API_TOKEN = 'demo-site-test-api-token-0123456789';

let server;
let dataDir;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'oa-demo-site-'));
  server = await startServer({ port: 0, dataDir, apiToken: API_TOKEN });
});
after(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// A raw request: the path goes out exactly as written (fetch would normalise "..").
function raw(method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(server.url, { method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve reports the demo URL; the page, its modules, the package entry and the wasm have exact Content-Types', async () => {
  assert.equal(server.demoUrl, `${server.url}/demo/`);
  const expected = [
    ['/demo/', 'text/html; charset=utf-8', join(root, 'examples/browser/index.html')],
    ['/demo/index.html', 'text/html; charset=utf-8', join(root, 'examples/browser/index.html')],
    ['/demo/app.js', 'text/javascript; charset=utf-8', join(root, 'examples/browser/app.js')],
    ['/demo/style.css', 'text/css; charset=utf-8', join(root, 'examples/browser/style.css')],
    ['/demo/favicon.svg', 'image/svg+xml', join(root, 'examples/browser/favicon.svg')],
    ['/demo/open-artifacts/js/src/browser.js', 'text/javascript; charset=utf-8', join(root, 'js/src/browser.js')],
    ['/demo/open-artifacts/js/dist/open_artifacts_core.mjs', 'text/javascript; charset=utf-8', join(root, 'js/dist/open_artifacts_core.mjs')],
    ['/demo/open-artifacts/js/dist/open_artifacts_core.wasm', 'application/wasm', join(root, 'js/dist/open_artifacts_core.wasm')],
  ];
  for (const [path, type, file] of expected) {
    const res = await raw('GET', path); // no API token: static files need none
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['content-type'], type, path);
    assert.ok(res.body.equals(readFileSync(file)), `${path} is ${file}`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const csp = res.headers['content-security-policy'];
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, path);
    assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/, path);
  }
  // HEAD: the headers without the body.
  const head = await raw('HEAD', '/demo/open-artifacts/js/dist/open_artifacts_core.wasm');
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers['content-length']), readFileSync(join(root, 'js/dist/open_artifacts_core.wasm')).length);
  assert.equal(head.body.length, 0);
  // /demo without its slash moves to /demo/ (relative module URLs need it).
  const bare = await raw('GET', '/demo');
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, '/demo/');
  // The REST API still wants its token.
  const rest = await raw('GET', '/client/v4/accounts/local/artifacts/namespaces/default/repos');
  assert.equal(rest.status, 401);
  assert.match(rest.headers['www-authenticate'], /^Bearer/);
});

test("isomorphic-git is served as one ES module bundled with its Buffer (no bare imports left)", async () => {
  const res = await raw('GET', '/demo/vendor/isomorphic-git.js');
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
  const text = res.body.toString();
  assert.match(text, /export\s*\{[^}]*as default\s*\}/);
  // Self-contained: no import statement (a browser could not resolve their bare names) and no require.
  assert.doesNotMatch(text, /(^|[;}\n])\s*import\s*[{*"'\w]/, 'no import statements left');
  assert.doesNotMatch(text, /\brequire\(\s*["']/, 'no CommonJS require left');
});

test('the demo routes are read-only and reach nothing outside their folders', async () => {
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const res = await raw(method, '/demo/index.html');
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, 'GET, HEAD');
  }
  // Each attempt names a real file outside the served folders, with an extension that is served.
  const outside = {
    bin: readFileSync(join(root, 'js/bin/open-artifacts.js')),
    helpers: readFileSync(join(root, 'tests/js/helpers.mjs')),
    pkg: readFileSync(join(root, 'package.json')),
  };
  const attempts = [
    '/demo/../js/bin/open-artifacts.js',
    '/demo/%2e%2e/%2e%2e/js/bin/open-artifacts.js',
    '/demo/..%2f..%2fjs%2fbin%2fopen-artifacts.js',
    '/demo/..%2F..%2Fjs%2Fbin%2Fopen-artifacts.js',
    '/demo/..%5c..%5cjs%5cbin%5copen-artifacts.js',
    '/demo/..\\..\\js\\bin\\open-artifacts.js',
    '/demo/open-artifacts/js/src/..%2fbin%2fopen-artifacts.js',
    '/demo/open-artifacts/js/src/../bin/open-artifacts.js',
    '/demo/open-artifacts/js/src/%2e%2e%2fbin%2fopen-artifacts.js',
    '/demo/open-artifacts/js/dist/..%2f..%2ftests%2fjs%2fhelpers.mjs',
    '/demo/vendor/..%2f..%2f..%2fjs%2fbin%2fopen-artifacts.js',
    '/demo/..%2f..%2fpackage.json',
    '/demo/%2fetc%2fpasswd',
    '//etc/passwd',
    '/demo//etc/passwd',
    '/demo/.gitignore',
    '/demo/open-artifacts/js/dist/open_artifacts_core.wasm%00.js',
    '/demo/open-artifacts/js/src/', // no listing
    '/demo/open-artifacts/js/src/../index.d.ts',
    '/demo/vendor/index.umd.min.js',
  ];
  for (const path of attempts) {
    const res = await raw('GET', path);
    assert.notEqual(res.status, 200, `${path} answered 200`);
    for (const [name, content] of Object.entries(outside)) assert.ok(!res.body.includes(content.subarray(0, 200)), `${path} leaked ${name}`);
    assert.doesNotMatch(res.body.toString(), /root:x:0:0/, `${path} leaked /etc/passwd`);
  }
});

test('a symlink in the served folder that leads out of it is not followed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oa-demo-dir-'));
  const otherData = mkdtempSync(join(tmpdir(), 'oa-demo-site-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  t.after(() => rmSync(otherData, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>bundle</title>');
  symlinkSync(join(root, 'js/bin/open-artifacts.js'), join(dir, 'escape.js'));
  symlinkSync(join(dir, 'index.html'), join(dir, 'inside.html'));
  const other = await startServer({ port: 0, dataDir: otherData, demoDir: dir });
  t.after(() => other.close());
  const get = async (path) => {
    const res = await fetch(new URL(path, other.url));
    return { status: res.status, text: await res.text() };
  };
  assert.equal((await get('/demo/')).text, '<!doctype html><title>bundle</title>');
  assert.equal((await get('/demo/inside.html')).status, 200, 'a link within the folder is served');
  const escaped = await get('/demo/escape.js');
  assert.equal(escaped.status, 404);
  assert.ok(!escaped.text.includes('open-artifacts command line'));
});

test('the Host guard applies to the demo routes (DNS rebinding)', async () => {
  const res = await raw('GET', '/demo/', { Host: 'attacker.example' });
  assert.equal(res.status, 421);
  assert.doesNotMatch(res.body.toString(), /<html/);
});
