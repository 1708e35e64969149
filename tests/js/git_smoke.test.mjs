// Real git clients against the core's git smart-HTTP server, through the Node
// server (js/src/server.js) and artifacts.fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneCommitPushClone, sharedHarness } from './git-harness.mjs';


// One server for the whole file; each test makes its own repos.
const h = sharedHarness();

for (const protocol of [0, 1, 2]) {
  test(`protocol v${protocol}: clone the empty repo, commit, push, clone again, fetch (token as header)`, async () => {
    await cloneCommitPushClone(await h(), { name: `smoke-v${protocol}`, protocol, auth: 'header' });
  });
  test(`protocol v${protocol}: the same with the token in the URL`, async () => {
    await cloneCommitPushClone(await h(), { name: `smoke-url-v${protocol}`, protocol, auth: 'url' });
  });
}

test('without a token, clone fails (git gets 401 and cannot prompt)', async () => {
  const hh = await h();
  await hh.createRepo('private');
  const r = await hh.run(['clone', hh.remote('private'), hh.path('no-token')], { protocol: 2 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Authentication failed|could not read Username|401/i, r.stderr);
});

test('a read token clones but cannot push', async () => {
  const hh = await h();
  const { token } = await hh.createRepo('read-only-token');
  const dir = hh.path('rw');
  await hh.git(['clone', hh.remote('read-only-token'), dir], { protocol: 2, token });
  await hh.commit(dir, { 'a.txt': 'a\n' }, 'a');
  await hh.git(['push', 'origin', 'HEAD:refs/heads/main'], { token, cwd: dir });
  const read = await hh.createToken('read-only-token', 'read');
  const clone = hh.path('ro');
  await hh.git(['clone', hh.remote('read-only-token'), clone], { protocol: 2, token: read });
  await hh.fsck(clone);
  await hh.commit(clone, { 'b.txt': 'b\n' }, 'b');
  const push = await hh.run(['push', 'origin', 'HEAD:refs/heads/main'], { token: read, cwd: clone });
  assert.notEqual(push.code, 0, 'push with a read token must fail');
});

test('a token opens its repo in its namespace only; unknown paths are 404; a token on a missing repo is 403', async () => {
  const hh = await h();
  const { token } = await hh.createRepo('routes');
  const status = async (path, headers = {}) => {
    const res = await fetch(new URL(path, hh.url), { headers });
    await res.arrayBuffer();
    return res.status;
  };
  const bearer = { Authorization: `Bearer ${token}` };
  // Every namespace is served: a repo of the same name in another one is another repo.
  const otherRefs = '/git/other-ns/routes.git/info/refs?service=git-upload-pack';
  assert.equal(await status(otherRefs, bearer), 403, 'no such repo there yet: the token opens nothing');
  const created = await fetch(`${hh.server.restUrl}/namespaces/other-ns/repos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'routes' }),
  });
  assert.equal(created.status, 201);
  const other = (await created.json()).result;
  assert.equal(other.remote, `${hh.url}/git/other-ns/routes.git`);
  assert.equal(await status(otherRefs, bearer), 403, "default/routes's token does not open other-ns/routes");
  assert.equal(await status(otherRefs, { Authorization: `Bearer ${other.token}` }), 200);
  assert.equal(await status('/git/default/routes.git/info/refs?service=git-upload-pack', { Authorization: `Bearer ${other.token}` }), 403);
  assert.equal(await status(otherRefs), 401);
  assert.equal(await status('/git/default/routes.git/no-such-endpoint', bearer), 404);
  assert.equal(await status('/git/default/routes.git/info/refs?service=git-upload-pack', bearer), 200);
  // DESIGN.md: bad, expired, revoked or other-repo tokens are 403; existence is not revealed.
  assert.equal(await status('/git/default/missing.git/info/refs?service=git-upload-pack', bearer), 403);
  assert.equal(await status('/git/default/missing.git/info/refs?service=git-upload-pack'), 401);
});
