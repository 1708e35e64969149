// Repo events (spec §9.1) end to end: the git CLI pushes, clones and fetches
// against a server in this process whose onEvent collects what it delivers,
// and every payload field is checked exactly, with git as the oracle for ids,
// messages, identities, times and first-parent history. Then the events of
// the JS API (create, delete, fork, import, tokens, commit), and delivery:
// asynchronous, immune to a failing listener, drained without one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage, createArtifacts, loadCore as loadRealCore } from 'open-artifacts';
import { createArtifactsWith } from '../../js/src/artifacts.js';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { startHttpBackendServer } from '../../bench/http-backend-server.mjs';

const ZERO = '0'.repeat(40);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ACCOUNT = 'acct-events-test';

const h = sharedHarness();
let hh;
let s; // our server, MemoryStorage, onEvent collecting into `delivered`
let storage;
let delivered = [];

before(async () => {
  hh = await h();
  storage = new MemoryStorage();
  s = await startInProcessServer({ storage, accountId: ACCOUNT, onEvent: (event) => delivered.push(event) });
});

after(async () => {
  await s?.close();
});

// Every event delivered since the last call. Delivery runs in a timer after the operation.
async function take() {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const out = delivered;
  delivered = [];
  return out;
}

const remote = (name) => `${s.base}/git/default/${name}.git`;
const rev = async (dir, what) => (await hh.git(['rev-parse', what], { cwd: dir })).stdout.trim();

let subscriptionId;
// The envelope around every event: source and metadata.
function checkEnvelope(event, { type, sourceType, repoName }) {
  assert.equal(event.type, `cf.artifacts.repo.${type}`);
  assert.deepEqual(event.source, { type: sourceType, namespace: 'default', repoName });
  assert.deepEqual(Object.keys(event).sort(), ['metadata', 'payload', 'source', 'type']);
  const { metadata } = event;
  assert.equal(metadata.accountId, ACCOUNT);
  assert.equal(metadata.eventSchemaVersion, 1);
  assert.match(metadata.eventTimestamp, ISO);
  assert.match(metadata.eventSubscriptionId, /^[0-9a-f]{32}$/);
  subscriptionId ??= metadata.eventSubscriptionId;
  assert.equal(metadata.eventSubscriptionId, subscriptionId, 'one subscription id per createArtifacts()');
}

// A commit as a pushed event lists it, read from git: the raw object's message
// (one trailing newline removed), identities, committer time and parents.
async function gitCommit(dir, id) {
  const raw = (await hh.git(['cat-file', 'commit', id], { cwd: dir })).stdout;
  const message = raw.slice(raw.indexOf('\n\n') + 2).replace(/\n$/, '');
  const format = (await hh.git(['log', '-1', '--format=%an%x00%ae%x00%cn%x00%ce%x00%ct%x00%P', id], { cwd: dir })).stdout;
  const [an, ae, cn, ce, ct, parents] = format.replace(/\n$/, '').split('\0');
  return {
    id,
    message,
    messageTruncated: false,
    timestamp: new Date(Number(ct) * 1000).toISOString(),
    author: { name: an, email: ae },
    committer: { name: cn, email: ce },
    parents: parents ? parents.split(' ') : [],
  };
}

// What `git rev-list --first-parent` lists from `after` down to (not including) `before`, at most 20.
async function firstParent(dir, after, before = ZERO) {
  const range = before === ZERO ? [after] : [after, `^${before}`];
  const out = (await hh.git(['rev-list', '--first-parent', '-n', '20', ...range], { cwd: dir })).stdout;
  return Promise.all(out.split('\n').filter(Boolean).map((id) => gitCommit(dir, id)));
}

async function onePushed(repoName) {
  const events = await take();
  assert.equal(events.length, 1, JSON.stringify(events.map((e) => e.type)));
  checkEnvelope(events[0], { type: 'pushed', sourceType: 'artifacts.repo', repoName });
  return events[0].payload;
}

