// ArtifactsNamespace: the Durable Object of one namespace (DESIGN.md "Where
// it runs"). Its SQLite holds the registry: names, metadata, status, listing.
// It orchestrates the jobs that cross to repo objects (repo-object.js) in the
// order core/include/open_artifacts/namespace_registry.h sets out, so that a
// crash at any step leaves a record that lapses or a queued release, never a
// repo listed or cloned as ready before it is. Git never comes here.
//
// Every method takes a scope { namespace, baseUrl, allowHttpImport,
// allowPrivateImport } (config.js scopeOf) first: remote URLs are spelled
// with the caller's base URL.
import { DurableObject } from 'cloudflare:workers';
import { coreHolder, keepTypeMismatches } from '../artifacts.js';
import { DurableObjectSqliteStorage } from '../durable-object-storage.js';
import { makeArtifactsError } from '../errors.js';
import { platformHost } from '../host.js';
import { loadCore } from '../workerd.js';
import { limitsJson } from './config.js';
import { namespaceIndex, repoObject } from './names.js';

// Objects a fork copies per batch (a batch also stops at about 8 MB: one RPC message stays far under 32 MiB).
const FORK_BATCH_OBJECTS = 4096;
// Core registries kept, one per base URL remotes are spelled with.
const MAX_REGISTRIES = 4;
// Releases handled per step.
const RELEASE_BATCH = 16;
// While a fork or an import fills the repo object, its lease is renewed this often.
const LEASE_RENEW_MS = 20_000;

export class ArtifactsNamespace extends DurableObject {
  #storage;
  #registries = new Map(); // "<namespace> <baseUrl>" -> core holder of a NamespaceRegistry

  constructor(ctx, env) {
    super(ctx, env);
    this.#storage = new DurableObjectSqliteStorage(ctx.storage);
  }

