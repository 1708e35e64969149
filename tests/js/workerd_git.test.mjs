// The Worker entry `open-artifacts/worker` (js/src/worker/index.js) in real
// workerd, with its SQLite-backed Durable Objects on disk, driven by the real
// git CLI: repos made through its v4 REST API, then clone, fetch and push with
// protocol v0 and v2, shallow clones deepened, a blob:none partial clone,
// atomic pushes (all or nothing), 20 concurrent pushes to one branch, a
// restart of workerd on the same state, and a SIGKILL of the workerd process
// in the middle of a large push (after a restart every repo clones, passes
// `git fsck --strict` and takes pushes again). Auth: API token on REST, repo
// tokens on git.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneCommitPushClone, createRepoWithCommit, fastImportBuilder, fastImportRepo, gitEnv, makeGitClient, makeGitHome, mapLimit } from './git-harness.mjs';
import { startBundledWorker } from './workerd-harness.mjs';

const ENTRY = 'durable-worker.mjs'; // tests/workerd/: re-exports js/src/worker/index.js
const DURABLE_OBJECTS = [
  { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES', uniqueKey: 'open-artifacts-test-namespace' },
  { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS', uniqueKey: 'open-artifacts-test-repo' },
];
const API_TOKEN = 'workerd-git-test-api-token-0123456789';
const ACCOUNT = 'test-account';
const NAMESPACE = 'default';
const GIT_TIMEOUT_MS = 120_000;

// ------------------------------------------------------------------ set-up
// Temp dirs (git work trees, workerd state), removed once every test has ended.
const root = mkdtempSync(join(tmpdir(), 'oa-workerd-git-'));
const home = makeGitHome(root);
const workers = [];
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  rmSync(root, { recursive: true, force: true });
});
let stateDirCount = 0;
const newStateDir = () => {
  const dir = join(root, `state-${++stateDirCount}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

// Starts the entry in workerd on `stateDir` (and `port`, to keep clients'
// remote URLs across a restart); resolves once it answers HTTP.
async function startWorker({ stateDir = newStateDir(), port, vars = { ARTIFACTS_API_TOKEN: API_TOKEN } } = {}) {
  const worker = await startBundledWorker(ENTRY, { durableObjects: DURABLE_OBJECTS, stateDir, port, vars, outName: 'workerd-git' });
  workers.push(worker);
  await (await worker.fetch(`${worker.url}/`)).arrayBuffer(); // any answer: workerd is listening
  return worker;
}

// The git side (git-harness.mjs's client: run/git/commit/head/tree/fsck in an
// isolated environment, REST calls with the API token), against `worker`,
// which may be swapped (restarts); failures show workerd's output.
function client(worker) {
  const h = makeGitClient({
    root,
    home,
    namespace: NAMESPACE,
    url: () => h.worker.url,
    restUrl: () => `${h.worker.url}/client/v4/accounts/${ACCOUNT}/artifacts/namespaces/${NAMESPACE}`,
    apiToken: API_TOKEN,
    diagnostics: () => `--- workerd\n${h.worker.output().slice(-4000)}`,
    timeout: GIT_TIMEOUT_MS,
  });
  h.worker = worker;
  return h;
}

// One workerd for the tests that need no restart.
let sharedPromise;
const shared = () => (sharedPromise ??= startWorker().then(client));

// ----------------------------------------------------------------- fixture
// A bare repo made by git fast-import: main c1..c6 (a text file rewritten
// each commit, a growing 20 KB file, a binary), feature f1 on c3, tag v1 at c2.
let fixturePromise;
function fixture() {
  fixturePromise ??= (async () => {
    const h = await shared();
    const dir = h.path('fixture.git');
    const stream = fastImportBuilder();
    const commit = (ref, mark, from, files) =>
      stream.commit(ref, mark, { from, files, message: `commit ${mark}\n`, committer: `C O Mitter <c@example.test> ${1_700_000_000 + mark * 3600} +0000` });
    const bigText = (n) => Array.from({ length: 400 }, (_, i) => `line ${i} of version ${n} ${'y'.repeat(i % 30)}\n`).join('');
    for (let i = 1; i <= 6; i++) commit('refs/heads/main', i, i > 1 ? i - 1 : null, { 'a.txt': `a${i}\n`, 'big.txt': bigText(i), [`bin/${i}.bin`]: randomBytes(2000) });
    commit('refs/heads/feature', 11, 3, { 'feature.txt': 'f1\n' });
    stream.put('reset refs/tags/v1\nfrom :2\n\n');
    await fastImportRepo(h, dir, stream.bytes());
    const main = (await h.git(['rev-list', '--reverse', 'main'], { cwd: dir })).stdout.trim().split('\n');
    return { dir, main };
  })();
  return fixturePromise;
}

// A served repo holding the fixture's refs, pushed with the git CLI.
async function seededRepo(h, name, protocol = 2) {
  const fx = await fixture();
  const { token } = await h.createRepo(name);
  await h.git(['push', '-q', h.remote(name), 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: fx.dir, token, protocol });
  return { token, fx };
}

const revCount = async (h, dir, ref = 'HEAD') => Number((await h.git(['rev-list', '--count', ref], { cwd: dir })).stdout.trim());
const sortedEntries = (map) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

// --------------------------------------------------------------------- auth
test('auth: REST without a token is 401, with a wrong one 403; git without credentials 401, with a wrong or other repo\'s token 403', async () => {
  const h = await shared();
  const none = await h.api('POST', '/repos', { name: 'auth-none' }, { token: null });
  assert.equal(none.status, 401, JSON.stringify(none.body));
  const wrong = await h.api('POST', '/repos', { name: 'auth-wrong' }, { token: 'not-the-api-token' });
  assert.equal(wrong.status, 403, JSON.stringify(wrong.body));
  const listWrong = await h.api('GET', '/repos', undefined, { token: 'not-the-api-token' });
  assert.equal(listWrong.status, 403, JSON.stringify(listWrong.body));

  const created = await h.createRepo('auth-repo');
  assert.equal(created.name, 'auth-repo');
  assert.equal(created.remote, h.remote('auth-repo'), 'remotes default to the request\'s origin');
  assert.match(created.token, /\S{16,}/);
  const other = await h.createRepo('auth-other');
  const list = await h.api('GET', '/repos');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.ok(list.body.result.some((r) => r.name === 'auth-repo'), JSON.stringify(list.body));
  // A repo token does not open REST.
  const repoTokenOnRest = await h.api('GET', '/repos', undefined, { token: created.token });
  assert.equal(repoTokenOnRest.status, 403, JSON.stringify(repoTokenOnRest.body));

  const infoRefs = `${h.remote('auth-repo')}/info/refs?service=git-upload-pack`;
  const anonymous = await fetch(infoRefs);
  await anonymous.arrayBuffer();
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /i);
  for (const token of ['art_v1_not-a-real-token', other.token, API_TOKEN]) {
    const res = await fetch(infoRefs, { headers: { Authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    assert.equal(res.status, 403, `token ${token.slice(0, 12)}...`);
  }
  const ok = await fetch(infoRefs, { headers: { Authorization: `Bearer ${created.token}` } });
  await ok.arrayBuffer();
  assert.equal(ok.status, 200);

  const cloneNone = await h.run(['clone', h.remote('auth-repo'), h.path('auth-none')]);
  assert.notEqual(cloneNone.code, 0);
  assert.match(cloneNone.stderr, /Authentication failed|could not read Username|401/, cloneNone.stderr);
  const cloneWrong = await h.run(['clone', h.remote('auth-repo'), h.path('auth-wrong')], { token: other.token });
  assert.notEqual(cloneWrong.code, 0);
  assert.match(cloneWrong.stderr, /403/, cloneWrong.stderr);
  const cloneOk = await h.git(['clone', h.remote('auth-repo', { token: created.token }), h.path('auth-ok')]);
  assert.match(cloneOk.stderr, /empty repository/, cloneOk.stderr);
});

test('REST without ARTIFACTS_API_TOKEN is refused unless ARTIFACTS_ALLOW_ANONYMOUS_API is "true"; ARTIFACTS_BASE_URL names the remotes', async () => {
  const closed = client(await startWorker({ vars: {} }));
  const refused = await closed.api('POST', '/repos', { name: 'anon' }, { token: null });
  assert.ok(refused.status === 401 || refused.status === 403, `${refused.status} ${JSON.stringify(refused.body)}`);
  const refusedAny = await closed.api('POST', '/repos', { name: 'anon' }, { token: 'anything' });
  assert.ok(refusedAny.status === 401 || refusedAny.status === 403, `${refusedAny.status} ${JSON.stringify(refusedAny.body)}`);
  await closed.worker.stop();

  const open = client(await startWorker({ vars: { ARTIFACTS_ALLOW_ANONYMOUS_API: 'true', ARTIFACTS_BASE_URL: 'https://git.example.test' } }));
  const made = await open.api('POST', '/repos', { name: 'anon' }, { token: null });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.result.remote, `https://git.example.test/git/${NAMESPACE}/anon.git`);
  // Git still needs the repo token.
  const res = await fetch(`${open.remote('anon')}/info/refs?service=git-upload-pack`);
  await res.arrayBuffer();
  assert.equal(res.status, 401);
  await open.git(['clone', '-q', open.remote('anon', { token: made.body.result.token }), open.path('anon')]);
  await open.worker.stop();
});

