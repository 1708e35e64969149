// The `Artifacts` binding object (workers-types' Artifacts / ArtifactsRepo),
// as thin Promise wrappers over the wasm core's Namespace.call(method, argsJson).
// Arguments go to the core untouched: every rule and error lives there.
import { makeArtifactsError } from './errors.js';
import { makeEventDrain } from './events.js';
import { makeGitFetch, nextTick } from './git-fetch.js';
import { platformHost } from './host.js';
import { runImport } from './import.js';

const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

// JSON would turn NaN/Infinity into null ("absent") and throw on BigInt; send
// them as objects instead so the core sees a value of the wrong type and
// rejects it like any other.
export function keepTypeMismatches(_key, value) {
  if (typeof value === 'number' && !Number.isFinite(value)) return { nonFiniteNumber: String(value) };
  if (typeof value === 'bigint') return { bigint: String(value) };
  return value;
}

const utf8 = new TextEncoder();

// A commit() file's content as bytes: a typed array, DataView or ArrayBuffer
// as it is, text (without an encoding, or "utf-8") as UTF-8. Undefined for
// anything else, and for text with lone surrogates (no UTF-8 for them: the
// core refuses it rather than store U+FFFD).
function contentBytes(file) {
  if (file === null || typeof file !== 'object') return undefined;
  const { content, encoding } = file;
  if (typeof content === 'string') {
    const plain = encoding === undefined || encoding === 'utf-8';
    return plain && content.isWellFormed?.() !== false ? utf8.encode(content) : undefined;
  }
  if (content instanceof Uint8Array) return content;
  if (ArrayBuffer.isView(content)) return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  if (content instanceof ArrayBuffer) return new Uint8Array(content);
  return undefined;
}

// commit()'s arguments for the core: file contents travel beside the JSON as
// Uint8Arrays (bytes as they are, text as its UTF-8), so the core holds one
// copy of each instead of the JSON text, its parsed form and the bytes.
// Anything else (base64 text, a content of the wrong type) stays in the JSON
// for the core to take or refuse. Returns { json, contents }.
export function commitPayload(args) {
  const contents = [];
  if (args === null || typeof args !== 'object' || !Array.isArray(args.files)) return { json: args, contents };
  const files = args.files.map((file, i) => {
    const bytes = contentBytes(file);
    if (bytes === undefined) return file;
    contents[i] = bytes;
    const { content, ...rest } = file;
    if (typeof content === 'string') delete rest.encoding; // "utf-8", applied here
    return rest;
  });
  return { json: { ...args, files }, contents };
}

// Objects a fork copies between yields to the event loop.
const FORK_STEP_OBJECTS = 4096;


// Traps per loadCore (one shared wasm instance): { generation, renewed }.
// A trap moves the generation on; the first object to load the core after it
// asks for a fresh instance, and every object made on an older generation
// drops its core object for one on the fresh instance.
const trapState = new WeakMap();
const trapsOf = (loadCore) => {
  if (!trapState.has(loadCore)) trapState.set(loadCore, { generation: 0, renewed: 0 });
  return trapState.get(loadCore);
};

// One core object (a Namespace, a RepoObject, a NamespaceRegistry) made by
// make(core) on first use. A wasm trap (a core bug) leaves the instance's
// memory in an unknown state: checkTrap(e) reports it as INTERNAL_ERROR and
// the next get() makes the object again on a fresh instance, as does every
// other object sharing that instance. Storage is unaffected: batches are
// all-or-nothing. Returns { get() -> Promise<object>, checkTrap(e) -> error, close() }.
export function coreHolder(loadCore, make) {
  const traps = trapsOf(loadCore);
  let pending;
  let generation;
  let errorCodes; // the core's table: { CODE: { numericCode, httpStatus } }
  const get = () => {
    if (pending && generation !== traps.generation) pending = undefined; // made before a trap
    if (pending) return pending;
    generation = traps.generation;
    const fresh = traps.renewed !== traps.generation;
    traps.renewed = traps.generation;
    pending = loadCore({ fresh }).then((core) => {
      errorCodes ??= JSON.parse(core.errorCodes());
      return make(core);
    });
    return pending;
  };
  // An ArtifactsError this layer raises itself, numbered by the core's table.
  const coreError = (code, message) =>
    makeArtifactsError(code, errorCodes[code].numericCode, message, undefined, errorCodes[code].httpStatus);
  const checkTrap = (e) => {
    if (!(e instanceof WebAssembly.RuntimeError)) return e;
    if (generation === traps.generation) traps.generation += 1; // once per trapped instance
    pending = undefined;
    return coreError('INTERNAL_ERROR', `internal error: ${e.message}`);
  };
  const close = async () => {
    const made = pending;
    pending = undefined;
    if (!made) return;
    try {
      (await made).delete();
    } catch {
      // never made (bad arguments) or already gone with a trapped instance
    }
  };
  return { get, checkTrap, coreError, close };
}

