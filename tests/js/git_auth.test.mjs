// Git smart-HTTP auth (DESIGN.md "Git auth"): no credentials → 401 with a
// Basic challenge; a token as Bearer or in the Basic password slot (any
// username, with or without the ?expires= suffix) works; bad, revoked,
// other-repo and expired tokens → 403 "Invalid or expired token"; a read token
// cannot push (403 "Insufficient permissions"); a read-only repo refuses pushes.
// Raw HTTP with fetch() and the real git CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from 'open-artifacts';
import { sharedHarness, startInProcessServer } from './git-harness.mjs';
import { manualHost } from './helpers.mjs';


// One server for the whole file; each test makes its own repos.
const h = sharedHarness();

const UPLOAD = 'application/x-git-upload-pack-request';
const RECEIVE = 'application/x-git-receive-pack-request';
const basic = (user, pass) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const bearer = (token) => `Bearer ${token}`;
const withoutSuffix = (token) => token.replace(/\?expires=\d+$/, '');

// One request to a repo's git endpoint: { status, headers, text }.
// what: 'upload-refs' | 'receive-refs' | 'upload' | 'receive'.
async function gitRequest(base, name, what, authorization, { namespace = 'default' } = {}) {
  const repo = new URL(`/git/${namespace}/${name}.git/`, base);
  const headers = authorization === undefined ? {} : { Authorization: authorization };
  let res;
  if (what === 'upload-refs' || what === 'receive-refs') {
    const service = what === 'upload-refs' ? 'git-upload-pack' : 'git-receive-pack';
    res = await fetch(new URL(`info/refs?service=${service}`, repo), { headers });
  } else {
    const upload = what === 'upload';
    res = await fetch(new URL(upload ? 'git-upload-pack' : 'git-receive-pack', repo), {
      method: 'POST',
      headers: { ...headers, 'Content-Type': upload ? UPLOAD : RECEIVE },
      body: '0000',
    });
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const ALL = ['upload-refs', 'receive-refs', 'upload', 'receive'];

async function assertStatus(base, name, whats, authorization, status, message) {
  for (const what of whats) {
    const r = await gitRequest(base, name, what, authorization);
    assert.equal(r.status, status, `${what} with ${authorization?.slice(0, 20)}…: ${r.status} ${r.text}`);
    if (message) assert.match(r.text, message, `${what}: body`);
  }
}

// A repo with one commit on main; returns { token, dir (a clone), head }.
async function repoWithCommit(hh, name, opts = {}) {
  const { token } = await hh.createRepo(name, opts);
  const dir = hh.path(`${name}-seed`);
  await hh.git(['clone', '-q', hh.remote(name), dir], { token });
  const head = await hh.commit(dir, { 'README.md': `# ${name}\n` }, 'seed');
  if (!opts.read_only) await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
  return { token, dir, head };
}

test('no credentials: 401 with WWW-Authenticate: Basic realm="artifacts" on every git endpoint; git cannot clone', async () => {
  const hh = await h();
  await repoWithCommit(hh, 'anon');
  for (const what of ALL) {
    const r = await gitRequest(hh.url, 'anon', what, undefined);
    assert.equal(r.status, 401, `${what}: ${r.text}`);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="artifacts"', what);
  }
  // The same for a repo that does not exist: existence is not revealed.
  const missing = await gitRequest(hh.url, 'no-such-repo', 'upload-refs', undefined);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Basic realm="artifacts"');

  const clone = await hh.run(['clone', hh.remote('anon'), hh.path('anon-clone')], { protocol: 2 });
  assert.notEqual(clone.code, 0);
  assert.match(clone.stderr, /could not read Username|Authentication failed/, clone.stderr);
});

test('a Bearer header works with and without the ?expires= suffix (raw HTTP and git)', async () => {
  const hh = await h();
  const { token, head } = await repoWithCommit(hh, 'bearer');
  assert.match(token, /^art_v1_[0-9a-f]{40}\?expires=\d+$/, 'the minted form');
  for (const t of [token, withoutSuffix(token)]) {
    await assertStatus(hh.url, 'bearer', ALL, bearer(t), 200);
    await assertStatus(hh.url, 'bearer', ['upload-refs'], `bearer ${t}`, 200); // the scheme is case-insensitive
  }
  const dir = hh.path('bearer-clone');
  await hh.git(['clone', hh.remote('bearer'), dir], { protocol: 2, token: withoutSuffix(token) });
  assert.equal(await hh.head(dir), head);
  const next = await hh.commit(dir, { 'b.txt': 'b\n' }, 'b');
  await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token: withoutSuffix(token), cwd: dir });
  const refs = await hh.git(['ls-remote', hh.remote('bearer'), 'refs/heads/main'], { token });
  assert.equal(refs.stdout, `${next}\trefs/heads/main\n`);
});