// ------------------------------------------------------- clone, push, fetch
for (const protocol of [0, 2]) {
  test(`protocol v${protocol}: clone an empty repo, push (1.5 MiB of random data), clone, push again, fetch; fsck --strict`, async () => {
    const h = await shared();
    // v0 sends the token as the URL's password, v2 as an Authorization header.
    const { a, b, token, second } = await cloneCommitPushClone(h, { name: `basic-v${protocol}`, protocol, auth: protocol === 0 ? 'url' : 'header' });
    // An explicit fetch into a third, older clone.
    const c = h.path(`basic-v${protocol}-c`);
    await h.git(['clone', '-q', h.remote(`basic-v${protocol}`), c], { token, protocol });
    const third = await h.commit(a, { 'third.txt': 'three\n' }, 'third commit');
    await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: a, protocol, ...(protocol === 0 ? {} : { token }) });
    await h.git(['fetch', '-q', 'origin'], { cwd: c, token, protocol });
    assert.equal(await h.head(c, 'origin/main'), third);
    assert.equal(await h.head(c, 'origin/main~1'), second);
    await h.fsck(c);
    await h.fsck(b);
  });
}

// A repo `name` seeded with the fixture, cloned with `git clone -q ...flags`
// over protocol v0 and v2; each clone (checked out at the fixture's main) goes
// to check({ h, dir, token, fx, protocol }).
async function eachSeededClone(name, flags, check) {
  const h = await shared();
  const { token, fx } = await seededRepo(h, name);
  for (const protocol of [0, 2]) {
    const dir = h.path(`${name}-v${protocol}`);
    await h.git(['clone', '-q', ...flags, h.remote(name), dir], { token, protocol });
    assert.equal(await h.head(dir), fx.main.at(-1));
    await check({ h, dir, token, fx, protocol });
  }
}

