// The same binding surface inside real workerd (npm `workerd`), bundled as
// wrangler would: the wasm is imported as a compiled WebAssembly.Module and
// code generation is disallowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBundledWorker } from './workerd-harness.mjs';

test('the package runs in workerd', async () => {
  const worker = await startBundledWorker('worker.mjs');
  const output = worker.output;
  try {
    const res = await worker.fetch(`${worker.url}/`);
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
    assert.doesNotMatch(output(), /error/i, output());
  } finally {
    worker.stop();
  }
});
