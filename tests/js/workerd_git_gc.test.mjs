// Git clients against the Worker entry (examples/cloudflare/src/index.js,
// bundled as wrangler does) while the isolate collects garbage: concurrent
// pushes and clones of three repos, each repo's git served by its own Durable
// Object. workerd drains a Response body returned from a Durable Object
// without keeping the JS ReadableStream object reachable, so a git session
// tied to the stream object's lifetime (git-fetch.js registered it with a
// FinalizationRegistry) was freed while its body was still read: "Cannot pass
// deleted object as a pointer of type GitSession*" in workerd's log, pushes
// rejected with "stale ref". Run verbose, so every uncaught error is logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker, startWorkerd } from './workerd-harness.mjs';
import { startGitHarness } from './git-harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let w;
let gh;

before(async () => {
  const modules = await bundleWorker(join(root, 'examples/cloudflare/src/index.js'), join(root, 'build/test-output/workerd-git-gc'));
  w = await startWorkerd({
    verbose: true,
    services: [
      {
        name: 'open-artifacts',
        modules,
        durableObjects: [
          { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES' },
          { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS' },
        ],
        bindings: [{ name: 'ARTIFACTS_API_TOKEN', text: 'git-gc-test-api-token-0123' }],
      },
    ],
  });
  gh = await startGitHarness();
});

after(async () => {
  await w?.dispose();
  await gh?.close();
});

test('concurrent pushes and clones through the Worker entry all succeed, and no git session is freed while its body is read', async () => {
  const repos = [];
  for (let r = 0; r < 3; r++) {
    const res = await fetch(`${w.url}/client/v4/accounts/a/artifacts/namespaces/default/repos`, {
      method: 'POST',
      headers: { authorization: 'Bearer git-gc-test-api-token-0123', 'content-type': 'application/json' },
      body: JSON.stringify({ name: `busy-${r}` }),
    });
    assert.equal(res.status, 201);
    const { result } = await res.json();
    const work = gh.path(`work-${r}`);
    await gh.git(['init', '-q', '-b', 'main', work]);
    repos.push({ ...result, work });
  }
  const failures = [];
  for (let round = 0; round < 6; round++) {
    await Promise.all(
      repos.map(async (repo) => {
        // Incompressible bytes and repetitive text: packs of some size, deltas.
        const head = await gh.commit(repo.work, { [`blob-${round}.bin`]: randomBytes(256 * 1024), [`text-${round}.txt`]: `line ${round}\n`.repeat(2000) }, `round ${round}`);
        const push = await gh.run(['push', '-q', repo.remote, 'main'], { cwd: repo.work, token: repo.token });
        if (push.code !== 0) failures.push(`push ${repo.name} round ${round}: ${push.stderr.trim()}`);
        const clone = gh.path(`clone-${repo.name}-${round}`);
        const cloned = await gh.run(['clone', '-q', repo.remote, clone], { token: repo.token });
        if (cloned.code !== 0) failures.push(`clone ${repo.name} round ${round}: ${cloned.stderr.trim()}`);
        else if ((await gh.head(clone)) !== head) failures.push(`clone ${repo.name} round ${round}: not at ${head}`);
      }),
    );
  }
  assert.deepEqual(failures, []);
  const errors = w.output().split('\n').filter((line) => /deleted object|uncaught exception|error:/i.test(line));
  assert.deepEqual(errors, [], w.output());
});