test('shallow clones (--depth 1) deepen with --deepen and --unshallow, protocol v0 and v2', async () => {
  await eachSeededClone('shallow', ['--depth', '1', '--no-single-branch'], async ({ h, dir, token, fx, protocol }) => {
    assert.equal(await revCount(h, dir), 1, 'one commit');
    assert.ok(readFileSync(join(dir, '.git', 'shallow'), 'utf8').includes(fx.main.at(-1)));
    await h.git(['fetch', '-q', '--deepen', '2'], { cwd: dir, token, protocol });
    assert.equal(await revCount(h, dir), 3, 'deepened by two');
    await h.git(['fetch', '-q', '--unshallow'], { cwd: dir, token, protocol });
    assert.equal(await revCount(h, dir), fx.main.length, 'the whole history');
    assert.equal(await h.head(dir, 'origin/feature'), await h.head(fx.dir, 'feature'));
    await h.fsck(dir);
  });
});

test('partial clone --filter=blob:none: only HEAD\'s blobs arrive; older ones are fetched on demand; fsck --strict', async () => {
  await eachSeededClone('partial', ['--filter=blob:none'], async ({ h, dir, token, fx, protocol }) => {
    const objects = (await h.git(['rev-list', '--objects', '--all', '--missing=print'], { cwd: dir })).stdout.split('\n');
    const missing = objects.filter((l) => l.startsWith('?'));
    assert.ok(missing.length >= 10, `older blobs are missing (${missing.length})`);
    const headBlobs = (await h.git(['ls-tree', '-r', 'HEAD'], { cwd: dir })).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[2]);
    for (const id of headBlobs) assert.ok(!missing.includes(`?${id}`), `HEAD's blob ${id} is present`);
    // An old version, fetched lazily (the token as a header needs the config on every call).
    await h.git(['checkout', '-q', fx.main[1]], { cwd: dir, token, protocol });
    assert.equal(h.readFile(dir, 'a.txt').toString(), 'a2\n');
    await h.fsck(dir);
  });
});

