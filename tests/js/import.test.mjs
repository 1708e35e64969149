// import() (spec §7.1) end to end: sources served by `git http-backend` (CGI on
// loopback) and by our own server; results compared ref by ref with the
// source, cloned by git and checked with fsck; every error path, each leaving
// no repo behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { MemoryStorage, ArtifactsError, createArtifacts } from 'open-artifacts';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { startHttpBackendServer } from '../../bench/http-backend-server.mjs';

const h = sharedHarness();
let hh;
let backend; // git http-backend over hh.path('backend')
let s; // our server (MemoryStorage) that imports land in
let storage;
let src; // the source work tree
let plain; // a non-git HTTP server

const sourceUrl = (name) => `${backend.url}/git/default/${name}.git`;

// ls-remote output as sorted "ref id" lines, HEAD excluded (compared separately).
async function refsOf(remote, token) {
  const out = (await hh.git(['ls-remote', remote], token ? { token } : {})).stdout;
  return out
    .split('\n')
    .filter((l) => l && !l.endsWith('\tHEAD'))
    .map((l) => l.split('\t').reverse().join(' '))
    .sort();
}

const rejectsWith = (promise, code) =>
  assert.rejects(promise, (e) => {
    assert.ok(e instanceof ArtifactsError, `expected ArtifactsError, got ${e?.stack ?? e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });

// A failed import leaves no repo: the registry and every repo store hold what
// they held before (the registry's sequence counter aside).
function storageWithoutCounters() {
  return storage
    .snapshot()
    .filter(([key]) => !key.endsWith('/m/seq'))
    .map(([key, value]) => `${key}=${Buffer.from(value).toString('base64')}`);
}
const assertUnchanged = (before, label) => {
  const after = storageWithoutCounters();
  assert.deepEqual(after.filter((x) => !before.includes(x)), [], `${label}: rows added or changed`);
  assert.deepEqual(before.filter((x) => !after.includes(x)), [], `${label}: rows removed or changed`);
};

before(async () => {
  hh = await h();
  backend = await startHttpBackendServer({ root: hh.path('backend') });
  storage = new MemoryStorage();
  s = await startInProcessServer({ storage });
  s.importer = createArtifacts({ storage, namespace: 'default', baseUrl: s.base, allowHttpImport: true, allowPrivateImport: true });

  src = hh.path('src');
  await hh.git(['init', '-q', '-b', 'trunk', src]);
  for (let i = 0; i < 6; i++) await hh.commit(src, { 'file.txt': `version ${i}\n`.repeat(200), [`f${i}.txt`]: `${i}\n` }, `c${i}`);
  await hh.git(['tag', '-a', 'v1', '-m', 'release one', 'HEAD~2'], { cwd: src });
  await hh.git(['tag', 'light', 'HEAD~4'], { cwd: src });
  await hh.git(['checkout', '-q', '-b', 'side', 'HEAD~3'], { cwd: src });
  await hh.commit(src, { 'side.txt': 'side\n' }, 'side work');
  await hh.git(['tag', '-a', 'side-tag', '-m', 'on side'], { cwd: src });
  await hh.git(['checkout', '-q', 'trunk'], { cwd: src });
  await hh.git(['clone', '-q', '--bare', src, hh.path('backend', 'src.git')]);
  await hh.git(['update-ref', 'refs/pull/1/head', 'side'], { cwd: hh.path('backend', 'src.git') });
  await hh.git(['init', '-q', '--bare', '-b', 'dev', hh.path('backend', 'empty.git')]);

  plain = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<html>not git</html>');
  });
  await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await backend?.close();
  await s?.close();
  plain?.close();
});

test('imports every branch and tag from git http-backend; git clones it and fsck passes', async () => {
  const progress = [];
  const result = await s.importer.import(
    { source: { url: sourceUrl('src') }, target: { name: 'imported', opts: { description: 'from backend' } } },
    { onProgress: (p) => progress.push(p) },
  );
  assert.deepEqual(Object.keys(result).sort(), ['defaultBranch', 'description', 'id', 'name', 'remote', 'token']);
  assert.equal(result.defaultBranch, 'trunk', "the remote's HEAD");
  assert.equal(result.description, 'from backend');
  const expected = (await refsOf(sourceUrl('src'))).filter((r) => !r.startsWith('refs/pull/'));
  assert.deepEqual(await refsOf(result.remote, result.token), expected);

  const info = await (await s.importer.get('imported')).info();
  assert.equal(info.source, `git:${sourceUrl('src')}`);
  assert.equal((await s.importer.list()).repos.find((r) => r.name === 'imported').status, 'ready');

  const dir = hh.path('imported-clone');
  await hh.git(['clone', '-q', result.remote, dir], { token: result.token });
  await hh.fsck(dir);
  assert.equal(await hh.head(dir), await hh.head(src, 'trunk'));
  assert.ok(progress.length >= 2, 'progress reported');
  assert.equal(progress.at(-1).phase, 'done');
  assert.ok(progress.at(-1).objectsReceived > 0 && progress.at(-1).bytesReceived > 0);
  assert.equal(progress.at(-1).objectsTotal, progress.at(-1).objectsReceived, 'every announced object arrived');
});

test('branch imports that branch (and its tags); depth makes a shallow repo git can clone', async () => {
  const branch = await s.importer.import({ source: { url: sourceUrl('src'), branch: 'side' }, target: { name: 'side-only' } });
  assert.equal(branch.defaultBranch, 'side');
  const refs = await refsOf(branch.remote, branch.token);
  assert.ok(refs.some((r) => r.startsWith('refs/heads/side ')));
  assert.ok(!refs.some((r) => r.startsWith('refs/heads/trunk ')));
  assert.ok(refs.some((r) => r.startsWith('refs/tags/side-tag ')), 'tags on the branch follow');

  const shallow = await s.importer.import({ source: { url: sourceUrl('src'), branch: 'trunk', depth: 2 }, target: { name: 'shallow' } });
  const dir = hh.path('shallow-clone');
  await hh.git(['clone', '-q', shallow.remote, dir], { token: shallow.token });
  await hh.fsck(dir);
  const count = (await hh.git(['rev-list', '--count', 'HEAD'], { cwd: dir })).stdout.trim();
  assert.equal(count, '2');
  assert.equal(await hh.head(dir), await hh.head(src, 'trunk'));
  // A push on top of the shallow import lands.
  await hh.commit(dir, { 'new.txt': 'on top of a shallow import\n' }, 'on top');
  await hh.git(['push', '-q', 'origin', 'HEAD:trunk'], { cwd: dir, token: shallow.token });
});

test('imports from our own server, with the token in the URL', async () => {
  const origin = await s.importer.create('origin-repo');
  const work = hh.path('origin-work');
  await hh.git(['clone', '-q', origin.remote, work], { token: origin.token });
  await hh.commit(work, { 'a.txt': 'a\n' }, 'a');
  await hh.git(['push', '-q', 'origin', 'main'], { cwd: work, token: origin.token });
  // Credentials in the URL are refused (never stored); a public remote is the supported case.
  const withCreds = origin.remote.replace('://', `://x:${origin.token.split('?')[0]}@`);
  await rejectsWith(s.importer.import({ source: { url: withCreds }, target: { name: 'copy' } }), 'INVALID_INPUT');
  // Without credentials our server answers 401: REMOTE_AUTH_REQUIRED.
  const before = storageWithoutCounters();
  await rejectsWith(s.importer.import({ source: { url: origin.remote }, target: { name: 'copy' } }), 'REMOTE_AUTH_REQUIRED');
  assertUnchanged(before, 'REMOTE_AUTH_REQUIRED');
  // Through a fetch that adds the token (the host's choice), it imports.
  const authed = createArtifacts({
    storage,
    namespace: 'default',
    baseUrl: s.base,
    allowHttpImport: true,
    allowPrivateImport: true,
    fetch: (request) => {
      const r = new Request(request);
      r.headers.set('Authorization', `Bearer ${origin.token}`);
      return fetch(r);
    },
  });
  const copy = await authed.import({ source: { url: origin.remote }, target: { name: 'copy' } });
  assert.deepEqual(await refsOf(copy.remote, copy.token), await refsOf(origin.remote, origin.token));
});

test('an empty remote imports as an empty repo on its unborn branch', async () => {
  const empty = await s.importer.import({ source: { url: sourceUrl('empty') }, target: { name: 'empty-import' } });
  assert.equal(empty.defaultBranch, 'dev');
  assert.deepEqual(await refsOf(empty.remote, empty.token), []);
});

test('while an import runs the target answers IMPORT_IN_PROGRESS', async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const slow = createArtifacts({
    storage,
    namespace: 'default',
    baseUrl: s.base,
    allowHttpImport: true,
    allowPrivateImport: true,
    fetch: async (request) => {
      await gate;
      return fetch(request);
    },
  });
  const importing = slow.import({ source: { url: sourceUrl('src') }, target: { name: 'in-flight' } });
  await new Promise((resolve) => setImmediate(resolve));
  await rejectsWith(s.importer.get('in-flight'), 'IMPORT_IN_PROGRESS');
  assert.equal((await s.importer.list()).repos.find((r) => r.name === 'in-flight').status, 'importing');
  release();
  await importing;
  assert.equal((await s.importer.list()).repos.find((r) => r.name === 'in-flight').status, 'ready');
});

