// ArtifactsRepo: the Durable Object of one repo (DESIGN.md "Where it runs").
// Its SQLite holds the repo's objects, refs, HEAD, tokens and shallow
// boundary; the core's RepoObject (core/include/open_artifacts/repo_object.h)
// does everything with them. Git requests come here straight from the
// Worker's fetch; the namespace object (namespace-object.js) calls the steps
// of create, fork, import and delete; repo handles call the rest.
import { DurableObject } from 'cloudflare:workers';
import { commitPayload, coreHolder, keepTypeMismatches } from '../artifacts.js';
import { DurableObjectSqliteStorage } from '../durable-object-storage.js';
import { makeArtifactsError } from '../errors.js';
import { makeGitFetch, nextTick } from '../git-fetch.js';
import { platformHost } from '../host.js';
import { runImport } from '../import.js';
import { loadCore } from '../workerd.js';
import { limitsJson } from './config.js';
import { namespaceObject, repoObject } from './names.js';

// Rows a destroy step deletes before yielding.
const DESTROY_ROWS = 512;

// A core job (git session, import) whose repo may be emptied or replaced
// while it awaits its next input: each call first checks that this object
// still holds the repo the job began with (`current()`), so a push or an
// import that outlives its repo never writes into the next one of that name.
function guardJob(job, current, gone) {
  const guarded = Object.create(null);
  for (const name of ['write', 'pump', 'finish', 'nextRequest', 'beginResponse', 'endResponse', 'failUnreachable', 'refuseAddress']) {
    guarded[name] = (...args) => {
      if (!current()) throw gone();
      return job[name](...args);
    };
  }
  for (const name of ['read', 'progress', 'result', 'delete']) guarded[name] = (...args) => job[name](...args);
  return guarded;
}

export class ArtifactsRepo extends DurableObject {
  #holder;
  #copies = new Map(); // fork copies out of this repo in progress: job id -> core RecordCopy
  // Moves on whenever the store is emptied or re-initialized (guardJob).
  #generation = 0;

  constructor(ctx, env) {
    super(ctx, env);
    const store = new DurableObjectSqliteStorage(ctx.storage).repo('repo');
    this.#holder = coreHolder(loadCore, (core) => new core.RepoObject(store, platformHost, limitsJson(env), makeArtifactsError));
  }

