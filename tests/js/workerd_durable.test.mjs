// open-artifacts/worker in real workerd: one Durable Object per namespace and
// one per repo, SQLite on disk. What the topology itself must guarantee:
// every step of create, fork and delete crosses objects and leaves no half
// state; a repo's object holds its data alone; a name re-created after a
// delete starts empty; errors cross objects with their codes and pointers;
// and the state survives a restart. (Git clients against the Worker:
// workerd_git.test.mjs; the RPC binding: workerd_binding.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startBundledWorker } from './workerd-harness.mjs';

const run = promisify(execFile);
const git = (args, opts) => run('git', args, { ...opts, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

const DURABLE_OBJECTS = [
  { className: 'ArtifactsNamespace', binding: 'ARTIFACTS_NAMESPACES', uniqueKey: 'oa-namespaces' },
  { className: 'ArtifactsRepo', binding: 'ARTIFACTS_REPOS', uniqueKey: 'oa-repos' },
];
const API_TOKEN = 'durable-test-api-token-0123';

const start = (stateDir) =>
  startBundledWorker('durable-worker.mjs', { durableObjects: DURABLE_OBJECTS, stateDir, vars: { ARTIFACTS_API_TOKEN: API_TOKEN } });

function restClient(worker) {
  const base = `${worker.url}/client/v4/accounts/acct/artifacts`;
  return async (method, path, body) => {
    const res = await worker.fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body && JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
}

async function pushCommits(remote, token, count, dir) {
  await git(['init', '-q', '-b', 'main', dir]);
  for (let i = 0; i < count; i++) {
    writeFileSync(join(dir, `f${i}.txt`), `file ${i}\n`);
    await git(['-C', dir, 'add', '.']);
    await git(['-C', dir, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-qm', `c${i}`]);
  }
  await git(['-C', dir, '-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '-q', remote, 'main']);
}

const repoFiles = (stateDir) => readdirSync(join(stateDir, 'oa-repos')).filter((f) => /^[0-9a-f]{64}\.sqlite$/.test(f));

test('create, push, fork, delete and re-create across namespace and repo objects', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'oa-durable-'));
  const work = mkdtempSync(join(tmpdir(), 'oa-durable-work-'));
  t.after(() => {
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  let worker = await start(stateDir);
  try {
    const api = restClient(worker);
    const created = await api('POST', '/namespaces/team/repos', { name: 'Parent', description: 'p' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { remote, token, id } = created.json.result;
    assert.equal(remote, `${worker.url}/git/team/Parent.git`);
    await pushCommits(remote, token, 5, join(work, 'src'));

    // A git URL naming the repo in another case reaches the same object (names are unique case-insensitively).
    const { stdout: heads } = await git(['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'ls-remote', `${worker.url}/git/team/parent.git`]);
    assert.match(heads, /refs\/heads\/main/);

    const parent = await api('GET', '/namespaces/team/repos/Parent');
    assert.ok(parent.json.result.last_push_at, 'the repo object told the registry about the push');

    const fork = await api('POST', '/namespaces/team/repos/Parent/fork', { name: 'child', default_branch_only: false });
    assert.equal(fork.status, 201, JSON.stringify(fork.json));
    assert.equal(fork.json.result.objects, 15, '5 commits, 5 trees, 5 blobs copied as records');
    const childLog = await api('GET', '/namespaces/team/repos/child/log');
    const parentLog = await api('GET', '/namespaces/team/repos/Parent/log');
    assert.deepEqual(childLog.json.result, parentLog.json.result);
    assert.equal((await api('GET', '/namespaces/team/repos/child')).json.result.source, 'artifacts:team/Parent');
    assert.equal(repoFiles(stateDir).length, 2, 'one object (SQLite database) per repo');

    // Errors from inside the objects keep their code, status and pointer.
    const taken = await api('POST', '/namespaces/team/repos', { name: 'parent' });
    assert.equal(taken.status, 409);
    assert.equal(taken.json.errors[0].code, 10201);
    const badFork = await api('POST', '/namespaces/team/repos/Parent/fork', { name: 'no good' });
    assert.equal(badFork.status, 400);
    assert.equal(badFork.json.errors[0].code, 10101);
    assert.deepEqual(badFork.json.errors[0].source, { pointer: '/name' });
    assert.equal((await api('GET', '/namespaces/team/repos/missing')).status, 404);

    // Tokens: minted in the repo's object, revoked by id through the namespace's.
    const minted = await api('POST', '/namespaces/team/tokens', { repo: 'child', scope: 'read' });
    assert.equal(minted.status, 201, JSON.stringify(minted.json));
    const childRemote = fork.json.result.remote;
    const readAuth = ['-c', `http.extraHeader=Authorization: Bearer ${minted.json.result.plaintext}`];
    await git([...readAuth, 'ls-remote', childRemote]);
    assert.equal((await api('DELETE', `/namespaces/team/tokens/${minted.json.result.id}`)).status, 200);
    await assert.rejects(git([...readAuth, 'ls-remote', childRemote]), /403|Invalid or expired token/);

    // Delete: the repo's object loses everything; the same name starts empty.
    assert.equal((await api('DELETE', '/namespaces/team/repos/Parent')).status, 202);
    await assert.rejects(git(['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'ls-remote', remote]), /not found/i);
    const again = await api('POST', '/namespaces/team/repos', { name: 'parent' });
    assert.equal(again.status, 201);
    assert.notEqual(again.json.result.id, id);
    assert.equal((await api('GET', '/namespaces/team/repos/parent/log')).json.result.length, 0, 'nothing of the old repo is left');
    await assert.rejects(git(['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'ls-remote', again.json.result.remote]), /403|Invalid/);

    // A git request for a repo that does not exist stores nothing.
    await assert.rejects(git(['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'ls-remote', `${worker.url}/git/team/nobody-here.git`]));
    await worker.stop();
    // Two repos hold data; the object the unknown name reached wrote nothing (not even its table).
    const withData = repoFiles(stateDir).filter((f) => {
      const db = new Database(join(stateDir, 'oa-repos', f), { readonly: true });
      try {
        return db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'kv'").get().n > 0;
      } finally {
        db.close();
      }
    });
    assert.equal(withData.length, 2);

    // Everything is on disk: a restart serves the same repos.
    worker = await start(stateDir);
    const api2 = restClient(worker);
    const list = await api2('GET', '/namespaces/team/repos?sort=name&direction=asc');
    assert.deepEqual(list.json.result.map((r) => [r.name, r.status]), [['child', 'ready'], ['parent', 'ready']]);
    const clone = join(work, 'clone');
    await git(['-c', `http.extraHeader=Authorization: Bearer ${fork.json.result.token}`, 'clone', '-q', fork.json.result.remote.replace(/:\d+\//, `:${new URL(worker.url).port}/`), clone]);
    await git(['-C', clone, 'fsck', '--strict']);
    assert.equal((await git(['-C', clone, 'rev-list', '--count', 'HEAD'])).stdout.trim(), '5');
    assert.doesNotMatch(worker.output(), /uncaught|internal error/i, worker.output());
  } finally {
    await worker.stop();
  }
});
