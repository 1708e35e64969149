// The REST API's fetch handler in real workerd (npm `workerd`): the Worker is
// bundled by esbuild as wrangler would (the wasm stays a module of its own),
// then serves the same routes as the Node server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBundledWorker } from './workerd-harness.mjs';

test('the REST API runs in workerd', async () => {
  const worker = await startBundledWorker('rest-worker.mjs');
  const base = `${worker.url}/client/v4/accounts/acct/artifacts`;
  let token = 'workerd-test-token-0123';
  const call = async (method, path, body) => {
    const res = await worker.fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  try {
    const created = await call('POST', '/namespaces/workers/repos', { name: 'from-rest', default_branch: 'trunk' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.result.remote, 'https://artifacts.test/git/workers/from-rest.git');
    assert.equal(created.json.result.default_branch, 'trunk');
    const commit = await call('POST', '/namespaces/workers/repos/from-rest/commits', {
      branch: 'trunk',
      message: 'from workerd',
      author: { name: 'W', email: 'w@example.com' },
      files: [{ path: 'hello.txt', content: 'hi\n' }],
    });
    assert.equal(commit.status, 201, JSON.stringify(commit.json));
    const log = await call('GET', '/namespaces/workers/repos/from-rest/log');
    assert.equal(log.json.result[0].hash, commit.json.result.commit);
    const list = await call('GET', '/namespaces/workers/repos?sort=name');
    assert.deepEqual(list.json.result.map((r) => r.name), ['from-rest']);
    const ns = await call('GET', '/namespaces');
    assert.deepEqual(ns.json.result.map((n) => [n.namespace, n.repo_count]), [['workers', 1]]);
    const bad = await call('POST', '/namespaces/workers/repos', { name: 'bad name' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.errors[0].source, { pointer: '/name' });
    assert.equal(bad.json.errors[0].code, 10101);
    token = 'not-the-token-0123456789';
    assert.equal((await call('GET', '/namespaces')).status, 403, 'API tokens are checked in workerd too');
    assert.doesNotMatch(worker.output(), /error/i, worker.output());
  } finally {
    worker.stop();
  }
});