test('every error maps as spec §7.1 and leaves no repo behind', async () => {
  const closedPort = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const cases = [
    [{ source: { url: sourceUrl('src') }, target: { name: 'x' } }, 'INVALID_INPUT', s.artifacts], // http without the opt-in
    [{ source: { url: 'not a url' }, target: { name: 'x' } }, 'INVALID_INPUT'],
    [{ source: { url: 'ftp://example.com/r.git' }, target: { name: 'x' } }, 'INVALID_INPUT'],
    [{ source: {}, target: { name: 'x' } }, 'INVALID_INPUT'],
    [{ source: { url: sourceUrl('src'), depth: 0 }, target: { name: 'x' } }, 'INVALID_INPUT'],
    [{ source: { url: sourceUrl('src'), depth: 1.5 }, target: { name: 'x' } }, 'INVALID_INPUT'],
    [{ source: { url: sourceUrl('src'), branch: 'a..b' }, target: { name: 'x' } }, 'INVALID_INPUT'],
    [{ source: { url: sourceUrl('src') }, target: { name: '-bad' } }, 'INVALID_REPO_NAME'],
    [{ source: { url: sourceUrl('src') }, target: { name: 'imported' } }, 'ALREADY_EXISTS'],
    [{ source: { url: sourceUrl('missing') }, target: { name: 'x' } }, 'NOT_FOUND'],
    [{ source: { url: sourceUrl('src'), branch: 'nope' }, target: { name: 'x' } }, 'NOT_FOUND'],
    [{ source: { url: `http://127.0.0.1:${plain.address().port}/repo.git` }, target: { name: 'x' } }, 'INVALID_URL'],
    [{ source: { url: `http://127.0.0.1:${closedPort}/repo.git` }, target: { name: 'x' } }, 'UPSTREAM_UNAVAILABLE'],
  ];
  for (const [params, code, via = s.importer] of cases) {
    const before = storageWithoutCounters();
    await rejectsWith(via.import(params), code);
    assertUnchanged(before, JSON.stringify(params));
  }
  await rejectsWith(s.importer.get('x'), 'NOT_FOUND');
});