test('git pushes: one pushed event per updated ref, every field as git has it', async () => {
  const name = 'evt-push';
  const { token } = await s.artifacts.create(name);
  await take();
  const a = hh.path('push-a');
  const git = (args) => hh.git(args, { cwd: a, token });
  await hh.git(['clone', '-q', remote(name), a], { token });
  assert.deepEqual(await take(), [], 'cloning an empty repo sends no pack');

  // A new branch: history down to the root.
  await hh.commit(a, { 'a.txt': '1\n' }, 'first\n\nwith a body\n');
  const c2 = await hh.commit(a, { 'a.txt': '2\n' }, 'second: ünïcödé ✓');
  await git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
  assert.deepEqual(await onePushed(name), {
    ref: 'refs/heads/main',
    before: ZERO,
    after: c2,
    commits: await firstParent(a, c2),
    totalCommitsCount: 2,
    commitsTruncated: false,
  });

  // A fast-forward: only the new commits, newest first.
  await hh.commit(a, { 'a.txt': '3\n' }, 'third');
  const c4 = await hh.commit(a, { 'a.txt': '4\n' }, 'fourth');
  await git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
  let p = await onePushed(name);
  assert.deepEqual(p.commits, await firstParent(a, c4, c2));
  assert.deepEqual(p.commits.map((c) => c.message), ['fourth', 'third']);
  assert.deepEqual([p.before, p.after, p.totalCommitsCount, p.commitsTruncated], [c2, c4, 2, false]);

  // A force push (not a fast-forward): down to the root.
  const c1 = await rev(a, 'HEAD~3');
  await git(['reset', '-q', '--hard', c1]);
  const x1 = await hh.commit(a, { 'x.txt': 'x\n' }, 'rewritten');
  await git(['push', '-q', '--force', 'origin', 'HEAD:refs/heads/main']);
  p = await onePushed(name);
  assert.deepEqual(p, { ref: 'refs/heads/main', before: c4, after: x1, commits: await firstParent(a, x1), totalCommitsCount: 2, commitsTruncated: false });
  assert.deepEqual(p.commits.map((c) => c.id), [x1, c1]);

  // 25 new commits: 20 listed, counted to 21.
  for (let i = 0; i < 25; i++) await git(['commit', '-q', '--allow-empty', '-m', `bulk ${i}`]);
  const bulk = await rev(a, 'HEAD');
  await git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
  p = await onePushed(name);
  assert.equal(p.commits.length, 20);
  assert.deepEqual(p.commits, await firstParent(a, bulk, x1));
  assert.equal(p.commits[0].message, 'bulk 24');
  assert.equal(p.commits[19].message, 'bulk 5');
  assert.equal(p.totalCommitsCount, 21);
  assert.equal(p.commitsTruncated, true);

  // A merge whose first parent is `before`: only the merge commit.
  await git(['checkout', '-q', '-b', 'topic']);
  await hh.commit(a, { 't.txt': '1\n' }, 'topic one');
  const t2 = await hh.commit(a, { 't.txt': '2\n' }, 'topic two');
  await git(['checkout', '-q', 'main']);
  await git(['merge', '-q', '--no-ff', '-m', 'Merge topic', 'topic']);
  const merge = await rev(a, 'HEAD');
  await git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
  p = await onePushed(name);
  assert.deepEqual(p.commits, [await gitCommit(a, merge)]);
  assert.deepEqual(p.commits[0].parents, [bulk, t2]);
  assert.equal(p.totalCommitsCount, 1);

  // Tags list no commits; an annotated tag's `after` is the tag object.
  await git(['tag', 'light']);
  await git(['push', '-q', 'origin', 'refs/tags/light']);
  assert.deepEqual(await onePushed(name), { ref: 'refs/tags/light', before: ZERO, after: merge, commits: [], totalCommitsCount: 0, commitsTruncated: false });
  await git(['tag', '-a', 'v1', '-m', 'release one']);
  const tagObject = await rev(a, 'v1');
  assert.notEqual(tagObject, merge);
  await git(['push', '-q', 'origin', 'refs/tags/v1']);
  assert.deepEqual(await onePushed(name), { ref: 'refs/tags/v1', before: ZERO, after: tagObject, commits: [], totalCommitsCount: 0, commitsTruncated: false });

  // A deletion: `after` is 40 zeros, no commits.
  await git(['push', '-q', 'origin', 'topic']);
  p = await onePushed(name);
  assert.deepEqual([p.ref, p.before, p.after], ['refs/heads/topic', ZERO, t2]);
  assert.deepEqual(p.commits, await firstParent(a, t2));
  await git(['push', '-q', 'origin', ':refs/heads/topic']);
  assert.deepEqual(await onePushed(name), { ref: 'refs/heads/topic', before: t2, after: ZERO, commits: [], totalCommitsCount: 0, commitsTruncated: false });

  // An atomic push of three refs: one event each.
  await git(['push', '-q', '--atomic', 'origin', 'HEAD:refs/heads/a1', 'HEAD~1:refs/heads/a2', `${c1}:refs/heads/a3`]);
  const atomic = await take();
  assert.equal(atomic.length, 3);
  for (const event of atomic) checkEnvelope(event, { type: 'pushed', sourceType: 'artifacts.repo', repoName: name });
  const byRef = Object.fromEntries(atomic.map((e) => [e.payload.ref, e.payload]));
  const c1Only = await firstParent(a, c1);
  assert.deepEqual(byRef['refs/heads/a3'], { ref: 'refs/heads/a3', before: ZERO, after: c1, commits: c1Only, totalCommitsCount: 1, commitsTruncated: false });
  for (const [ref, tip] of [['refs/heads/a1', merge], ['refs/heads/a2', bulk]]) {
    assert.deepEqual(byRef[ref], { ref, before: ZERO, after: tip, commits: await firstParent(a, tip), totalCommitsCount: 21, commitsTruncated: true }, ref);
  }

  // A push that changes nothing: no event.
  await git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
  assert.deepEqual(await take(), []);
});

