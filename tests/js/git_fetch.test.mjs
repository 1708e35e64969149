// The JS side of the git server: artifacts.fetch (js/src/git-fetch.js) pumping
// bytes between web streams and a core session (scripted mock sessions here),
// back-pressure through the Node server, and the real core's sessions freed
// exactly once; git_smoke.test.mjs runs real git clients end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startServer } from '../../js/src/server.js';
import { makeGitFetch } from '../../js/src/git-fetch.js';
import { loadCore } from 'open-artifacts';
import { cloneCommitPushClone, haveGit, startGitHarness } from './git-harness.mjs';

// A scripted session: records calls, answers `head` and then `chunks`.
function mockNamespace({ head = { status: 200, headers: { 'Content-Type': 'application/x-test' } }, chunks = [], failWrite, failRead } = {}) {
  const log = { opened: [], written: [], pumps: 0, finished: 0, reads: 0, deleted: 0 };
  const ns = {
    openGit(json) {
      log.opened.push(JSON.parse(json));
      let i = 0;
      return {
        // Like the core: a write may leave work pending, done by pump() calls.
        write(chunk) {
          assert.ok(chunk instanceof Uint8Array);
          if (failWrite) throw new Error('write failed');
          log.written.push(Buffer.from(chunk).toString());
          return log.written.length % 2 === 0;
        },
        pump() {
          log.pumps++;
          return true;
        },
        finish() {
          log.finished++;
          return JSON.stringify(head);
        },
        read() {
          log.reads++;
          if (failRead && i === failRead) throw new Error('read failed');
          return i < chunks.length ? new TextEncoder().encode(chunks[i++]) : null;
        },
        delete() {
          log.deleted++;
        },
      };
    },
  };
  return { fetch: makeGitFetch(async () => ns), log };
}

function streamOf(parts) {
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(new TextEncoder().encode(p));
      controller.close();
    },
  });
}

test('fetch: request forwarded as JSON, body streamed in, response streamed out, delete once', async () => {
  const { fetch, log } = mockNamespace({ chunks: ['00', '11', '22'] });
  const request = new Request('http://h:1/git/default/r.git/git-upload-pack?x=1', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Git-Protocol': 'version=2', 'X-Other': 'no', Authorization: 'Bearer t' },
    body: streamOf(['aa', 'bb', 'cc']),
    duplex: 'half',
  });
  const res = await fetch(request);
  assert.deepEqual(log.opened, [
    {
      method: 'POST',
      path: '/git/default/r.git/git-upload-pack',
      query: '?x=1',
      headers: { authorization: 'Bearer t', 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2' },
    },
  ]);
  assert.deepEqual(log.written.join(''), 'aabbcc');
  assert.equal(log.pumps, 2, 'pending work after a write is pumped before the next write');
  assert.equal(log.finished, 1);
  assert.equal(log.reads, 0, 'nothing is read before the consumer asks');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-test');
  assert.equal(await res.text(), '001122');
  assert.equal(log.deleted, 1);
});

test('fetch: GET has no body to write; an empty query is ""', async () => {
  const { fetch, log } = mockNamespace({ chunks: ['x'] });
  const res = await fetch(new Request('http://h/git/default/r.git/info/refs'));
  assert.deepEqual(log.opened[0], { method: 'GET', path: '/git/default/r.git/info/refs', query: '', headers: {} });
  assert.equal(log.written.length, 0);
  assert.equal(await res.text(), 'x');
  assert.equal(log.deleted, 1);
});

test('fetch: the response body is pulled chunk by chunk', async () => {
  const { fetch, log } = mockNamespace({ chunks: ['a', 'b', 'c'] });
  const res = await fetch(new Request('http://h/git/x'));
  const reader = res.body.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'a');
  assert.ok(log.reads <= 2, `read ahead at most one chunk (${log.reads})`);
  await reader.read();
  await reader.read();
  assert.equal(log.deleted, 0);
  assert.equal((await reader.read()).done, true);
  assert.equal(log.deleted, 1);
});

test('fetch: cancelling the response body deletes the session once', async () => {
  const { fetch, log } = mockNamespace({ chunks: ['a', 'b', 'c'] });
  const res = await fetch(new Request('http://h/git/x'));
  const reader = res.body.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(log.deleted, 1);
});