test('a connection lost mid-pack is UPSTREAM_UNAVAILABLE and leaves nothing', async () => {
  const cut = createArtifacts({
    storage,
    namespace: 'default',
    baseUrl: s.base,
    allowHttpImport: true,
    allowPrivateImport: true,
    fetch: async (request) => {
      const response = await fetch(request);
      if (request.method !== 'POST' || !response.body) return response;
      const reader = response.body.getReader();
      let sent = 0;
      const body = new ReadableStream({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done || sent > 2000) return controller.error(new Error('connection reset'));
          sent += value.length;
          controller.enqueue(value);
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    },
  });
  const before = storageWithoutCounters();
  await rejectsWith(cut.import({ source: { url: sourceUrl('src') }, target: { name: 'cut' } }), 'UPSTREAM_UNAVAILABLE');
  assertUnchanged(before, 'connection lost');
});

test('the CLI imports into a data directory with a progress bar, and reports errors', async () => {
  const { execFile } = await import('node:child_process');
  const cli = new URL('../../js/bin/open-artifacts.js', import.meta.url).pathname;
  const data = hh.path('cli-data');
  const runCli = (args) =>
    new Promise((resolve) => {
      execFile(process.execPath, [cli, ...args], (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
    });
  const ok = await runCli(['import', sourceUrl('src'), 'cli-copy', '--data', data, '--allow-http-import', '--allow-private-import', '--branch', 'trunk']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /Receiving objects: 100% \[#+\] \(\d+\/\d+\), [\d.]+ MiB, done\./);
  const result = JSON.parse(ok.stdout);
  assert.equal(result.name, 'cli-copy');
  assert.equal(result.defaultBranch, 'trunk');
  // The repo is in the data directory: a server started on it serves it.
  const { startServer } = await import('../../js/src/server.js');
  const server = await startServer({ port: 0, dataDir: data });
  try {
    const remote = `${server.url}/git/default/cli-copy.git`;
    const refs = await refsOf(remote, result.token);
    assert.equal(refs.find((r) => r.startsWith('refs/heads/trunk ')).split(' ')[1], await hh.head(src, 'trunk'));
  } finally {
    await server.close();
  }
  const refused = await runCli(['import', sourceUrl('src'), 'cli-http', '--data', data]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /INVALID_INPUT: Must be an HTTPS URL/);
});