test('the Basic password slot works with any username, also empty, with or without ?expires=', async () => {
  const hh = await h();
  const { token, head } = await repoWithCommit(hh, 'basic');
  for (const t of [token, withoutSuffix(token)]) {
    for (const user of ['x', '', 'someone@example.test', 'art_v1_not-a-token']) {
      await assertStatus(hh.url, 'basic', ALL, basic(user, t), 200);
    }
  }
  // git with the token in the URL (percent-encoded), as username "x" and as an empty username.
  let i = 0;
  for (const user of ['x', '']) {
    for (const t of [token, withoutSuffix(token)]) {
      const dir = hh.path(`basic-clone-${i++}`);
      await hh.git(['clone', hh.remote('basic', { token: t, user }), dir], { protocol: 2 });
      assert.equal(await hh.head(dir), head);
      await hh.fsck(dir);
    }
  }
  const dir = hh.path('basic-clone-0');
  const next = await hh.commit(dir, { 'c.txt': 'c\n' }, 'c');
  await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { cwd: dir });
  assert.equal((await hh.git(['ls-remote', hh.remote('basic', { token: withoutSuffix(token), user: '' })])).stdout.split('\n')[0], `${next}\tHEAD`);
});

test('a token in the Basic username slot does not authenticate', async () => {
  const hh = await h();
  const { token } = await repoWithCommit(hh, 'userslot');
  for (const [user, pass] of [[token, ''], [withoutSuffix(token), ''], [token, 'x']]) {
    for (const what of ALL) {
      const r = await gitRequest(hh.url, 'userslot', what, basic(user, pass));
      assert.ok(r.status === 401 || r.status === 403, `${what} with the token as username: ${r.status} ${r.text}`);
    }
  }
  const url = new URL(hh.remote('userslot'));
  url.username = encodeURIComponent(token);
  const r = await hh.run(['clone', url.href, hh.path('userslot-clone')], { protocol: 2 });
  assert.notEqual(r.code, 0, 'git cannot clone with the token as the username');
});

test('bad, malformed, revoked and other-repo tokens are 403 "Invalid or expired token"', async () => {
  const hh = await h();
  const { token } = await repoWithCommit(hh, 'guarded');
  const other = await hh.createRepo('other-repo');
  const repo = await hh.server.artifacts.get('guarded');
  const revoked = await repo.createToken('write', 3600);
  const revokedById = await repo.createToken('read', 3600);
  assert.equal(await repo.revokeToken(revoked.plaintext), true);
  assert.equal(await repo.revokeToken(revokedById.id), true);
  const forged = `art_v1_${'0'.repeat(40)}`;
  const tampered = token.replace(/^(art_v1_)(.)/, (_, p, c) => p + (c === 'a' ? 'b' : 'a'));
  const cases = {
    forged,
    tampered,
    garbage: 'not-a-token',
    revoked: revoked.plaintext,
    'revoked by id': revokedById.plaintext,
    'other repo': other.token,
    'other repo, no suffix': withoutSuffix(other.token),
  };
  for (const [label, t] of Object.entries(cases)) {
    for (const auth of [bearer(t), basic('x', t)]) {
      for (const what of ALL) {
        const r = await gitRequest(hh.url, 'guarded', what, auth);
        assert.equal(r.status, 403, `${label} (${auth.split(' ')[0]}) on ${what}: ${r.status} ${r.text}`);
        assert.equal(r.text.trim(), 'Invalid or expired token', `${label} on ${what}`);
      }
    }
  }
  // An empty password: a credential that cannot be valid (401 or 403, never access).
  for (const what of ALL) {
    const r = await gitRequest(hh.url, 'guarded', what, basic('x', ''));
    assert.ok(r.status === 401 || r.status === 403, `empty password on ${what}: ${r.status}`);
  }
  // A valid token on a repo that does not exist is the same 403.
  await assertStatus(hh.url, 'does-not-exist', ['upload-refs', 'receive-refs'], bearer(token), 403, /^Invalid or expired token$/m);

  const r = await hh.run(['clone', hh.remote('guarded'), hh.path('guarded-revoked')], { protocol: 2, token: revoked.plaintext });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /403/, r.stderr);
  assert.match(r.stderr, /Invalid or expired token/, 'git shows the server message');
  // The good token still works.
  await assertStatus(hh.url, 'guarded', ALL, bearer(token), 200);
});