// options: { storage, namespace, baseUrl, host?, fetch?, allowHttpImport?,
// allowPrivateImport?, limits?, onEvent?, accountId?, eventSubscriptionId? }
// (see js/index.d.ts). onEvent(event) receives every repo event (events.js).
//
// Import guard: the core refuses loopback, private, link-local and metadata
// hosts written in the URL (core/address_guard.h) unless allowPrivateImport.
// Only Node also checks where names resolve to, for every connection: its
// entry point (node.js, server.js) passes node-import-fetch.js as `fetch`.
// The browser and workerd entry points use the global fetch, so there only
// the literal-address check applies (a page's fetch is bound by CORS and
// private-network rules; a Worker's fetch cannot reach the host's network).
export function createArtifactsWith(loadCore, options = {}) {
  const {
    storage,
    namespace = 'default',
    baseUrl = 'http://127.0.0.1:8788',
    host = platformHost,
    fetch: fetchFn = (request) => globalThis.fetch(request),
    allowHttpImport = false,
    allowPrivateImport = false,
    limits,
    onEvent,
    accountId,
    eventSubscriptionId,
  } = options;
  // Every entry point below drains the core's event queue once its work is done.
  const drainEvents = makeEventDrain({ onEvent, accountId, eventSubscriptionId });
  const limitsJson = limits === undefined ? '' : JSON.stringify(limits, keepTypeMismatches);
  const holder = coreHolder(loadCore, (core) => {
    const ns = new core.Namespace(storage, host, namespace, baseUrl, limitsJson, makeArtifactsError);
    ns.setEventsWanted?.(typeof onEvent === 'function'); // nobody to hand them to: none are built (a loadCore may predate it)
    return ns;
  });
  const { get: namespaceCore, checkTrap, coreError } = holder;

  async function call(method, args) {
    const ns = await namespaceCore();
    try {
      return JSON.parse(ns.call(method, JSON.stringify(args, keepTypeMismatches)));
    } catch (e) {
      throw checkTrap(e);
    } finally {
      drainEvents(ns);
    }
  }

  // Content reads that answer a Blob: the core hands back { type, bytes } (or
  // null) without a JSON round trip; JS only wraps the bytes.
  async function readBytes(method, args) {
    const ns = await namespaceCore();
    let result;
    try {
      result = ns.readBytes(method, JSON.stringify(args, keepTypeMismatches));
    } catch (e) {
      throw checkTrap(e);
    }
    return result === null ? null : new Blob([result.bytes], { type: result.type });
  }

  // commit(): see commitPayload().
  async function commitFiles(_method, [name, id, args]) {
    const ns = await namespaceCore();
    const { json, contents } = commitPayload(args);
    try {
      return JSON.parse(ns.commit(JSON.stringify([name, id, json], keepTypeMismatches), contents));
    } catch (e) {
      throw checkTrap(e);
    } finally {
      drainEvents(ns);
    }
  }

  // A long core job (fork; import in import.js) runs in steps; between them
  // the event loop serves other requests, which see the repo *_IN_PROGRESS.
  // onProgress({ phase, objectsReceived }) between steps (our extension).
  async function runFork(method, args, { onProgress } = {}) {
    const ns = await namespaceCore();
    let job;
    try {
      job = ns.openFork(JSON.stringify(args, keepTypeMismatches));
      while (!job.step(FORK_STEP_OBJECTS)) {
        onProgress?.({ phase: 'objects', objectsReceived: job.objectsCopied(), objectsTotal: null, bytesReceived: 0 });
        await nextTick();
      }
      onProgress?.({ phase: 'done', objectsReceived: job.objectsCopied(), objectsTotal: job.objectsCopied(), bytesReceived: 0 });
      return JSON.parse(job.result());
    } catch (e) {
      throw checkTrap(e);
    } finally {
      job?.delete();
      drainEvents(ns);
    }
  }

  class ArtifactsRepoHandle {
    #name;
    #id;
    #disposed = false;

    constructor(name, id) {
      this.#name = name;
      this.#id = id;
    }

    async #call(method, args, via = call, extra) {
      if (this.#disposed) {
        await namespaceCore();
        throw coreError('INVALID_INPUT', 'ArtifactsRepo handle used after dispose');
      }
      return via(method, [this.#name, this.#id, ...args], extra);
    }

    info() {
      return this.#call('info', []);
    }
    createToken(scope, ttl) {
      return this.#call('createToken', [scope, ttl]);
    }
    // opts (our extension, the REST list's): { state, perPage, page }.
    listTokens(opts) {
      return this.#call('listTokens', opts === undefined ? [] : [opts]);
    }
    revokeToken(tokenOrId) {
      return this.#call('revokeToken', [tokenOrId]);
    }
    readBlob(hash) {
      return this.#call('readBlob', [hash], readBytes);
    }
    readTree(hash) {
      return this.#call('readTree', [hash]);
    }
    readCommit(hash) {
      return this.#call('readCommit', [hash]);
    }
    readFile(args) {
      return this.#call('readFile', [args], readBytes);
    }
    log(opts) {
      return this.#call('log', [opts]);
    }
    // The result also carries `objects` (the REST fork result's field);
    // { onProgress } is our extension, as for import().
    fork(name, opts, { onProgress } = {}) {
      return this.#call('fork', [name, opts], runFork, { onProgress });
    }
    // Our extension: writes files as one commit on a branch, without a git client.
    commit(args) {
      return this.#call('commit', [args], commitFiles);
    }
    // Like the Workers RPC stub: releases the handle (it holds no other resource).
    [dispose]() {
      this.#disposed = true;
    }
  }

  return {
    create: (name, opts) => call('create', [name, opts]),
    get: async (name) => {
      const { id, name: storedName } = await call('get', [name]);
      return new ArtifactsRepoHandle(storedName, id);
    },
    list: (opts) => call('list', [opts]),
    delete: (name) => call('delete', [name]),
    import: async (params, { onProgress } = {}) => {
      const ns = await namespaceCore();
      try {
        return await runImport(ns, [params], {
          fetchFn,
          allowHttp: allowHttpImport === true,
          allowPrivate: allowPrivateImport === true,
          onProgress,
          toJson: keepTypeMismatches,
        });
      } catch (e) {
        throw checkTrap(e);
      } finally {
        drainEvents(ns);
      }
    },
    // Our extension: the remote URL of repo `name` (what create() answers as `remote`).
    remoteUrl: async (name) => {
      const ns = await namespaceCore();
      return ns.remoteUrl(name);
    },
    // Our extension: removes the rows of repo stores no registry names (a push
    // that raced a delete, a crash mid-delete from older versions). Resolves to
    // how many stores went. The server runs it at start.
    sweep: async () => {
      const ns = await namespaceCore();
      try {
        return ns.sweep();
      } catch (e) {
        throw checkTrap(e);
      }
    },
    // The git smart-HTTP server: Request for <baseUrl>/git/... in, Response out.
    fetch: makeGitFetch(namespaceCore, checkTrap, drainEvents),

    // ---- Our extensions for the REST API (js/src/rest/), beyond the binding.
    // The namespace's own record: { namespace, jurisdiction, repoCount, createdAt, updatedAt }.
    namespaceInfo: () => call('namespaceInfo', []),
    // opts: { jurisdiction?: "eu" | "us" }. ALREADY_EXISTS once it exists.
    createNamespace: (opts) => call('createNamespace', [opts]),
    // Only an empty namespace (INVALID_INPUT otherwise).
    deleteNamespace: () => call('deleteNamespace', []),
    // delete() answering { id } of the removed repo (NOT_FOUND if none).
    deleteRepo: (name) => call('deleteRepo', [name]),
    // Revokes the token `id` of whichever repo minted it: { id } (NOT_FOUND if none).
    revokeTokenById: (id) => call('revokeTokenById', [id]),
    // Frees the core's instance for this namespace (a pool of namespaces
    // closes those it no longer holds); a later call makes a new one.
    close: holder.close,
  };
}