// ------------------------------------------------------------------ atomic
test('push --atomic of several refs lands all of them; an atomic push with one refused ref changes nothing', async () => {
  const h = await shared();
  for (const protocol of [0, 2]) {
    const name = `atomic-v${protocol}`;
    const { token } = await seededRepo(h, name, protocol);
    const a = h.path(name);
    await h.git(['clone', '-q', h.remote(name), a], { token, protocol });
    const next = await h.commit(a, { 'atomic.txt': 'one\n' }, 'atomic one');
    await h.git(['tag', '-a', '-m', 'atomic tag', 't-atomic'], { cwd: a });
    const tag = await h.head(a, 't-atomic');
    await h.git(['push', '-q', '--atomic', 'origin', 'HEAD:refs/heads/main', 'HEAD:refs/heads/atomic-branch', 'refs/tags/t-atomic'], { cwd: a, token, protocol });
    const landed = await h.lsRemote(name, token, protocol);
    assert.equal(landed.get('refs/heads/main'), next);
    assert.equal(landed.get('refs/heads/atomic-branch'), next);
    assert.equal(landed.get('refs/tags/t-atomic'), tag);
    assert.equal(landed.get('refs/tags/t-atomic^{}'), next);

    const before = await h.lsRemote(name, token, protocol);
    await h.commit(a, { 'atomic.txt': 'two\n' }, 'atomic two');
    const tree = await h.head(a, 'HEAD^{tree}');
    // The server refuses a branch at a tree (the client does not check it): all or nothing.
    const r = await h.run(['push', '--atomic', '--porcelain', 'origin', 'HEAD:refs/heads/main', 'HEAD:refs/heads/atomic-new', `${tree}:refs/heads/bad`], { cwd: a, token, protocol });
    assert.notEqual(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^!\t[0-9a-f]{40}:refs\/heads\/bad\t\[remote rejected\]/m, r.stdout);
    assert.match(r.stdout, /^!\tHEAD:refs\/heads\/main\t\[remote rejected\] \(atomic/m, r.stdout);
    assert.deepEqual(sortedEntries(await h.lsRemote(name, token, protocol)), sortedEntries(before), 'no ref changed');
    const check = h.path(`${name}-check`);
    await h.git(['clone', '-q', h.remote(name), check], { token, protocol });
    await h.fsck(check);
    assert.equal(await h.head(check), next);
  }
});

// -------------------------------------------------------------- concurrency
test('20 clones of one commit push to main at once: exactly one wins, the rest are rejected as stale; then all push their own branches at once', async (t) => {
  const h = await shared();
  const name = 'crowd';
  const { token, head: base } = await createRepoWithCommit(h, name, { 'base.txt': 'base\n' }, 'base');

  const N = 20;
  const clones = Array.from({ length: N }, (_, i) => ({ i, dir: h.path(`crowd-${i}`) }));
  await h.git(['clone', '-q', h.remote(name), clones[0].dir], { token, protocol: 2 });
  for (const c of clones.slice(1)) cpSync(clones[0].dir, c.dir, { recursive: true });
  await mapLimit(clones, 4, async (c) => {
    c.head = await h.commit(c.dir, { [`clone-${c.i}.txt`]: `from clone ${c.i}\n` }, `clone ${c.i}`);
  });

  const started = Date.now();
  const results = await Promise.all(clones.map((c) => h.run(['push', '--porcelain', 'origin', 'HEAD:refs/heads/main'], { token, cwd: c.dir })));
  t.diagnostic(`${N} concurrent pushes in ${Date.now() - started} ms`);
  const winners = clones.filter((_, k) => results[k].code === 0);
  // Every push updates main from `base`: a compare-and-swap lets exactly one through.
  assert.equal(winners.length, 1, `exactly one push wins (${winners.map((w) => w.i)}):\n${results.map((r) => r.stdout + r.stderr).join('\n')}`);
  results.forEach((r, k) => {
    if (r.code === 0) return;
    assert.equal(r.code, 1, `clone ${k}: a clean rejection, not a crash: ${r.stderr}\n${h.worker.output().slice(-2000)}`);
    assert.match(`${r.stdout}${r.stderr}`, /\[rejected\] \(fetch first\)|\[remote rejected\] \(stale|non-fast-forward|stale/, `clone ${k}: ${r.stdout}${r.stderr}`);
  });
  const [winner] = winners;
  let refs = await h.lsRemote(name, token);
  assert.equal(refs.get('refs/heads/main'), winner.head, 'main is the winner\'s commit');

  // The losers push their commits to branches of their own, all at once: every one lands.
  const losers = clones.filter((c) => c !== winner);
  const own = await Promise.all(losers.map((c) => h.run(['push', '--porcelain', 'origin', `HEAD:refs/heads/clone-${c.i}`], { token, cwd: c.dir })));
  own.forEach((r, k) => assert.equal(r.code, 0, `clone ${losers[k].i}: ${r.stdout}${r.stderr}`));
  refs = await h.lsRemote(name, token);
  assert.equal(refs.get('refs/heads/main'), winner.head, 'main unchanged');
  for (const c of losers) assert.equal(refs.get(`refs/heads/clone-${c.i}`), c.head);

  const check = h.path('crowd-check');
  await h.git(['clone', '-q', h.remote(name), check], { token, protocol: 2 });
  await h.fsck(check);
  const log = (await h.git(['log', '--format=%H', 'origin/main'], { cwd: check })).stdout.trim().split('\n');
  assert.deepEqual(log, [winner.head, base], 'main: the base and the winner, nothing else');
  for (const c of losers) {
    assert.equal(await h.head(check, `origin/clone-${c.i}`), c.head);
    assert.equal(await h.head(check, `origin/clone-${c.i}~1`), base);
    const reach = await h.run(['merge-base', '--is-ancestor', c.head, 'origin/main'], { cwd: check });
    assert.equal(reach.code, 1, `clone ${c.i}'s commit is not in main`);
  }
});

// -------------------------------------------------------------- persistence
test('pushes survive a restart of workerd on the same state directory', async () => {
  const stateDir = newStateDir();
  const first = await startWorker({ stateDir });
  const h = client(first);
  const { token } = await h.createRepo('persist');
  const dir = h.path('persist');
  await h.git(['clone', '-q', h.remote('persist'), dir], { token });
  await h.commit(dir, { 'README.md': '# persist\n', 'data.bin': randomBytes(300_000) }, 'one');
  const two = await h.commit(dir, { 'README.md': '# persist, two\n' }, 'two');
  await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main', 'HEAD:refs/heads/other'], { token, cwd: dir });
  const before = await h.lsRemote('persist', token);
  await first.stop();

  h.worker = await startWorker({ stateDir, port: first.port });
  assert.deepEqual(sortedEntries(await h.lsRemote('persist', token)), sortedEntries(before), 'the same refs');
  for (const protocol of [0, 2]) {
    const again = h.path(`persist-again-v${protocol}`);
    await h.git(['clone', '-q', h.remote('persist'), again], { token, protocol });
    assert.equal(await h.head(again), two);
    assert.equal(await h.tree(again), await h.tree(dir));
    await h.fsck(again);
  }
  const info = await h.api('GET', '/repos/persist');
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.equal(info.body.result.name, 'persist');
  // The token minted before the restart still pushes.
  await h.commit(dir, { 'README.md': '# persist, three\n' }, 'three');
  await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
  assert.equal((await h.lsRemote('persist', token)).get('refs/heads/main'), await h.head(dir));
});

// ------------------------------------------------------------------ SIGKILL
// `git push --progress` as a child process: resolves { code, stderr } like
// h.run, and calls onWritten({ objects, total, bytes }) as git reports what it
// has written of the pack: "Writing objects: 71% (5/7)" at every object, and
// ", 6.00 MiB | 11.77 MiB/s" once it has been writing for about a second.
function pushWithProgress(h, cwd, token, args, onWritten) {
  const child = spawn('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '--progress', ...args], { cwd, env: gitEnv(h.home), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const m of stderr.slice(-400).matchAll(/Writing objects:\s+\d+% \((\d+)\/(\d+)\)(?:, ([\d.]+) (KiB|MiB|GiB) \|)?/g)) {
      onWritten({ objects: Number(m[1]), total: Number(m[2]), bytes: m[3] ? Number(m[3]) * { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[4]] : 0 });
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? signal, stderr })));
}

