// The same binding surface inside real workerd (npm `workerd`): the wasm is
// imported as a compiled WebAssembly.Module and code generation is disallowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function fetchWhenUp(url, child, log) {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${log()}`);
    try {
      return await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`workerd did not start: ${log()}`);
}

test('the package runs in workerd', async () => {
  const port = await freePort();
  const child = spawn(`${root}/node_modules/.bin/workerd`, ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], {
    cwd: `${root}/tests/workerd`,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  try {
    const res = await fetchWhenUp(`http://127.0.0.1:${port}/`, child, () => output);
    const report = await res.json();
    assert.equal(report.crash, undefined, report.crash);
    assert.equal(report.created.name, 'from-worker');
    assert.equal(report.created.remote, 'https://example.test/git/workers/from-worker.git');
    assert.match(report.created.token, /^art_v1_[0-9a-f]{40}\?expires=\d+$/);
    assert.equal(report.info.description, 'made in workerd');
    assert.equal(report.info.id, report.created.id);
    assert.equal(report.token.scope, 'read');
    assert.equal(report.tokens.total, 2);
    assert.equal(report.revoked, true);
    assert.equal(report.list.total, 1);
    assert.equal(report.list.repos[0].status, 'ready');
    assert.deepEqual(report.error, {
      isArtifactsError: true,
      name: 'ArtifactsError',
      code: 'INVALID_REPO_NAME',
      numericCode: 10101,
      message: 'Invalid repo name: must match /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/',
    });
    assert.equal(report.forked.name, 'forked');
    assert.equal(report.forked.description, 'fork in workerd');
    assert.equal(report.forkInfo.source, 'artifacts:workers/from-worker');
    assert.equal(report.imported.name, 'imported');
    assert.equal(report.imported.defaultBranch, 'trunk', "the remote's (unborn) HEAD");
    assert.equal(report.importedInfo.source, 'git:https://source.test/git/upstream/upstream-repo.git');
    assert.deepEqual([...new Set(report.importProgress)], ['refs', 'done']);
    assert.equal(report.httpImportError, 'INVALID_INPUT');
    assert.equal(report.deleted, true);
    assert.doesNotMatch(output, /error/i, output);
  } finally {
    child.kill('SIGTERM');
  }
});
