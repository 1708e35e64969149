// Webhook delivery of repo events (js/src/webhook.js) against real HTTP
// receivers: signatures verify with node:crypto; 5xx, 429 and timeouts are
// retried with the same delivery id and body, other 4xx are not; a receiver
// that hangs or always fails never slows a push (the push completes while the
// receiver still holds its requests); and the queue stays within its bounds
// whatever the receiver does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebhookSender, WebhookConfigError } from '../../js/src/webhook.js';
import { startServer, ServerConfigError } from '../../js/src/server.js';
import { startGitHarness } from './git-harness.mjs';

// An HTTP receiver: `answer(req, body, n)` returns a status, or null to never answer.
async function startReceiver(answer) {
  const received = [];
  const hanging = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ method: req.method, url: req.url, headers: req.headers, body, at: Date.now() });
      const status = answer(req, body, received.length);
      if (status === null) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    received,
    hanging,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

async function waitFor(condition, what, timeoutMs = 15_000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const event = (i, type = 'cf.artifacts.repo.pushed') => ({
  type,
  source: { type: 'artifacts.repo', namespace: 'default', repoName: `r${i}` },
  payload: { i },
  metadata: { accountId: 'local', eventSubscriptionId: 'x'.repeat(32), eventSchemaVersion: 1, eventTimestamp: new Date().toISOString() },
});

// A clone with one commit pushed to `name`, ready for more pushes.
async function workTree(h, name, token) {
  const dir = h.path(`wt-${name}`);
  await h.git(['clone', '-q', h.remote(name), dir], { token });
  await h.commit(dir, { 'a.txt': 'a\n' }, 'first');
  await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: dir, token });
  return dir;
}

test('the server POSTs every event, signed: the signature verifies with node:crypto', async (t) => {
  const receiver = await startReceiver(() => 200);
  t.after(() => receiver.close());
  const secret = 'webhook-secret-for-tests';
  const h = await startGitHarness({ webhook: { url: receiver.url, secret } });
  t.after(() => h.close());

  const { token } = await h.createRepo('signed');
  const dir = await workTree(h, 'signed', token);
  await h.git(['clone', '-q', h.remote('signed'), h.path('signed-b')], { token });
  const expected = ['cf.artifacts.repo.created', 'cf.artifacts.repo.token.created', 'cf.artifacts.repo.pushed', 'cf.artifacts.repo.cloned'];
  await waitFor(() => receiver.received.length >= expected.length, 'four deliveries');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(receiver.received.length, expected.length, 'each event once');

  const types = [];
  for (const r of receiver.received) {
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook');
    assert.equal(r.headers['content-type'], 'application/json');
    const envelope = JSON.parse(r.body);
    types.push(envelope.type);
    assert.equal(r.headers['x-artifacts-event'], envelope.type);
    assert.match(r.headers['x-artifacts-delivery'], /^[0-9a-f]{32}$/);
    assert.deepEqual(Object.keys(envelope.metadata).sort(), ['accountId', 'eventSchemaVersion', 'eventSubscriptionId', 'eventTimestamp']);
    assert.equal(envelope.metadata.accountId, 'local');
    assert.equal(envelope.source.repoName, 'signed');
    // The receiver's check: HMAC-SHA256(secret, timestamp + "." + raw body), a recent timestamp.
    const timestamp = r.headers['x-artifacts-timestamp'];
    assert.match(timestamp, /^\d+$/);
    assert.ok(Math.abs(Date.now() / 1000 - Number(timestamp)) < 300);
    const mac = createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex');
    const sent = r.headers['x-artifacts-signature'];
    assert.ok(timingSafeEqual(Buffer.from(sent), Buffer.from(`sha256=${mac}`)), 'signature verifies');
    const forged = createHmac('sha256', 'another-secret').update(`${timestamp}.${r.body}`).digest('hex');
    assert.notEqual(sent, `sha256=${forged}`);
    const tampered = createHmac('sha256', secret).update(`${timestamp}.${r.body.replace('signed', 'other')}`).digest('hex');
    assert.notEqual(sent, `sha256=${tampered}`);
  }
  assert.deepEqual(types.sort(), [...expected].sort());
  const pushed = JSON.parse(receiver.received.find((r) => r.headers['x-artifacts-event'] === 'cf.artifacts.repo.pushed').body);
  assert.equal(pushed.payload.after, await h.head(dir));
});