test('fetch: an error while writing the body rejects and deletes the session', async () => {
  const { fetch, log } = mockNamespace({ failWrite: true });
  let cancelled = false;
  const body = new ReadableStream({
    pull(controller) {
      controller.enqueue(new Uint8Array([1]));
    },
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(fetch(new Request('http://h/git/x', { method: 'POST', body, duplex: 'half' })), /write failed/);
  assert.equal(log.deleted, 1);
  assert.equal(log.finished, 0);
  assert.ok(cancelled, 'the request body is cancelled');
});

test('fetch: an error while reading errors the body stream and deletes the session', async () => {
  const { fetch, log } = mockNamespace({ chunks: ['a', 'b'], failRead: 1 });
  const res = await fetch(new Request('http://h/git/x'));
  await assert.rejects(res.text(), /read failed/);
  assert.equal(log.deleted, 1);
});

test('fetch: status and headers come from finish(); null-body statuses get no body', async () => {
  const unauthorized = mockNamespace({ head: { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="x"' } }, chunks: ['no'] });
  const res = await unauthorized.fetch(new Request('http://h/git/x'));
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Basic realm="x"');
  assert.equal(await res.text(), 'no');

  const empty = mockNamespace({ head: { status: 204, headers: {} }, chunks: ['ignored'] });
  const res204 = await empty.fetch(new Request('http://h/git/x'));
  assert.equal(res204.status, 204);
  assert.equal(res204.body, null);
  assert.equal(empty.log.deleted, 1);
});

const gitMissing = !(await haveGit());

// A core whose git sessions stream an endless body, counting read/delete calls.
function endlessCore(realLoadCore) {
  const stats = { reads: 0, deleted: 0 };
  const loadCore = async () => {
    const real = await realLoadCore();
    function Namespace(...args) {
      const ns = new real.Namespace(...args);
      ns.openGit = () => ({
        write() {},
        finish: () => JSON.stringify({ status: 200, headers: { 'Content-Type': 'application/octet-stream' } }),
        read() {
          stats.reads++;
          return new Uint8Array(16 * 1024).fill(65);
        },
        delete() {
          stats.deleted++;
        },
      });
      return ns;
    }
    Namespace.prototype.openGit = () => {};
    return { ...real, Namespace };
  };
  return { loadCore, stats };
}

async function until(condition, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('server: a slow client holds the core back (back-pressure); a client that goes away frees the session', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oa-bp-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const core = endlessCore(loadCore);
  const server = await startServer({ port: 0, dataDir, loadCore: core.loadCore });
  t.after(() => server.close({ graceMs: 100 }));

  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.write(`GET /git/default/r.git/info/refs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  let received = 0;
  socket.on('data', (d) => {
    received += d.length;
    if (received > 1024 * 1024) socket.pause(); // then read nothing more
  });
  await until(() => received > 1024 * 1024, 'the first MiB');
  await new Promise((r) => setTimeout(r, 300));
  const readsWhilePaused = core.stats.reads;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(core.stats.reads, readsWhilePaused, 'no read() while the client reads nothing');
  assert.ok(readsWhilePaused * 16 * 1024 < 64 * 1024 * 1024, `bounded buffering (${readsWhilePaused} chunks)`);
  assert.equal(core.stats.deleted, 0);
  socket.destroy();
  await until(() => core.stats.deleted === 1, 'delete() after the client left');
});

// The real core's sessions, counted: every one artifacts.fetch opens is deleted exactly once.
test('with the real core: every git session is deleted exactly once', { skip: gitMissing && 'git not installed' }, async (t) => {
  const stats = { opened: 0, deleted: 0 };
  const countingCore = async () => {
    const real = await loadCore();
    function Namespace(...args) {
      const ns = new real.Namespace(...args);
      const openGit = ns.openGit.bind(ns);
      ns.openGit = (json) => {
        const session = openGit(json);
        stats.opened++;
        const free = session.delete.bind(session);
        session.delete = () => {
          stats.deleted++;
          free();
        };
        return session;
      };
      return ns;
    }
    Namespace.prototype.openGit = real.Namespace.prototype.openGit;
    return { ...real, Namespace };
  };
  const h = await startGitHarness({ loadCore: countingCore });
  t.after(() => h.close());
  await cloneCommitPushClone(h, { name: 'counted', protocol: 2, auth: 'url' });
  const failed = await h.run(['clone', h.remote('counted'), h.path('denied')], { protocol: 2 }); // 401s
  assert.notEqual(failed.code, 0);
  assert.ok(stats.opened > 6);
  assert.equal(stats.deleted, stats.opened);
});