test('SIGKILL of workerd in the middle of large pushes: after a restart every repo clones and passes fsck --strict, and takes a fresh push', async (t) => {
  const stateDir = newStateDir();
  const first = await startWorker({ stateDir });
  const h = client(first);
  const repos = [];
  for (const [name, bytes] of [['killed-big', 32 * 1024 * 1024], ['killed-small', 2 * 1024 * 1024]]) {
    const { token } = await h.createRepo(name);
    const dir = h.path(name);
    await h.git(['clone', '-q', h.remote(name), dir], { token });
    const acked = await h.commit(dir, { 'README.md': `# ${name}\n` }, 'first');
    await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
    // Incompressible data in four files: the pack is as large as the files, and git reports its progress per file.
    const files = {};
    for (let i = 0; i < 4; i++) files[`data/${i}.bin`] = randomBytes(bytes / 4);
    const pending = await h.commit(dir, files, 'large');
    repos.push({ name, token, dir, acked, pending });
  }
  // A third repo nobody pushes to while workerd dies.
  const idle = await seededRepo(h, 'killed-idle');

  // Both pushes at once; SIGKILL to the workerd process (not a wrapper) once git
  // has written 4 MiB of the 32 MiB pack, or two of its four 8 MiB blobs (the
  // commit and two trees come first: 5 of 7 objects), whichever it reports
  // first: mid-stream. After 30 s at the latest.
  let written = { objects: 0, total: 0, bytes: 0 };
  let reached;
  const midStream = new Promise((resolve) => (reached = resolve));
  const pushes = repos.map((r, k) =>
    pushWithProgress(h, r.dir, r.token, ['origin', 'HEAD:refs/heads/main'], (progress) => {
      if (k !== 0) return;
      written = progress;
      if (progress.bytes >= 4 * 1024 * 1024 || progress.objects >= progress.total - 2) reached();
    }),
  );
  const t0 = Date.now();
  await Promise.race([midStream, pushes[0], new Promise((r) => setTimeout(r, 30_000))]);
  const atKill = written;
  await first.kill('SIGKILL');
  t.diagnostic(`SIGKILL ${Date.now() - t0} ms into the pushes; git had written ${atKill.objects}/${atKill.total} objects, ${(atKill.bytes / 1048576).toFixed(1)} MiB reported, of the large one`);
  const results = await Promise.all(pushes);
  assert.notEqual(results[0].code, 0, `the large push was cut off: ${results[0].stderr}`);
  assert.ok(atKill.bytes >= 4 * 1024 * 1024 || atKill.objects >= atKill.total - 2, `the kill came mid-stream (${JSON.stringify(atKill)})`);

  h.worker = await startWorker({ stateDir, port: first.port });
  for (const [k, r] of repos.entries()) {
    const main = (await h.lsRemote(r.name, r.token)).get('refs/heads/main');
    // An unacknowledged push may have landed (its commit came before the kill) or not: nothing in between.
    if (results[k].code === 0) assert.equal(main, r.pending, `${r.name}: the acknowledged push survived`);
    else assert.ok(main === r.acked || main === r.pending, `${r.name}: main is ${main}, neither the old (${r.acked}) nor the pushed (${r.pending}) commit`);
    const dir = h.path(`${r.name}-after`);
    await h.git(['clone', '-q', h.remote(r.name), dir], { token: r.token, protocol: 2 });
    await h.fsck(dir);
    assert.equal(await h.head(dir), main);
    // A fresh push on top of the large commit lands (a fast-forward from either state).
    const fresh = await h.commit(r.dir, { 'after.txt': 'after the kill\n' }, 'after');
    await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token: r.token, cwd: r.dir });
    const final = h.path(`${r.name}-final`);
    await h.git(['clone', '-q', h.remote(r.name), final], { token: r.token, protocol: 0 });
    await h.fsck(final);
    assert.equal(await h.head(final), fresh);
    for (let i = 0; i < 4; i++) assert.ok(h.readFile(final, `data/${i}.bin`).equals(h.readFile(r.dir, `data/${i}.bin`)), `${r.name}: the large files arrived intact`);
  }
  const idleDir = h.path('killed-idle-after');
  await h.git(['clone', '-q', '--mirror', h.remote('killed-idle'), idleDir], { token: idle.token });
  await h.fsck(idleDir);
  assert.equal(await h.head(idleDir, 'main'), idle.fx.main.at(-1));
  const list = await h.api('GET', '/repos');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.result.map((r) => r.name).sort(), ['killed-big', 'killed-idle', 'killed-small']);
});