for (const protocol of [2, 0]) {
  test(`protocol v${protocol}: clone is cloned, fetch with haves is fetched, ls-remote and no-op fetches are nothing`, async () => {
    const name = `evt-fetch-v${protocol}`;
    const { token } = await s.artifacts.create(name);
    const a = hh.path(`fetch-a-v${protocol}`);
    const b = hh.path(`fetch-b-v${protocol}`);
    await hh.git(['clone', '-q', remote(name), a], { token, protocol });
    await hh.commit(a, { 'f.txt': '1\n' }, 'one');
    await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: a, token, protocol });
    await take();

    await hh.git(['clone', '-q', remote(name), b], { token, protocol });
    let events = await take();
    assert.deepEqual(events.map((e) => e.type), ['cf.artifacts.repo.cloned']);
    checkEnvelope(events[0], { type: 'cloned', sourceType: 'artifacts.repo', repoName: name });
    assert.deepEqual(events[0].payload, {});

    await hh.git(['ls-remote', remote(name)], { token, protocol });
    await hh.git(['fetch', '-q', 'origin'], { cwd: b, token, protocol });
    assert.deepEqual(await take(), [], 'ls-remote and an up-to-date fetch send no pack');

    await hh.commit(a, { 'f.txt': '2\n' }, 'two');
    await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: a, token, protocol });
    await take();
    await hh.git(['fetch', '-q', 'origin'], { cwd: b, token, protocol });
    events = await take();
    assert.deepEqual(events.map((e) => e.type), ['cf.artifacts.repo.fetched']);
    checkEnvelope(events[0], { type: 'fetched', sourceType: 'artifacts.repo', repoName: name });
    assert.deepEqual(events[0].payload, {});
    assert.equal(await rev(b, 'origin/main'), await rev(a, 'HEAD'));
  });
}