  async #use(fn) {
    const repo = await this.#holder.get();
    try {
      return await fn(repo);
    } catch (e) {
      throw this.#holder.checkTrap(e);
    }
  }

  // The core's JSON calls (repo_object.h): identity, markReady, finishCopy,
  // listTokens, revokeToken, revokeTokenById, readTree, readCommit, log, ...
  call(method, args) {
    return this.#use((repo) => JSON.parse(repo.call(method, JSON.stringify(args, keepTypeMismatches))));
  }

  // A new repo here: whatever a crashed or deleted predecessor left goes
  // first, then the identity, HEAD and the initial write token.
  async begin(identity, defaultBranch) {
    this.#generation += 1;
    while (!(await this.call('destroy', [null, DESTROY_ROWS]))) await nextTick();
    return this.call('initialize', [identity, defaultBranch]);
  }

  // Removes the repo `id`'s store (another repo's is left alone). Not while
  // a fork copies out of it: { done: false } keeps its release queued.
  async destroy(id) {
    if (this.#copies.size > 0) return { done: false, tokenIds: [] };
    const identity = await this.call('identity', []);
    const tokenIds = identity?.id === id ? await this.call('tokenIds', []) : [];
    if (identity?.id === id) this.#generation += 1;
    while (!(await this.call('destroy', [id, DESTROY_ROWS]))) await nextTick();
    return { done: true, tokenIds };
  }

  // The token's repo goes into the namespace's hints (REST revokes by id alone).
  async createToken(id, scope, ttl) {
    const minted = await this.call('createToken', [id, scope, ttl]);
    const identity = await this.call('identity', []);
    await namespaceObject(this.env, identity.namespace).noteTokenRepo(minted.id, identity.name);
    return minted;
  }

  // readBlob [id, hash] / readFile [id, {ref, path}]: a Blob (or null).
  readBytes(method, args) {
    return this.#use((repo) => {
      const result = repo.readBytes(method, JSON.stringify(args, keepTypeMismatches));
      return result === null ? null : new Blob([result.bytes], { type: result.type });
    });
  }

  async commit(id, args) {
    const { json, contents } = commitPayload(args);
    const result = await this.#use((repo) => JSON.parse(repo.commit(JSON.stringify([id, json], keepTypeMismatches), contents)));
    await this.#reportPush();
    return result;
  }

  // A check that this object still holds the repo it holds now (guardJob).
  #stillCurrent() {
    const generation = this.#generation;
    return () => this.#generation === generation;
  }

  #gone() {
    return this.#holder.coreError('NOT_FOUND', 'Repository was deleted');
  }

  // Git smart HTTP for this repo (the core checks the URL names it, and its tokens).
  fetch(request) {
    const current = this.#stillCurrent();
    return makeGitFetch(
      async () => {
        const repo = await this.#holder.get();
        return { openGit: (json) => guardJob(repo.openGit(json), current, () => this.#gone()) };
      },
      (e) => this.#holder.checkTrap(e),
      () => this.ctx.waitUntil(this.#reportPush()),
    )(request);
  }

  // A push moved refs: the namespace's record shows it (lastPushAt, updatedAt).
  async #reportPush() {
    const pushed = await this.#use((repo) => repo.takePushed());
    if (!pushed) return;
    const identity = await this.call('identity', []);
    if (identity) await namespaceObject(this.env, identity.namespace).recordPush(identity.name, identity.id).catch(() => {});
  }

  // ---- A fork out of this repo: batches of object records, then the heads.
  // The copy checks at every step that this object still holds repo `id`
  // (core/api/repo_object.cpp); its job id is random, so a fork whose parent
  // object restarted meanwhile never reads another fork's copy.
  async copyOut(id, options) {
    const copy = await this.#use((repo) => repo.copyOut(JSON.stringify([id, options], keepTypeMismatches)));
    const job = crypto.randomUUID();
    this.#copies.set(job, copy);
    return job;
  }

  #copy(job) {
    const copy = this.#copies.get(job);
    if (!copy) throw this.#holder.coreError('INTERNAL_ERROR', 'the fork lost its source (the parent object restarted)');
    return copy;
  }

  // The next encoded batch (at most about 8 MB), or null when none is left.
  copyNext(job, maxObjects) {
    return this.#use(() => this.#copy(job).next(maxObjects));
  }

  copyHeads(job) {
    return this.#use(() => ({ heads: JSON.parse(this.#copy(job).heads()), objects: this.#copy(job).objectsCopied() }));
  }

  copyEnd(job) {
    this.#copies.get(job)?.delete();
    this.#copies.delete(job);
  }

  // ---- A fork into this repo: pulled from the parent's object batch by
  // batch (the next one is asked for while this one is written), then the
  // parent's heads. Resolves to { objects } copied.
  async forkFrom(id, parent, { defaultBranchOnly, maxObjects }) {
    const source = repoObject(this.env, parent.namespace, parent.name);
    const job = await source.copyOut(parent.id, { defaultBranchOnly });
    try {
      let next = source.copyNext(job, maxObjects);
      try {
        for (;;) {
          const batch = await next;
          if (batch === null) break;
          next = source.copyNext(job, maxObjects);
          await this.#use((repo) => repo.copyIn(id, batch));
        }
      } catch (e) {
        next.catch(() => {}); // the batch asked for ahead is not wanted any more
        throw e;
      }
      const { heads, objects } = await source.copyHeads(job);
      await this.call('finishCopy', [id, heads]);
      return { objects };
    } finally {
      await source.copyEnd(job).catch(() => {}); // the copy's own error, if any, is the one to report
    }
  }

  // ---- An import into this repo: the fetch runs here, next to the storage.
  importFrom(id, source, { allowHttp, allowPrivate }) {
    const current = this.#stillCurrent();
    return this.#use((repo) =>
      runImport({ openImport: (args, http, priv) => guardJob(repo.importInto(args, http, priv), current, () => this.#gone()) }, [id, source], {
        fetchFn: (request) => globalThis.fetch(request),
        allowHttp: allowHttp === true,
        allowPrivate: allowPrivate === true,
        toJson: keepTypeMismatches,
      }),
    );
  }
}