test('a read token clones and fetches; its push is 403 "Insufficient permissions"', async () => {
  const hh = await h();
  const { token, head } = await repoWithCommit(hh, 'readtok');
  const read = await hh.createToken('readtok', 'read');
  await assertStatus(hh.url, 'readtok', ['upload-refs', 'upload'], bearer(read), 200);
  await assertStatus(hh.url, 'readtok', ['receive-refs', 'receive'], bearer(read), 403, /^Insufficient permissions$/m);
  await assertStatus(hh.url, 'readtok', ['receive-refs', 'receive'], basic('x', read), 403, /^Insufficient permissions$/m);

  for (const protocol of [0, 2]) {
    const dir = hh.path(`readtok-${protocol}`);
    await hh.git(['clone', hh.remote('readtok'), dir], { protocol, token: read });
    await hh.fsck(dir);
    assert.equal(await hh.head(dir), head);
    await hh.commit(dir, { 'r.txt': 'r\n' }, 'r');
    const push = await hh.run(['push', 'origin', 'HEAD:refs/heads/main'], { protocol, token: read, cwd: dir });
    assert.equal(push.code, 128, `push with a read token: ${push.stderr}`);
    assert.match(push.stderr, /403/, push.stderr);
    assert.match(push.stderr, /Insufficient permissions/, push.stderr);
    const viaUrl = await hh.run(['push', hh.remote('readtok', { token: read }), 'HEAD:refs/heads/main'], { protocol, cwd: dir });
    assert.notEqual(viaUrl.code, 0);
    assert.match(viaUrl.stderr, /Insufficient permissions/, viaUrl.stderr);
  }
  const refs = await hh.git(['ls-remote', hh.remote('readtok')], { token });
  assert.equal(refs.stdout, `${head}\tHEAD\n${head}\trefs/heads/main\n`, 'nothing was pushed');
});

test('a read-only repo clones but refuses every push with 403', async () => {
  const hh = await h();
  const { token, dir } = await repoWithCommit(hh, 'frozen', { read_only: true });
  const info = await hh.api('GET', '/repos/frozen');
  assert.equal(info.status, 200, JSON.stringify(info.body));
  assert.equal(info.body.result.read_only, true);
  await assertStatus(hh.url, 'frozen', ['upload-refs', 'upload'], bearer(token), 200);
  await assertStatus(hh.url, 'frozen', ['receive-refs', 'receive'], bearer(token), 403, /read-only/);
  const push = await hh.run(['push', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /403/, push.stderr);
  assert.match(push.stderr, /read-only/, push.stderr);
  const clone = hh.path('frozen-clone');
  await hh.git(['clone', hh.remote('frozen'), clone], { token, protocol: 2 });
  await hh.fsck(clone);
  assert.equal((await hh.git(['ls-remote', hh.remote('frozen')], { token })).stdout, '', 'still empty');
});

// An in-process server with a clock the test moves, so a token can expire
// without waiting.
async function startClockServer() {
  const host = manualHost(Date.now());
  return { host, ...(await startInProcessServer({ storage: new MemoryStorage(), host })) };
}

test('an expired token is 403 "Invalid or expired token"; expiry comes from the record, not the suffix', async (t) => {
  const hh = await h(); // for git's environment and temp dirs
  const s = await startClockServer();
  t.after(() => s.close());
  const { token: createToken } = await s.artifacts.create('clock');
  const repo = await s.artifacts.get('clock');
  const short = await repo.createToken('write', 60);
  const expiresAt = Number(short.plaintext.match(/\?expires=(\d+)$/)[1]);
  assert.equal(expiresAt, Math.floor((s.host.now() + 60_000) / 1000), 'the suffix tells the expiry');
  const remote = `${s.base}/git/default/clock.git`;

  // Valid now: push a commit with it.
  const dir = hh.path('clock');
  await hh.git(['clone', '-q', remote, dir], { token: short.plaintext });
  const head = await hh.commit(dir, { 'a.txt': 'a\n' }, 'a');
  await hh.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { token: short.plaintext, cwd: dir });
  s.host.advance(59_000);
  await assertStatus(s.base, 'clock', ALL, bearer(short.plaintext), 200);

  s.host.advance(2_000); // 61 s after minting
  const forgedSuffix = `${withoutSuffix(short.plaintext)}?expires=${expiresAt + 86400 * 365}`;
  for (const tok of [short.plaintext, withoutSuffix(short.plaintext), forgedSuffix]) {
    for (const auth of [bearer(tok), basic('x', tok)]) await assertStatus(s.base, 'clock', ALL, auth, 403, /^Invalid or expired token$/m);
  }
  const r = await hh.run(['clone', remote, hh.path('clock-expired')], { protocol: 2, token: short.plaintext });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /403/, r.stderr);

  // The 24 h token minted by create() is still good, and sees the pushed commit.
  await assertStatus(s.base, 'clock', ALL, bearer(createToken), 200);
  const ls = await hh.git(['ls-remote', remote, 'refs/heads/main'], { token: createToken });
  assert.equal(ls.stdout, `${head}\trefs/heads/main\n`);
  s.host.advance(24 * 3600 * 1000);
  await assertStatus(s.base, 'clock', ['upload-refs'], bearer(createToken), 403, /^Invalid or expired token$/m);
});
