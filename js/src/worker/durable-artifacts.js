// An `Artifacts` binding object (workers-types' Artifacts / ArtifactsRepo)
// for one namespace, over the Worker's Durable Objects: namespace methods go
// to the namespace's object, a repo handle's methods to the repo's own object
// (info excepted: metadata lives in the registry). The RPC binding
// (binding.js) and the REST API (index.js) both use it. Translation only:
// every rule and error comes from the core in the objects.
import { ArtifactsError } from '../errors.js';
import { namespaceObject, repoObject } from './names.js';

// An error thrown in a Durable Object arrives as a plain Error that keeps
// name, code, numericCode and message (Workers RPC); this makes it an
// ArtifactsError again, with the HTTP status of its code (the core's table).
export function reviveError(e, errorCodes) {
  if (e instanceof ArtifactsError || e?.name !== 'ArtifactsError' || typeof e.code !== 'string') return e;
  const httpStatus = e.httpStatus ?? errorCodes?.[e.code]?.httpStatus ?? 500;
  return new ArtifactsError(e.code, e.numericCode, e.message, e.pointer, httpStatus);
}

const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

// scope: config.js scopeOf(); errorCodes: the core's table (for reviveError).
export function durableArtifacts(env, scope, errorCodes) {
  const namespace = () => namespaceObject(env, scope.namespace);
  const repo = (name) => repoObject(env, scope.namespace, name);
  const revived = async (promise) => {
    try {
      return await promise;
    } catch (e) {
      throw reviveError(e, errorCodes);
    }
  };

  class ArtifactsRepoHandle {
    #name;
    #id;
    constructor(name, id) {
      this.#name = name;
      this.#id = id;
    }
    #repo(method, args) {
      return revived(repo(this.#name).call(method, [this.#id, ...args]));
    }
    info() {
      return revived(namespace().info(scope, this.#name, this.#id));
    }
    createToken(tokenScope, ttl) {
      return revived(repo(this.#name).createToken(this.#id, tokenScope, ttl));
    }
    // opts (our extension, the REST list's): { state, perPage, page }.
    listTokens(opts) {
      return this.#repo('listTokens', opts === undefined ? [] : [opts]);
    }
    revokeToken(tokenOrId) {
      return this.#repo('revokeToken', [tokenOrId]);
    }
    readBlob(hash) {
      return revived(repo(this.#name).readBytes('readBlob', [this.#id, hash]));
    }
    readTree(hash) {
      return this.#repo('readTree', [hash]);
    }
    readCommit(hash) {
      return this.#repo('readCommit', [hash]);
    }
    readFile(args) {
      return revived(repo(this.#name).readBytes('readFile', [this.#id, args]));
    }
    log(opts) {
      return this.#repo('log', [opts]);
    }
    // The result also carries `objects`, the object records copied.
    fork(name, opts) {
      return revived(namespace().fork(scope, this.#name, this.#id, name, opts));
    }
    commit(args) {
      return revived(repo(this.#name).commit(this.#id, args));
    }
    [dispose]() {}
  }

  return {
    create: (name, opts) => revived(namespace().create(scope, name, opts)),
    get: async (name) => {
      const { id, name: storedName } = await revived(namespace().get(scope, name));
      return new ArtifactsRepoHandle(storedName, id);
    },
    list: (opts) => revived(namespace().list(scope, opts)),
    delete: (name) => revived(namespace().delete(scope, name)),
    import: (params) => revived(namespace().import(scope, params)),
    // ---- The REST API's extras (artifacts.js has the same).
    namespaceInfo: () => revived(namespace().namespaceInfo(scope)),
    createNamespace: (opts) => revived(namespace().createNamespace(scope, opts)),
    deleteNamespace: () => revived(namespace().deleteNamespace(scope)),
    deleteRepo: (name) => revived(namespace().deleteRepo(scope, name)),
    revokeTokenById: (id) => revived(namespace().revokeTokenById(scope, id)),
  };
}
