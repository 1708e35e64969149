// The Worker entry (`open-artifacts/worker`, deployed as examples/cloudflare/)
// used as other Workers use Cloudflare's Artifacts binding: through a service
// binding to its ArtifactsBinding entrypoint, in real workerd, with its
// Durable Objects on disk. One workerd runs three Workers:
//   open-artifacts  the entry (examples/cloudflare/src/index.js, bundled by esbuild
//                   as wrangler does); its socket serves the git remotes
//   client          tests/workerd/binding-client.mjs: env.ARTIFACTS (props.namespace
//                   "bound") and env.ARTIFACTS_DEFAULT (no props: the var
//                   ARTIFACTS_NAMESPACE, unset here, so "default")
//   open-artifacts-strict  the same entry with no vars (no ARTIFACTS_ALLOW_*_IMPORT, no ARTIFACTS_BASE_URL)
//   example         examples/worker/src/index.ts UNMODIFIED (transpiled as
//                   examples/worker/local/run.mjs does), env.ARTIFACTS bound to the entry
// Every call's outcome is compared where it can be with the in-process API
// (createArtifacts of the Node entry): same values, and for bad input the
// same ArtifactsError code, numericCode and message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArtifacts, MemoryStorage } from 'open-artifacts';
import { compileExample } from '../../examples/worker/local/run.mjs';
import { startHttpBackendServer } from '../../bench/http-backend-server.mjs';
import { bundleWorker, freePort, startWorkerd } from './workerd-harness.mjs';
import { startGitHarness } from './git-harness.mjs';
import { exampleWorkerCases } from './example-worker-cases.mjs';
import { decode, settle } from '../workerd/rpc-values.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'build/test-output/workerd-binding');
const TOKEN = /^art_v1_[0-9a-f]{40}\?expires=\d+$/;
const HASH = /^[0-9a-f]{40}$/;
const API_TOKEN = 'binding-test-api-token-0123456789';
const AUTHOR = { name: 'Binding Tester', email: 'binding@example.test', date: 1_700_000_000 };

let w; // workerd: sockets git (open-artifacts), client, example
let gitBase;
let gh; // git clients (and a Node server we do not use)
let backend; // git http-backend: import sources