test('without a secret nothing is signed', async (t) => {
  const receiver = await startReceiver(() => 204);
  t.after(() => receiver.close());
  const sender = createWebhookSender({ url: receiver.url });
  t.after(() => sender.close());
  const sent = event(1);
  sender.send(sent);
  await waitFor(() => sender.stats().delivered === 1, 'the delivery');
  assert.equal(receiver.received[0].headers['x-artifacts-signature'], undefined);
  assert.equal(receiver.received[0].headers['x-artifacts-timestamp'], undefined);
  assert.equal(receiver.received[0].headers['x-artifacts-event'], 'cf.artifacts.repo.pushed');
  assert.deepEqual(JSON.parse(receiver.received[0].body), sent, 'the body is the envelope');
});

test('5xx, 429 and timeouts are retried with the same delivery; other 4xx are not', async (t) => {
  const attemptsOf = new Map();
  // Per event (payload.i): 0 → 500 then 200; 1 → 429 then 200; 2 → hang then 200; 3 → 400; 4 → 503 always.
  const receiver = await startReceiver((req, body) => {
    const i = JSON.parse(body).payload.i;
    const n = (attemptsOf.get(i) ?? 0) + 1;
    attemptsOf.set(i, n);
    if (i === 3) return 400;
    if (i === 4) return 503;
    if (n > 1) return 200;
    return [500, 429, null][i];
  });
  t.after(() => receiver.close());
  const logged = [];
  const sender = createWebhookSender({ url: receiver.url, secret: 's', timeoutMs: 300, maxAttempts: 3, log: (line) => logged.push(line) });
  t.after(() => sender.close());
  for (let i = 0; i < 5; i++) sender.send(event(i));
  await waitFor(() => sender.stats().delivered === 3 && sender.stats().failed === 2, 'three delivered, two given up', 20_000);
  assert.deepEqual(Object.fromEntries(attemptsOf), { 0: 2, 1: 2, 2: 2, 3: 1, 4: 3 });
  for (let i = 0; i < 5; i++) {
    const attempts = receiver.received.filter((r) => JSON.parse(r.body).payload.i === i);
    assert.equal(new Set(attempts.map((r) => r.headers['x-artifacts-delivery'])).size, 1, `event ${i}: one delivery id`);
    assert.equal(new Set(attempts.map((r) => r.body)).size, 1, `event ${i}: the same body`);
  }
  // Backoff: the retry of event 0 came no sooner than the first backoff's lower bound (0.5 s x 0.5).
  const [first, retry] = receiver.received.filter((r) => JSON.parse(r.body).payload.i === 0);
  assert.ok(retry.at - first.at >= 240, `retried after ${retry.at - first.at} ms`);
  assert.equal(logged.filter((l) => /gave up/.test(l)).length, 2, logged.join('\n'));
  assert.match(logged.find((l) => /HTTP 400/.test(l)), /after 1 attempt/);
  assert.match(logged.find((l) => /HTTP 503/.test(l)), /after 3 attempt/);
  assert.equal(sender.stats().queued, 0);
});

test('a network error (nothing listening) is retried, then given up', async (t) => {
  const closed = await startReceiver(() => 200);
  const url = closed.url;
  await closed.close(); // the port now refuses connections
  const logged = [];
  const sender = createWebhookSender({ url, maxAttempts: 2, log: (line) => logged.push(line) });
  t.after(() => sender.close());
  sender.send(event(1));
  await waitFor(() => sender.stats().failed === 1, 'the give-up');
  assert.match(logged.join('\n'), /gave up on cf\.artifacts\.repo\.pushed [0-9a-f]{32} after 2 attempt/);
});

for (const [label, answer] of [['hangs forever', () => null], ['answers 500 always', () => 500]]) {
  test(`a receiver that ${label} never slows a push`, async (t) => {
    const receiver = await startReceiver(answer);
    t.after(() => receiver.close());
    const slow = await startGitHarness({ webhook: { url: receiver.url, secret: 'x' } });
    t.after(() => slow.close());
    const plain = await startGitHarness();
    t.after(() => plain.close());

    const timings = {};
    for (const [name, h] of [['plain', plain], ['webhook', slow]]) {
      const { token } = await h.createRepo('repo');
      const dir = await workTree(h, 'repo', token);
      const start = Date.now();
      for (let i = 0; i < 5; i++) {
        await h.commit(dir, { 'a.txt': `${i}\n` }, `push ${i}`);
        await h.git(['push', '-q', 'origin', 'HEAD:refs/heads/main'], { cwd: dir, token });
      }
      await h.git(['clone', '-q', h.remote('repo'), h.path('clone')], { token });
      timings[name] = Date.now() - start;
      if (name === 'webhook') {
        // Every push and the clone returned while the receiver still holds or refuses its deliveries.
        assert.ok(receiver.received.length > 0, 'the receiver was called');
        if (label === 'hangs forever') assert.ok(receiver.hanging.size > 0, 'requests are still hanging');
        assert.equal(await h.head(dir), (await h.git(['ls-remote', h.remote('repo'), 'refs/heads/main'], { token })).stdout.slice(0, 40));
      }
    }
    // A generous bound: the same work with the webhook is not minutes slower.
    assert.ok(timings.webhook < timings.plain * 5 + 5000, JSON.stringify(timings));
  });
}