test('the API: created, token.created, token.revoked, deleted, with exact payloads', async () => {
  const created = await s.artifacts.create('evt-api', { description: 'about it', setDefaultBranch: 'trunk' });
  const repo = await s.artifacts.get('evt-api');
  const info = await repo.info();
  const [initial] = (await repo.listTokens()).tokens;
  let events = await take();
  assert.equal(events.length, 2);
  checkEnvelope(events[0], { type: 'created', sourceType: 'artifacts', repoName: 'evt-api' });
  assert.deepEqual(events[0].payload, {
    repoId: created.id,
    defaultBranch: 'trunk',
    description: 'about it',
    readOnly: false,
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
    lastPushAt: null,
  });
  // The initial token is a minted token like any other (it is in the token list).
  checkEnvelope(events[1], { type: 'token.created', sourceType: 'artifacts.repo', repoName: 'evt-api' });
  assert.deepEqual(events[1].payload, { tokenId: initial.id, scope: 'write', expiresAt: initial.expiresAt });

  const read = await repo.createToken('read', 3600);
  assert.equal(await repo.revokeToken(read.plaintext), true);
  assert.equal(await repo.revokeToken(read.id), false);
  await repo.listTokens();
  await s.artifacts.list();
  await assert.rejects(repo.createToken('read', 5));
  await assert.rejects(s.artifacts.create('-bad-name'));
  events = await take();
  assert.deepEqual(events.map((e) => e.type), ['cf.artifacts.repo.token.created', 'cf.artifacts.repo.token.revoked']);
  checkEnvelope(events[0], { type: 'token.created', sourceType: 'artifacts.repo', repoName: 'evt-api' });
  assert.deepEqual(events[0].payload, { tokenId: read.id, scope: 'read', expiresAt: read.expiresAt });
  checkEnvelope(events[1], { type: 'token.revoked', sourceType: 'artifacts.repo', repoName: 'evt-api' });
  assert.deepEqual(events[1].payload, { tokenId: read.id });

  // The commit API is a push.
  const done = await repo.commit({ message: 'via the API\n', author: { name: 'Agent', email: 'agent@example.com' }, files: [{ path: 'a.md', content: '# a\n' }] });
  const commit = await repo.readCommit(done.commit);
  const pushed = await onePushed('evt-api');
  assert.deepEqual(pushed, {
    ref: 'refs/heads/trunk',
    before: ZERO,
    after: done.commit,
    commits: [
      {
        id: done.commit,
        message: 'via the API',
        messageTruncated: false,
        timestamp: new Date(commit.committedAt * 1000).toISOString(),
        author: { name: 'Agent', email: 'agent@example.com' },
        committer: { name: 'Agent', email: 'agent@example.com' },
        parents: [],
      },
    ],
    totalCommitsCount: 1,
    commitsTruncated: false,
  });

  const before = await repo.info();
  assert.ok(before.lastPushAt);
  assert.equal(await s.artifacts.delete('evt-api'), true);
  assert.equal(await s.artifacts.delete('evt-api'), false);
  events = await take();
  assert.equal(events.length, 1);
  checkEnvelope(events[0], { type: 'deleted', sourceType: 'artifacts', repoName: 'evt-api' });
  assert.deepEqual(events[0].payload, {
    repoId: created.id,
    defaultBranch: 'trunk',
    description: 'about it',
    readOnly: false,
    createdAt: before.createdAt,
    updatedAt: before.updatedAt,
    lastPushAt: before.lastPushAt,
  });
});

test('fork: forked with the parent as source and the new repo in the payload, then its token', async () => {
  await s.artifacts.create('evt-parent', { description: 'the parent' });
  const parent = await s.artifacts.get('evt-parent');
  await parent.commit({ message: 'one', files: [{ path: 'x', content: 'x' }] });
  await take();
  const result = await parent.fork('evt-child', { description: 'the child', readOnly: true });
  const child = await (await s.artifacts.get('evt-child')).info();
  const [token] = (await (await s.artifacts.get('evt-child')).listTokens()).tokens;
  const events = await take();
  assert.equal(events.length, 2);
  checkEnvelope(events[0], { type: 'forked', sourceType: 'artifacts', repoName: 'evt-parent' });
  assert.deepEqual(events[0].payload, {
    namespace: 'default',
    repoName: 'evt-child',
    repoId: result.id,
    defaultBranch: 'main',
    description: 'the child',
    readOnly: true,
    createdAt: child.createdAt,
    updatedAt: child.updatedAt,
    lastPushAt: null,
  });
  checkEnvelope(events[1], { type: 'token.created', sourceType: 'artifacts.repo', repoName: 'evt-child' });
  assert.deepEqual(events[1].payload, { tokenId: token.id, scope: 'write', expiresAt: token.expiresAt });
  await assert.rejects(parent.fork('evt-child'));
  assert.deepEqual(await take(), [], 'a refused fork has no event');
});

