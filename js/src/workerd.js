// Cloudflare Workers entry point: the bundler/runtime hands us the compiled
// WebAssembly.Module (runtime compilation from bytes is not allowed there).
import wasmModule from '../dist/open_artifacts_core.wasm';
import { createArtifactsWith } from './artifacts.js';
import { instantiateCore } from './load-core.js';

export { ArtifactsError } from './errors.js';
export { MemoryStorage } from './memory-storage.js';
// The storage contract over a SQLite-backed Durable Object's ctx.storage.
export { DurableObjectSqliteStorage } from './durable-object-storage.js';

let core;
// One instance is shared; { fresh: true } replaces it after a wasm trap.
export function loadCore({ fresh = false } = {}) {
  if (fresh || !core) core = instantiateCore(wasmModule);
  return core;
}

export const createArtifacts = (options) => createArtifactsWith(loadCore, options);

// The Cloudflare v4 REST API (js/src/rest/) over `options.storage`, every
// namespace it holds: resolves to { fetch(request) } (rest/service.js).
// Loaded on first use: a Worker that never serves REST never links the router.
export const createRestApi = async (options) => (await import('./rest/service.js')).createRestService(loadCore, options);