test('a dead endpoint never grows the queue past its bounds', async (t) => {
  const pending = [];
  let calls = 0;
  // A hanging endpoint: fetch never settles unless aborted.
  const makeHanging = () => (url, init) => {
    calls++;
    return new Promise((resolve, reject) => {
      pending.push(resolve);
      init.signal.addEventListener('abort', () => reject(init.signal.reason));
    });
  };
  const hanging = makeHanging();
  const logged = [];
  const sender = createWebhookSender({ url: 'http://127.0.0.1:9/hook', fetch: hanging, maxQueued: 50, timeoutMs: 60_000, log: (line) => logged.push(line) });
  let most = 0;
  for (let i = 0; i < 5000; i++) {
    sender.send(event(i));
    const stats = sender.stats();
    most = Math.max(most, stats.queued);
    assert.ok(stats.inFlight <= 4);
  }
  assert.equal(most, 50);
  assert.deepEqual(
    { ...sender.stats(), queuedBytes: undefined },
    { queued: 50, inFlight: 4, queuedBytes: undefined, delivered: 0, failed: 0, dropped: 5000 - 50 - 4 },
  );
  assert.equal(calls, 4, 'only four requests were started');
  assert.ok(logged.some((l) => /dropped the oldest/.test(l)) && logged.length <= 6, logged.join('\n'));

  // A byte bound as well: large events displace older ones.
  const big = createWebhookSender({ url: 'http://127.0.0.1:9/hook', fetch: makeHanging(), maxQueuedBytes: 100_000 });
  for (let i = 0; i < 200; i++) big.send({ ...event(i), payload: { blob: 'x'.repeat(10_000) } });
  assert.ok(big.stats().queuedBytes <= 100_000, JSON.stringify(big.stats()));
  assert.equal(big.stats().queued, 9);
  big.close();

  // close(): requests in flight are aborted, the queue is emptied, nothing else is sent.
  sender.close();
  assert.deepEqual(sender.stats().queued, 0);
  sender.send(event(-1));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(sender.stats().inFlight, 0);
  assert.equal(calls, 8, 'no request after close (4 of them were the byte-bound sender\'s)');
  for (const resolve of pending) resolve(new Response('late'));
});

test('a rejecting endpoint with retries pending keeps the same bound', async () => {
  let calls = 0;
  const refusing = async () => {
    calls++;
    throw new TypeError('fetch failed');
  };
  const sender = createWebhookSender({ url: 'http://127.0.0.1:9/hook', fetch: refusing, maxQueued: 20, maxAttempts: 50 });
  for (let i = 0; i < 1000; i++) {
    sender.send(event(i));
    if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.ok(sender.stats().queued <= 20);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(sender.stats().queued <= 20);
  assert.ok(sender.stats().dropped >= 1000 - 20 - 4);
  assert.ok(calls >= 4);
  sender.close();
});

test('bad webhook options are refused before anything listens', async () => {
  assert.throws(() => createWebhookSender({ url: 'ftp://example.com/hook' }), WebhookConfigError);
  assert.throws(() => createWebhookSender({ url: 'not a url' }), WebhookConfigError);
  assert.throws(() => createWebhookSender({ url: 'https://example.com/', secret: 42 }), WebhookConfigError);
  assert.throws(() => createWebhookSender({ url: 'https://example.com/', maxQueued: 0 }), WebhookConfigError);
  const dataDir = mkdtempSync(join(tmpdir(), 'oa-webhook-'));
  try {
    for (const webhook of [{ url: 'file:///etc/passwd' }, { url: '' }, { url: 'http://x/', secret: {} }]) {
      await assert.rejects(startServer({ port: 0, dataDir, webhook }), ServerConfigError, JSON.stringify(webhook));
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
