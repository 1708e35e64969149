// ArtifactsBinding: the `Artifacts` binding over Workers RPC. Any Worker
// declares
//   "services": [{ "binding": "ARTIFACTS", "service": "<this Worker>", "entrypoint": "ArtifactsBinding" }]
// and calls env.ARTIFACTS.create/get/list/delete/import, and the methods of
// the repo handle get() answers, as with Cloudflare's own binding. The
// namespace is the binding's props.namespace, else ARTIFACTS_NAMESPACE, else
// "default". Errors arrive as Errors that keep name ("ArtifactsError"),
// code, numericCode and message (not instances of a class of the caller's).
import { RpcTarget, WorkerEntrypoint } from 'cloudflare:workers';
import { loadCore } from '../workerd.js';
import { scopeOf } from './config.js';
import { durableArtifacts } from './durable-artifacts.js';

let errorCodes;
const coreErrorCodes = async () => (errorCodes ??= JSON.parse((await loadCore()).errorCodes()));

// The handle as an RpcTarget: each method forwards to the Durable Object one.
class ArtifactsRepoTarget extends RpcTarget {
  #handle;
  constructor(handle) {
    super();
    this.#handle = handle;
  }
  info() {
    return this.#handle.info();
  }
  createToken(scope, ttl) {
    return this.#handle.createToken(scope, ttl);
  }
  listTokens(opts) {
    return this.#handle.listTokens(opts);
  }
  revokeToken(tokenOrId) {
    return this.#handle.revokeToken(tokenOrId);
  }
  readBlob(hash) {
    return this.#handle.readBlob(hash);
  }
  readTree(hash) {
    return this.#handle.readTree(hash);
  }
  readCommit(hash) {
    return this.#handle.readCommit(hash);
  }
  readFile(args) {
    return this.#handle.readFile(args);
  }
  log(opts) {
    return this.#handle.log(opts);
  }
  fork(name, opts) {
    return this.#handle.fork(name, opts);
  }
  commit(args) {
    return this.#handle.commit(args);
  }
}

export class ArtifactsBinding extends WorkerEntrypoint {
  async #artifacts() {
    const namespace = this.ctx.props?.namespace ?? this.env.ARTIFACTS_NAMESPACE ?? 'default';
    return durableArtifacts(this.env, scopeOf(this.env, namespace), await coreErrorCodes());
  }
  async create(name, opts) {
    return (await this.#artifacts()).create(name, opts);
  }
  async get(name) {
    return new ArtifactsRepoTarget(await (await this.#artifacts()).get(name));
  }
  async list(opts) {
    return (await this.#artifacts()).list(opts);
  }
  async delete(name) {
    return (await this.#artifacts()).delete(name);
  }
  async import(params) {
    return (await this.#artifacts()).import(params);
  }
}