  #holder({ namespace, baseUrl }) {
    const key = `${namespace} ${baseUrl}`;
    let holder = this.#registries.get(key);
    if (!holder) {
      // Remotes spelled with many base URLs (request origins) keep a few registries, not one each.
      if (this.#registries.size >= MAX_REGISTRIES) {
        const [oldest, made] = this.#registries.entries().next().value;
        this.#registries.delete(oldest);
        made.close();
      }
      const store = this.#storage.registry(namespace);
      holder = coreHolder(loadCore, (core) =>
        new core.NamespaceRegistry(store, platformHost, namespace, baseUrl, limitsJson(this.env), makeArtifactsError),
      );
      this.#registries.set(key, holder);
    }
    return holder;
  }

  async #call(scope, method, args) {
    const holder = this.#holder(scope);
    const registry = await holder.get();
    try {
      return JSON.parse(registry.call(method, JSON.stringify(args, keepTypeMismatches)));
    } catch (e) {
      throw holder.checkTrap(e);
    }
  }

  #repo(scope, name) {
    return repoObject(this.env, scope.namespace, name);
  }

  // Removed repos whose store is not released yet (a delete, an abandoned
  // job, a lapsed one reclaimed): each repo object destroys its store. One
  // that is busy (a fork copies out of it) or fails is skipped: a later call
  // releases it. Never throws: the call that triggered it has its own result.
  async #releasePending(scope) {
    const skipped = new Set();
    try {
      for (;;) {
        const pending = (await this.#call(scope, 'pendingReleases', [RELEASE_BATCH + skipped.size])).filter(({ id }) => !skipped.has(id));
        if (pending.length === 0) return;
        for (const { id, name } of pending) {
          if (name) {
            const { done, tokenIds } = await this.#repo(scope, name).destroy(id).catch(() => ({ done: false }));
            if (!done) {
              skipped.add(id);
              continue;
            }
            if (tokenIds.length > 0) await this.#call(scope, 'forgetTokenRepos', [tokenIds]);
          }
          await this.#call(scope, 'released', [id]);
        }
      }
    } catch {
      // left queued
    }
  }

  // A call that may reclaim a lapsed job's record; its release runs after,
  // without holding up the answer.
  async #thenRelease(scope, method, args) {
    try {
      return await this.#call(scope, method, args);
    } finally {
      this.ctx.waitUntil(this.#releasePending(scope));
    }
  }

  // The steps of a job after its record is registered: `fill(pending,
  // target)` fills the initialized repo object; then ready, then the record.
  async #runJob(scope, pending, fill, { after } = {}) {
    const { identity, defaultBranch } = pending;
    const job = [identity.name, identity.id];
    const target = this.#repo(scope, identity.name);
    try {
      const { token, tokenId } = await target.begin(identity, defaultBranch);
      await this.#call(scope, 'noteTokenRepo', [tokenId, identity.name]);
      const filled = (await fill(target, job)) ?? {};
      await target.call('markReady', [identity.id]);
      await namespaceIndex(this.env).indexAdd(scope.namespace); // before the record: once ready, nothing may undo it
      const result = await this.#call(scope, 'complete', [...job, filled.defaultBranch]);
      return { ...result, token, ...after?.(filled) };
    } catch (e) {
      await this.#call(scope, 'abandon', job).catch(() => {});
      await this.#releasePending(scope).catch(() => {});
      throw e;
    }
  }

  // ---- The binding's namespace methods.
  async create(scope, name, options) {
    await this.#releasePending(scope);
    const pending = await this.#call(scope, 'beginCreate', [name, options]);
    return this.#runJob(scope, pending, () => undefined);
  }

  get(scope, name) {
    return this.#thenRelease(scope, 'get', [name]);
  }

  list(scope, options) {
    return this.#thenRelease(scope, 'list', [options]);
  }

  // The repo object is emptied before the answer (git is refused from its first step on).
  async delete(scope, name) {
    const deleted = await this.#call(scope, 'delete', [name]);
    await this.#releasePending(scope);
    return deleted;
  }

  // The fork's object pulls the parent's records from the parent's object,
  // batch by batch; the parent's object refuses to empty its store while the
  // copy runs, and the fork's lease is renewed meanwhile.
  async fork(scope, parentName, parentId, targetName, options) {
    await this.#releasePending(scope);
    const pending = await this.#call(scope, 'beginFork', [parentName, parentId, targetName, options]);
    const parent = { namespace: scope.namespace, ...pending.parent };
    return this.#runJob(
      scope,
      pending,
      (target, job) =>
        this.#renewingLease(scope, job, () =>
          target.forkFrom(job[1], parent, { defaultBranchOnly: pending.defaultBranchOnly, maxObjects: FORK_BATCH_OBJECTS }),
        ),
      { after: ({ objects }) => ({ objects }) },
    );
  }

  // Runs a job step that fills the repo object at length, renewing the job's lease meanwhile.
  async #renewingLease(scope, job, fill) {
    const timer = setInterval(() => this.#call(scope, 'renewLease', job).catch(() => {}), LEASE_RENEW_MS);
    try {
      return await fill();
    } finally {
      clearInterval(timer);
    }
  }

  async import(scope, params) {
    await this.#releasePending(scope);
    const pending = await this.#call(scope, 'beginImport', [params, scope.allowHttpImport, scope.allowPrivateImport]);
    // The fetch runs in the repo object, next to its storage.
    return this.#runJob(scope, pending, (target, job) =>
      this.#renewingLease(scope, job, () =>
        target.importFrom(job[1], pending.source, { allowHttp: scope.allowHttpImport, allowPrivate: scope.allowPrivateImport }),
      ),
    );
  }

  // ---- Repo handles (the rest go to the repo's own object).
  info(scope, name, id) {
    return this.#thenRelease(scope, 'info', [name, id]);
  }

  readyHandle(scope, name, id) {
    return this.#thenRelease(scope, 'readyHandle', [name, id]);
  }

  // ---- Called by repo objects.
  recordPush(name, id) {
    return this.#callAnyScope('recordPush', [name, id]);
  }

  noteTokenRepo(tokenId, name) {
    return this.#callAnyScope('noteTokenRepo', [tokenId, name]);
  }

  // Registry writes that spell no remote URL: the object's own namespace, any base URL.
  #callAnyScope(method, args) {
    return this.#call({ namespace: this.ctx.id.name, baseUrl: 'http://localhost' }, method, args);
  }

  // ---- The REST API's namespace and token calls.
  namespaceInfo(scope) {
    return this.#call(scope, 'namespaceInfo', []);
  }

  async createNamespace(scope, options) {
    const info = await this.#call(scope, 'createNamespace', [options]);
    await namespaceIndex(this.env).indexAdd(scope.namespace);
    return info;
  }

  async deleteNamespace(scope) {
    await this.#releasePending(scope);
    await this.#call(scope, 'deleteNamespace', []);
    await namespaceIndex(this.env).indexRemove(scope.namespace);
    return true;
  }

  async deleteRepo(scope, name) {
    const deleted = await this.#call(scope, 'deleteRepo', [name]);
    await this.#releasePending(scope);
    return deleted;
  }

  // Revokes the token `tokenId` of whichever repo of the namespace minted it.
  async revokeTokenById(scope, tokenId) {
    const name = await this.#call(scope, 'tokenRepo', [tokenId]);
    const revoked = name === null ? null : await this.#repo(scope, name).call('revokeTokenById', [tokenId]);
    if (revoked === null) {
      if (name !== null) await this.#call(scope, 'forgetTokenRepos', [[tokenId]]);
      throw this.#holder(scope).coreError('NOT_FOUND', 'Token not found');
    }
    return { id: tokenId };
  }

  // ---- The namespace index (only on the object named by names.js namespaceIndex).
  #index() {
    this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS namespace_index (name TEXT PRIMARY KEY)');
    return this.ctx.storage.sql;
  }

  indexAdd(name) {
    this.#index().exec('INSERT OR IGNORE INTO namespace_index (name) VALUES (?)', String(name));
  }

  indexRemove(name) {
    this.#index().exec('DELETE FROM namespace_index WHERE name = ?', String(name));
  }

  indexList() {
    return this.#index()
      .exec('SELECT name FROM namespace_index ORDER BY name')
      .toArray()
      .map((row) => row.name);
  }
}