test('import: imported with sourceUrl and the branch asked for, or the default branch', async () => {
  const backend = await startHttpBackendServer({ root: hh.path('backend') });
  try {
    const src = hh.path('import-src');
    await hh.git(['init', '-q', '-b', 'trunk', src]);
    await hh.commit(src, { 'a.txt': 'a\n' }, 'on trunk');
    await hh.git(['checkout', '-q', '-b', 'side'], { cwd: src });
    await hh.commit(src, { 'b.txt': 'b\n' }, 'on side');
    await hh.git(['checkout', '-q', 'trunk'], { cwd: src });
    await hh.git(['clone', '-q', '--bare', src, hh.path('backend', 'src.git')]);
    const importer = createArtifacts({
      storage,
      baseUrl: s.base,
      allowHttpImport: true,
      allowPrivateImport: true,
      accountId: ACCOUNT,
      eventSubscriptionId: subscriptionId,
      onEvent: (event) => delivered.push(event),
    });
    const url = `${backend.url}/git/default/src.git`;
    for (const [target, branch, expected] of [['evt-imp-all', undefined, 'trunk'], ['evt-imp-side', 'side', 'side']]) {
      const result = await importer.import({ source: { url, branch }, target: { name: target } });
      const repo = await importer.get(target);
      const info = await repo.info();
      const [token] = (await repo.listTokens()).tokens;
      const events = await take();
      assert.deepEqual(events.map((e) => e.type), ['cf.artifacts.repo.imported', 'cf.artifacts.repo.token.created'], target);
      checkEnvelope(events[0], { type: 'imported', sourceType: 'artifacts', repoName: target });
      assert.deepEqual(events[0].payload, {
        repoId: result.id,
        defaultBranch: info.defaultBranch,
        description: null,
        readOnly: false,
        createdAt: info.createdAt,
        updatedAt: info.updatedAt,
        lastPushAt: null,
        sourceUrl: url,
        branch: expected,
      });
      assert.deepEqual(events[1].payload, { tokenId: token.id, scope: 'write', expiresAt: token.expiresAt });
    }
    await assert.rejects(importer.import({ source: { url: `${backend.url}/git/default/missing.git` }, target: { name: 'evt-imp-bad' } }));
    assert.deepEqual(await take(), [], 'a failed import has no event');
  } finally {
    await backend.close();
  }
});

test('delivery is asynchronous; a throwing or rejecting onEvent never affects the operation', async (t) => {
  const errors = [];
  t.mock.method(console, 'error', (...args) => errors.push(args));
  const seen = [];
  const throwing = createArtifacts({
    storage: new MemoryStorage(),
    onEvent: (event) => {
      seen.push(event.type);
      throw new Error('listener broke');
    },
  });
  const created = await throwing.create('repo');
  assert.deepEqual(seen, [], 'the caller sees its result before any listener runs');
  await (await throwing.get('repo')).createToken('read', 60);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen, ['cf.artifacts.repo.created', 'cf.artifacts.repo.token.created', 'cf.artifacts.repo.token.created']);
  assert.ok(created.token);
  assert.equal(errors.length, 1, 'the first failure is reported, once');

  let rejected = 0;
  const rejecting = createArtifacts({
    storage: new MemoryStorage(),
    onEvent: async () => {
      rejected++;
      throw new Error('async listener broke');
    },
  });
  await rejecting.create('repo');
  await rejecting.delete('repo');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(rejected, 3);

  // A listener that never settles holds nothing of ours.
  const hanging = createArtifacts({ storage: new MemoryStorage(), onEvent: () => new Promise(() => {}) });
  assert.ok((await hanging.create('repo')).token);
  assert.throws(() => createArtifacts({ storage: new MemoryStorage(), onEvent: 'not a function' }), TypeError);
});

test('without onEvent the core builds no events, and its queue is still drained after every call', async () => {
  const drained = [];
  // The real core, with takeEvents watched.
  const loadCore = async (options) => {
    const core = await loadRealCore(options);
    return {
      errorCodes: () => core.errorCodes(),
      Namespace: function Namespace(...args) {
        const ns = new core.Namespace(...args);
        const takeEvents = ns.takeEvents.bind(ns);
        ns.takeEvents = () => {
          const text = takeEvents();
          drained.push(JSON.parse(text).length);
          return text;
        };
        return ns;
      },
    };
  };
  const run = async (options) => {
    drained.length = 0;
    const artifacts = createArtifactsWith(loadCore, { storage: new MemoryStorage(), ...options });
    await artifacts.create('repo');
    const repo = await artifacts.get('repo');
    for (let i = 0; i < 1100; i++) await repo.createToken('read', 60);
    await repo.commit({ message: 'm', files: [{ path: 'a', content: 'a' }] });
    return [...drained];
  };
  const withListener = await run({ onEvent: () => {} });
  assert.deepEqual(withListener.slice(0, 2), [2, 0], 'create: created and token.created; get: none');
  assert.ok(withListener.slice(2, 1102).every((n) => n === 1), 'one token.created per call, none left over');
  assert.equal(withListener.at(-1), 1, 'the commit: one pushed');
  const without = await run({});
  assert.equal(without.length, withListener.length, 'drained after every call all the same');
  assert.ok(without.every((n) => n === 0), 'nobody to hand them to: none built');
});