before(async () => {
  const [gitPort, clientPort, examplePort] = [await freePort(), await freePort(), await freePort()];
  gitBase = `http://127.0.0.1:${gitPort}`;
  rmSync(out, { recursive: true, force: true });
  const entry = await bundleWorker(join(root, 'examples/cloudflare/src/index.js'), join(out, 'open-artifacts'));
  const client = await bundleWorker(join(root, 'tests/workerd/binding-client.mjs'), join(out, 'client'));
  mkdirSync(join(out, 'example'), { recursive: true });
  writeFileSync(join(out, 'example/index.js'), compileExample());
  const binding = (props) => ({ name: 'open-artifacts', entrypoint: 'ArtifactsBinding', ...(props ? { props } : {}) });
  w = await startWorkerd({
    dir: out,
    services: [
      {
        name: 'open-artifacts',
        modules: entry,
        durableObjects: [
          { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES' },
          { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS' },
        ],
        bindings: [
          { name: 'ARTIFACTS_BASE_URL', text: gitBase },
          { name: 'ARTIFACTS_ALLOW_HTTP_IMPORT', text: 'true' },
          { name: 'ARTIFACTS_ALLOW_PRIVATE_IMPORT', text: 'true' },
          { name: 'ARTIFACTS_API_TOKEN', text: API_TOKEN },
        ],
        localNetwork: true, // imports from git http-backend on loopback
      },
      {
        // The same Worker with the defaults: no plain-http or private imports.
        name: 'open-artifacts-strict',
        modules: entry,
        durableObjects: [
          { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES' },
          { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS' },
        ],
        bindings: [], // nor ARTIFACTS_BASE_URL: RPC remotes name http://localhost:8787
        localNetwork: true,
      },
      {
        name: 'client',
        modules: client,
        bindings: [
          { name: 'ARTIFACTS', service: binding({ namespace: 'bound' }) },
          { name: 'ARTIFACTS_DEFAULT', service: binding() },
          { name: 'ARTIFACTS_STRICT', service: { name: 'open-artifacts-strict', entrypoint: 'ArtifactsBinding' } },
        ],
      },
      { name: 'example', modules: [{ name: 'index.js', path: join(out, 'example/index.js') }], bindings: [{ name: 'ARTIFACTS', service: binding() }] },
    ],
    sockets: [
      { name: 'git', service: 'open-artifacts', port: gitPort },
      { name: 'client', service: 'client', port: clientPort },
      { name: 'example', service: 'example', port: examplePort },
    ],
  });
  gh = await startGitHarness();
  backend = await startHttpBackendServer({ root: gh.path('backend') });
});

after(async () => {
  await w?.dispose();
  await backend?.close();
  await gh?.close();
});

// env[binding][method](...args) in the client Worker, or on the handle of
// `repo`: { ok } (tagged values, see rpc-values.mjs) or { error }.
async function call(method, args = [], { repo, binding } = {}) {
  const res = await fetch(`${w.urls.client}/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ binding, repo, method, args }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method}: ${text}\n${w.output()}`);
  return JSON.parse(text);
}
// The value of a call that must succeed.
async function ok(method, args, opts) {
  const r = await call(method, args, opts);
  assert.ok('ok' in r, `${method}(${JSON.stringify(args)}) failed: ${JSON.stringify(r.error)}`);
  return r.ok;
}
async function scenario(name, body) {
  const res = await fetch(`${w.urls.client}/scenario/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const r = JSON.parse(text);
  assert.ok('ok' in r, JSON.stringify(r.error));
  return r.ok;
}
// An error as the client saw it: a plain Error (RPC does not keep classes)
// named ArtifactsError, with code and numericCode.
function assertRpcError(r, code, numericCode, message) {
  assert.ok('error' in r, `expected ${code}, got ${JSON.stringify(r.ok)}`);
  assert.equal(r.error.name, 'ArtifactsError', JSON.stringify(r.error));
  assert.equal(r.error.code, code, JSON.stringify(r.error));
  if (numericCode !== undefined) assert.equal(r.error.numericCode, numericCode);
  if (message !== undefined) assert.match(r.error.message, message);
  assert.equal(r.error.ctor, 'Error');
  assert.equal(r.error.remote, true);
}

// The in-process API over memory, for comparisons: the same namespace name and
// base URL, so remotes compare too.
function localArtifacts(namespace = 'bound') {
  return createArtifacts({ storage: new MemoryStorage(), namespace, baseUrl: gitBase, allowHttpImport: true, allowPrivateImport: true });
}

const text = (tagged) => Buffer.from(tagged.$blob.base64, 'base64').toString('utf8');
const withoutVolatile = ({ id, createdAt, updatedAt, lastPushAt, token, expiresAt, ...rest }) => rest;

test('create, get, list and delete through the service binding; the namespace comes from ctx.props', async () => {
  const created = await ok('create', ['alpha', { description: 'first', setDefaultBranch: 'trunk' }]);
  assert.deepEqual(Object.keys(created).sort(), ['defaultBranch', 'description', 'id', 'name', 'remote', 'token']);
  assert.equal(created.remote, `${gitBase}/git/bound/alpha.git`);
  assert.match(created.token, TOKEN);
  const local = localArtifacts();
  assert.deepEqual(withoutVolatile(created), withoutVolatile(await local.create('alpha', { description: 'first', setDefaultBranch: 'trunk' })));

  const info = await ok('info', [], { repo: 'alpha' });
  assert.deepEqual(withoutVolatile(info), withoutVolatile(await (await local.get('alpha')).info()));
  assert.equal(info.id, created.id);
  assert.equal(info.name, 'alpha');
  assert.equal(info.defaultBranch, 'trunk');
  assert.equal(info.description, 'first');
  assert.equal(info.remote, created.remote);
  assert.equal(info.readOnly, false);
  assert.equal(info.source, null);
  assert.equal(info.lastPushAt, null);

  await ok('create', ['beta']);
  await local.create('beta');
  const list = await ok('list', []);
  assert.deepEqual(list.repos.map((r) => r.name), ['beta', 'alpha'], 'newest first');
  assert.equal(list.total, 2);
  for (const r of list.repos) assert.equal(r.status, 'ready');
  const localList = await settle(() => local.list());
  assert.deepEqual(Object.keys(list).sort(), Object.keys(localList.ok).sort());
  assert.deepEqual(list.repos.map(withoutVolatile), localList.ok.repos.map(withoutVolatile));
  const page = await ok('list', [{ limit: 1 }]);
  assert.deepEqual(page.repos.map((r) => r.name), ['beta']);
  assert.equal(typeof page.cursor, 'string');
  const next = await ok('list', [{ limit: 1, cursor: page.cursor }]);
  assert.deepEqual(next.repos.map((r) => r.name), ['alpha']);

  // Another binding without props: namespace "default", apart from "bound".
  assert.deepEqual((await ok('list', [], { binding: 'ARTIFACTS_DEFAULT' })).repos.map((r) => r.name).filter((n) => n === 'alpha'), []);
  const other = await ok('create', ['alpha'], { binding: 'ARTIFACTS_DEFAULT' });
  assert.equal(other.remote, `${gitBase}/git/default/alpha.git`);
  assert.notEqual(other.id, created.id);
  assert.equal(await ok('delete', ['alpha'], { binding: 'ARTIFACTS_DEFAULT' }), true);

  assert.equal(await ok('delete', ['beta']), true);
  assert.equal(await ok('delete', ['beta']), false);
  assertRpcError(await call('get', ['beta']), 'NOT_FOUND', 10200);
  assertRpcError(await call('info', [], { repo: 'beta' }), 'NOT_FOUND', 10200);
  assertRpcError(await call('create', ['alpha']), 'ALREADY_EXISTS', 10201);
  assertRpcError(await call('create', ['ALPHA']), 'ALREADY_EXISTS', 10201);
});

// The same call through the binding and on the in-process API: both outcomes,
// tagged. Errors are compared on name, code, numericCode and message; values
// without the ids, tokens and times each side makes its own.
async function both(local, method, args = [], { repo, binding } = {}) {
  const remote = await call(method, args, { repo, binding });
  const decoded = decode(args);
  const here = await settle(async () => (repo === undefined ? local[method](...decoded) : (await local.get(repo))[method](...decoded)));
  return { remote, here };
}
const errorFields = ({ name, code, numericCode, message }) => ({ name, code, numericCode, message });
async function assertSame(local, method, args, opts) {
  const { remote, here } = await both(local, method, args, opts);
  const label = `${opts?.repo ? `repo.${method}` : method}(${JSON.stringify(args)})`;
  if ('error' in here) {
    assert.ok('error' in remote, `${label}: in-process ${here.error.code}, over RPC ${JSON.stringify(remote.ok)}`);
    assert.deepEqual(errorFields(remote.error), errorFields(here.error), label);
  } else {
    assert.ok('ok' in remote, `${label}: in-process ok, over RPC ${JSON.stringify(remote.error)}`);
    // Ids, tokens and times are each side's own.
    const comparable = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('$blob' in v) ? withoutVolatile(v) : v);
    assert.deepEqual(comparable(remote.ok), comparable(here.ok), label);
  }
  return remote;
}

test('tokens: createToken, listTokens and revokeToken over RPC; git takes what they mint', async () => {
  const created = await ok('create', ['tokens-repo']);
  const before = Date.now();
  const write = await ok('createToken', [], { repo: 'tokens-repo' });
  assert.deepEqual(Object.keys(write).sort(), ['expiresAt', 'id', 'plaintext', 'scope']);
  assert.equal(write.scope, 'write');
  assert.match(write.plaintext, TOKEN);
  const ttl = (Date.parse(write.expiresAt) - before) / 1000;
  assert.ok(ttl > 86_390 && ttl <= 86_401, `default ttl ${ttl}`);
  const read = await ok('createToken', ['read', 120], { repo: 'tokens-repo' });
  assert.equal(read.scope, 'read');

  const listed = await ok('listTokens', [], { repo: 'tokens-repo' });
  assert.equal(listed.total, 3, 'the initial token and two more');
  assert.deepEqual(listed.tokens.map((t) => t.id).sort(), [read.id, write.id, listed.tokens.find((t) => ![read.id, write.id].includes(t.id)).id].sort());
  for (const t of listed.tokens) {
    assert.deepEqual(Object.keys(t).sort(), ['createdAt', 'expiresAt', 'id', 'scope', 'state']);
    assert.equal(t.state, 'active');
  }

  // git: push with the write token, read with the read token, which cannot push.
  const work = gh.path('tokens-work');
  await gh.git(['init', '-q', '-b', 'main', work]);
  const head = await gh.commit(work, { 'a.txt': 'a\n' }, 'first');
  const pushed = await gh.run(['push', '-q', created.remote, 'HEAD:refs/heads/main'], { cwd: work, token: write.plaintext });
  assert.equal(pushed.code, 0, pushed.stderr + w.output());
  assert.equal((await gh.git(['ls-remote', created.remote, 'refs/heads/main'], { token: read.plaintext })).stdout, `${head}\trefs/heads/main\n`);
  const refused = await gh.run(['push', created.remote, 'HEAD:refs/heads/other'], { cwd: work, token: read.plaintext });
  assert.notEqual(refused.code, 0);

  assert.equal(await ok('revokeToken', [read.id], { repo: 'tokens-repo' }), true);
  assert.equal(await ok('revokeToken', [write.plaintext], { repo: 'tokens-repo' }), true);
  assert.equal(await ok('revokeToken', ['0123456789abcdef'], { repo: 'tokens-repo' }), false);
  assert.notEqual((await gh.run(['ls-remote', created.remote], { token: read.plaintext })).code, 0, 'a revoked token no longer reads');
  const left = await ok('listTokens', [], { repo: 'tokens-repo' });
  assert.equal(left.total, 1);
  assert.deepEqual(left.tokens.map((t) => t.id), listed.tokens.filter((t) => ![read.id, write.id].includes(t.id)).map((t) => t.id));
  assertRpcError(await call('createToken', ['read', 59], { repo: 'tokens-repo' }), 'INVALID_TTL', 10103);

  // The creation token still clones; the clone is sound.
  const clone = gh.path('tokens-clone');
  await gh.git(['clone', '-q', created.remote, clone], { token: created.token });
  assert.equal(await gh.head(clone), head);
  await gh.fsck(clone);
  assert.equal((await ok('info', [], { repo: 'tokens-repo' })).lastPushAt === null, false, 'the push is recorded');
});

// A few bytes with NULs (binary) and a name that gives a MIME type.
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const tag = (bytes) => ({ $bytes: Buffer.from(bytes).toString('base64') });

test('commit, log, readCommit, readTree, readBlob and readFile over RPC answer what the in-process API answers (Blobs keep their type)', async () => {
  const local = localArtifacts();
  await ok('create', ['content']);
  await local.create('content');
  const params = {
    branch: 'main',
    message: 'first files',
    author: AUTHOR,
    files: [
      { path: 'README.md', content: 'hello\n' },
      { path: 'img/logo.png', content: tag(PNG) },
      { path: 'bin/run.sh', content: '#!/bin/sh\necho hi\n', executable: true },
      { path: 'data.bin', content: tag([1, 0, 2, 0, 3]) },
    ],
  };
  const first = await assertSame(local, 'commit', [params], { repo: 'content' });
  assert.match(first.ok.commit, HASH);
  const second = await assertSame(local, 'commit', [{ message: 'second', author: AUTHOR, files: [{ path: 'README.md', content: 'hello again\n' }] }], { repo: 'content' });
  const { commit, tree } = second.ok;

  const log = await assertSame(local, 'log', [], { repo: 'content' });
  assert.deepEqual(log.ok.map((c) => c.hash), [commit, first.ok.commit]);
  assert.deepEqual(log.ok[0].author, { name: AUTHOR.name, email: AUTHOR.email });
  await assertSame(local, 'log', [{ ref: 'main', limit: 1, offset: 1 }], { repo: 'content' });
  await assertSame(local, 'log', [{ ref: 'no-such-branch' }], { repo: 'content' });
  const meta = await assertSame(local, 'readCommit', [commit], { repo: 'content' });
  assert.equal(meta.ok.treeHash, tree);
  assert.equal(meta.ok.message, 'second');
  await assertSame(local, 'readCommit', ['0'.repeat(40)], { repo: 'content' });
  const entries = (await assertSame(local, 'readTree', [tree], { repo: 'content' })).ok;
  assert.deepEqual(entries.map((e) => [e.name, e.mode, e.type]), [
    ['README.md', '100644', 'blob'],
    ['bin', '40000', 'tree'],
    ['data.bin', '100644', 'blob'],
    ['img', '40000', 'tree'],
  ]);
  await assertSame(local, 'readTree', [commit], { repo: 'content' });

  const readme = entries.find((e) => e.name === 'README.md').hash;
  const blob = (await assertSame(local, 'readBlob', [readme], { repo: 'content' })).ok;
  assert.equal(blob.$blob.ctor, 'Blob');
  assert.equal(blob.$blob.type, '', 'readBlob is untyped');
  assert.equal(text(blob), 'hello again\n');
  await assertSame(local, 'readBlob', [tree], { repo: 'content' });

  const file = (ref, path) => assertSame(local, 'readFile', [{ ref, path }], { repo: 'content' });
  assert.equal((await file('main', 'README.md')).ok.$blob.type, 'text/plain;charset=utf-8');
  const png = (await file('main', 'img/logo.png')).ok;
  assert.equal(png.$blob.type, 'image/png');
  assert.deepEqual(Buffer.from(png.$blob.base64, 'base64'), PNG);
  assert.equal((await file('main', 'data.bin')).ok.$blob.type, 'application/octet-stream');
  assert.equal(text((await file(first.ok.commit, 'README.md')).ok), 'hello\n');
  assert.equal((await file('main', 'img')).ok, null, 'a directory');
  assert.equal((await file('main', 'missing.txt')).ok, null);
  assert.equal((await file('nope', 'README.md')).ok, null);
});

test('bad input over RPC gets the in-process API\'s ArtifactsError (code, numericCode, message), as a plain Error', async () => {
  const local = localArtifacts();
  await ok('create', ['typed']);
  await local.create('typed');
  const u = { $undefined: true };
  const namespaceCalls = [
    ['create', [42]],
    ['create', []],
    ['create', ['bad name']],
    ['create', ['-dash']],
    ['create', ['x'.repeat(64)]],
    ['create', ['fine', 5]],
    ['create', ['fine', { readOnly: 'yes' }]],
    ['create', ['fine', { description: 7 }]],
    ['create', ['fine', { setDefaultBranch: 'a..b' }]],
    ['list', [{ limit: 'x' }]],
    ['list', [{ limit: 0 }]],
    ['list', [{ limit: 201 }]],
    ['list', [{ limit: 1.5 }]],
    ['list', [{ cursor: 42 }]],
    ['list', [5]],
    ['get', [42]],
    ['get', ['bad name']],
    ['get', [u]],
    ['delete', [42]],
    ['delete', ['bad name']],
    ['import', [42]],
    ['import', [{}]],
    ['import', [{ source: { url: 'not a url' }, target: { name: 'imp' } }]],
    ['import', [{ source: { url: 'https://example.test/x.git' }, target: { name: 'bad name' } }]],
    ['import', [{ source: { url: 'https://example.test/x.git', depth: 0 }, target: { name: 'imp' } }]],
  ];
  const repoCalls = [
    ['createToken', ['admin']],
    ['createToken', ['read', 5]],
    ['createToken', ['read', 'x']],
    ['createToken', ['read', 1.5]],
    ['revokeToken', ['']],
    ['revokeToken', [42]],
    ['readBlob', ['zz']],
    ['readBlob', [42]],
    ['readBlob', ['']],
    ['readTree', ['ABCDEF'.repeat(6) + 'ABCD']],
    ['readCommit', ['X']],
    ['readFile', [{}]],
    ['readFile', [{ ref: 'main' }]],
    ['readFile', [{ ref: '', path: 'a' }]],
    ['readFile', [42]],
    ['log', [{ limit: 0 }]],
    ['log', [{ limit: 'x' }]],
    ['log', [{ offset: -1 }]],
    ['fork', [42]],
    ['fork', ['bad name']],
    ['fork', ['typed']],
    ['fork', ['fine', { readOnly: 1 }]],
    ['commit', [{}]],
    ['commit', [42]],
    ['commit', [{ message: 'm', files: [{ path: '../x', content: 'x' }] }]],
    ['commit', [{ message: 'm', files: [{ path: 'x', content: 42 }] }]],
  ];
  for (const [method, args] of namespaceCalls) {
    const r = await assertSame(local, method, args);
    assert.ok('error' in r, `${method}(${JSON.stringify(args)}) should fail`);
    assertRpcError(r, r.error.code);
  }
  for (const [method, args] of repoCalls) {
    const r = await assertSame(local, method, args, { repo: 'typed' });
    assert.ok('error' in r, `repo.${method}(${JSON.stringify(args)}) should fail`);
    assertRpcError(r, r.error.code);
  }
  // Nothing of that was created.
  assert.deepEqual((await ok('list', [])).repos.map((r) => r.name).filter((n) => ['fine', 'imp'].includes(n)), []);
});

test('fork over RPC: ready when it resolves (never FORK_IN_PROGRESS afterwards), with the parent\'s commits', async () => {
  const parent = await ok('create', ['parent']);
  const work = gh.path('parent-work');
  await gh.git(['init', '-q', '-b', 'main', work]);
  await gh.commit(work, { 'a.txt': 'a\n' }, 'one');
  const main = await gh.commit(work, { 'b.txt': 'b\n' }, 'two');
  await gh.git(['checkout', '-q', '-b', 'side'], { cwd: work });
  const side = await gh.commit(work, { 'c.txt': 'c\n' }, 'side');
  await gh.git(['push', '-q', parent.remote, 'main', 'side'], { cwd: work, token: parent.token });

  const watched = await scenario('forkWatch', { repo: 'parent', fork: 'child', opts: { description: 'a fork' } });
  assert.ok('ok' in watched.result, JSON.stringify(watched.result));
  const forked = watched.result.ok;
  assert.deepEqual(Object.keys(forked).filter((k) => k !== 'objects').sort(), ['defaultBranch', 'description', 'id', 'name', 'remote', 'token']);
  assert.equal(forked.name, 'child');
  assert.equal(forked.description, 'a fork');
  assert.equal(forked.remote, `${gitBase}/git/bound/child.git`);
  assert.match(forked.token, TOKEN);
  // While fork() ran, others saw the fork absent or in progress, nothing else;
  // once it resolved, it is ready.
  for (const code of watched.seen) assert.ok(['NOT_FOUND', 'FORK_IN_PROGRESS', 'ready'].includes(code), code);
  assert.ok('ok' in watched.after, JSON.stringify(watched.after));
  assert.equal(watched.after.ok.source, 'artifacts:bound/parent');
  assert.equal(watched.listed.ok.repos.find((r) => r.name === 'child').status, 'ready');

  assert.deepEqual(await ok('log', [], { repo: 'child' }), await ok('log', [], { repo: 'parent' }));
  assert.equal((await ok('log', [], { repo: 'child' }))[0].hash, main);
  // defaultBranchOnly (default true): only main; false: every branch.
  const refs = async (remote, token) => (await gh.git(['ls-remote', '--heads', remote], { token })).stdout;
  assert.equal(await refs(forked.remote, forked.token), `${main}\trefs/heads/main\n`);
  const all = await ok('fork', ['child-all', { defaultBranchOnly: false }], { repo: 'parent' });
  assert.equal(await refs(all.remote, all.token), `${main}\trefs/heads/main\n${side}\trefs/heads/side\n`);

  // The fork is a repo of its own: a push to it leaves the parent as it was.
  const clone = gh.path('child-clone');
  await gh.git(['clone', '-q', forked.remote, clone], { token: forked.token });
  const next = await gh.commit(clone, { 'd.txt': 'd\n' }, 'in the fork');
  await gh.git(['push', '-q', forked.remote, 'main'], { cwd: clone, token: forked.token });
  assert.equal((await ok('log', [{ limit: 1 }], { repo: 'child' }))[0].hash, next);
  assert.equal((await ok('log', [{ limit: 1 }], { repo: 'parent' }))[0].hash, main);
  await gh.fsck(clone);
  assertRpcError(await call('fork', ['child'], { repo: 'parent' }), 'ALREADY_EXISTS', 10201);
});

test('import over RPC from a git http-backend remote (ARTIFACTS_ALLOW_HTTP_IMPORT/PRIVATE): the refs, the log and the info the in-process import gives', async () => {
  const src = gh.path('import-src');
  await gh.git(['init', '-q', '-b', 'trunk', src]);
  for (let i = 0; i < 3; i++) await gh.commit(src, { 'file.txt': `version ${i}\n`, [`f${i}.txt`]: `${i}\n` }, `c${i}`);
  await gh.git(['tag', '-a', 'v1', '-m', 'one', 'HEAD~1'], { cwd: src });
  await gh.git(['checkout', '-q', '-b', 'side', 'HEAD~2'], { cwd: src });
  await gh.commit(src, { 'side.txt': 'side\n' }, 'side');
  await gh.git(['checkout', '-q', 'trunk'], { cwd: src });
  await gh.git(['clone', '-q', '--bare', src, gh.path('backend', 'src.git')]);
  const url = `${backend.url}/git/default/src.git`;
  const sourceRefs = (await gh.git(['ls-remote', url])).stdout;

  const local = localArtifacts();
  const params = { source: { url }, target: { name: 'imported', opts: { description: 'from http-backend' } } };
  const { remote: r, here } = await both(local, 'import', [params]);
  assert.ok('ok' in r, JSON.stringify(r.error));
  assert.deepEqual(withoutVolatile(r.ok), withoutVolatile(here.ok));
  assert.equal(r.ok.remote, `${gitBase}/git/bound/imported.git`);
  assert.match(r.ok.token, TOKEN);
  assert.equal((await gh.git(['ls-remote', r.ok.remote], { token: r.ok.token })).stdout, sourceRefs);
  const info = await ok('info', [], { repo: 'imported' });
  assert.deepEqual(withoutVolatile(info), withoutVolatile(await (await local.get('imported')).info()));
  assert.equal(info.defaultBranch, 'trunk');
  assert.equal(info.source, `git:${url}`);
  await assertSame(local, 'log', [], { repo: 'imported' });
  const clone = gh.path('imported-clone');
  await gh.git(['clone', '-q', r.ok.remote, clone], { token: r.ok.token });
  await gh.fsck(clone);

  // One branch, shallow.
  const shallow = await assertSame(local, 'import', [{ source: { url, branch: 'side', depth: 1 }, target: { name: 'imported-side' } }]);
  assert.equal((await gh.git(['ls-remote', '--heads', shallow.ok.remote], { token: shallow.ok.token })).stdout.trim().split('\n').length, 1);
  // Errors: a missing remote repo, a taken name.
  assertRpcError(await assertSame(local, 'import', [{ source: { url: `${backend.url}/git/default/missing.git` }, target: { name: 'nothing' } }]), 'NOT_FOUND');
  assertRpcError(await assertSame(local, 'import', [params]), 'ALREADY_EXISTS', 10201);
});

test('the handle get() returns is an RPC stub: no metadata properties, pipelined calls, released by dispose and `using`', async () => {
  await ok('create', ['handled']);
  const r = await scenario('handle', { repo: 'handled' });
  assert.equal(r.typeofHandle, 'function', 'an RpcStub is callable');
  assert.equal(r.typeofInfo, 'function');
  assert.equal(r.typeofRemote, 'function', 'any property of a stub is a (remote) method: no metadata properties');
  assert.equal(r.hasDispose, true);
  assert.equal(r.info.ok.name, 'handled');
  assert.deepEqual(r.pipelined, r.info, 'await env.ARTIFACTS.get(name).info() in one round trip');
  assert.match(r.afterDispose.error.message, /disposed/);
  assert.equal(r.usingInfo.ok.name, 'handled');
  assert.match(r.afterUsing.error.message, /disposed/);

  const d = await scenario('deletedHandle', { repo: 'handled' });
  assert.equal(d.before.ok.name, 'handled');
  assert.equal(d.deleted.ok, true);
  assertRpcError(d.info, 'NOT_FOUND', 10200);
  assertRpcError(d.token, 'NOT_FOUND', 10200);
});

test('without ARTIFACTS_ALLOW_HTTP_IMPORT / ARTIFACTS_ALLOW_PRIVATE_IMPORT the binding refuses what the in-process API refuses by default', async () => {
  const strict = createArtifacts({ storage: new MemoryStorage(), namespace: 'default', baseUrl: 'http://localhost:8787' });
  const opts = { binding: 'ARTIFACTS_STRICT' };
  for (const url of [`${backend.url}/git/default/src.git`, 'https://127.0.0.1:1/x.git', 'https://169.254.169.254/x.git', 'https://[::1]/x.git']) {
    const r = await assertSame(strict, 'import', [{ source: { url }, target: { name: 'refused' } }], opts);
    assert.ok('error' in r, url);
    assertRpcError(r, r.error.code);
  }
  assert.deepEqual((await ok('list', [], opts)).repos, []);
});

test('the REST API of the same Worker sees what the binding made (one set of Durable Objects)', async () => {
  const res = await fetch(`${gitBase}/client/v4/accounts/acct/artifacts/namespaces/bound/repos?sort=name&direction=asc`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.result.map((r) => r.name), (await ok('list', [{ limit: 200 }])).repos.map((r) => r.name).sort());
  const refused = await fetch(`${gitBase}/client/v4/accounts/acct/artifacts/namespaces/bound/repos`);
  assert.ok([401, 403].includes(refused.status), `no API token: ${refused.status}`);
});

// What a Worker sees differently from Cloudflare's own binding (spec §2), each
// pinned exactly; everything else above matches the in-process API, whose
// shapes follow the spec.
test('differences from Cloudflare\'s Artifacts binding, exactly', async () => {
  const created = await ok('create', ['differs']);
  const typedInfo = ['createdAt', 'defaultBranch', 'description', 'id', 'lastPushAt', 'name', 'readOnly', 'source', 'updatedAt'];
  // 1. list() items: the typed Omit<ArtifactsRepoInfo, "remote"> fields, the documented
  //    `status`, and also `remote` (the emulator returns it too; it has `jurisdiction` besides).
  const item = (await ok('list', [{ limit: 200 }])).repos.find((r) => r.name === 'differs');
  assert.deepEqual(Object.keys(item).sort(), [...typedInfo, 'remote', 'status'].sort());
  assert.equal(item.remote, created.remote);
  // 2. fork() answers ArtifactsCreateRepoResult plus `objects` (the REST ForkRepoResult's count).
  const forked = await ok('fork', ['differs-fork'], { repo: 'differs' });
  assert.deepEqual(Object.keys(forked).sort(), ['defaultBranch', 'description', 'id', 'name', 'objects', 'remote', 'token']);
  assert.equal(typeof forked.objects, 'number');
  // 3. Errors: a plain Error (Workers RPC keeps no classes; `remote: true` is
  //    workerd's) with name, code, numericCode and message, and also our
  //    `httpStatus` and, when the core knows the field, `pointer`.
  const bad = await call('create', ['bad name']);
  assert.deepEqual(bad.error.ownKeys, ['code', 'httpStatus', 'name', 'numericCode', 'pointer', 'remote']);
  assert.deepEqual([bad.error.ctor, bad.error.pointer, bad.error.httpStatus], ['Error', '/name', 400]);
  assert.deepEqual((await call('get', ['absent'])).error.ownKeys, ['code', 'httpStatus', 'name', 'numericCode', 'remote']);
  // 4. Tokens are the documented art_v1_<40 hex>?expires=<unix s>; the live service mints art_v2_x_<40 hex>.
  assert.match(created.token, /^art_v1_[0-9a-f]{40}\?expires=\d+$/);
  // 5. Remotes are <ARTIFACTS_BASE_URL>/git/<namespace>/<repo>.git; an RPC call has no URL
  //    to take an origin from, so without the var they name http://localhost:8787.
  assert.equal(created.remote, `${gitBase}/git/bound/differs.git`);
  assert.equal((await ok('create', ['unset-base'], { binding: 'ARTIFACTS_STRICT' })).remote, 'http://localhost:8787/git/default/unset-base.git');
  // 6. Extensions the live binding lacks: handle.commit(), listTokens({ state, perPage, page }).
  assert.match((await ok('commit', [{ message: 'm', files: [{ path: 'a', content: 'a' }] }], { repo: 'differs' })).commit, HASH);
  const all = await ok('listTokens', [{ state: 'all', perPage: 1 }], { repo: 'differs' });
  assert.deepEqual([all.tokens.length, all.total], [1, 1]);
});

describe('examples/worker/src/index.ts, unmodified, with env.ARTIFACTS a service binding to ArtifactsBinding', () => {
  let offset = 0;
  exampleWorkerCases({
    start: async () => {
      offset = w.output().length;
      return { url: w.urls.example, gitBase, output: () => w.output().slice(offset), close() {} };
    },
  });
});

test('after workerd restarts on the same state directory, every repo, token and object is still there', async () => {
  const list = await ok('list', [{ limit: 200 }]);
  const log = await ok('log', [], { repo: 'content' });
  const token = await ok('createToken', ['read', 3600], { repo: 'child' });
  assert.ok(readdirSync(w.stateDir).length > 0, 'Durable Object state on disk');
  await w.restart();
  assert.deepEqual(await ok('list', [{ limit: 200 }]), list);
  assert.deepEqual(await ok('log', [], { repo: 'content' }), log);
  assert.equal(text(await ok('readFile', [{ ref: 'main', path: 'README.md' }], { repo: 'content' })), 'hello again\n');
  const clone = gh.path('after-restart');
  await gh.git(['clone', '-q', `${gitBase}/git/bound/child.git`, clone], { token: token.plaintext });
  await gh.fsck(clone);
  assert.equal((await ok('listTokens', [], { repo: 'child' })).tokens.some((t) => t.id === token.id), true);
});

test('workerd logged no uncaught errors', () => {
  assert.doesNotMatch(w.output(), /uncaught|deleted object/i, w.output());
});
