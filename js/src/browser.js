// Browser (and Web Worker) entry point: the wasm file is fetched, by default
// from next to this module. Bundlers that follow `new URL(..., import.meta.url)`
// (webpack 5, Vite, Parcel) ship it for you; esbuild leaves the reference as
// is, relative to the bundle, so a page built with it passes `wasmUrl`
// (`import wasmUrl from 'open-artifacts/core.wasm'` with esbuild's file loader).
import { createArtifactsWith } from './artifacts.js';
import { instantiateCore } from './load-core.js';

export { ArtifactsError } from './errors.js';
export { MemoryStorage } from './memory-storage.js';

const DEFAULT_WASM_URL = new URL('../dist/open_artifacts_core.wasm', import.meta.url);

const compiled = new Map(); // wasm URL -> Promise<WebAssembly.Module>
const cores = new Map(); // wasm URL -> Promise<the instance>
// One instance per wasm URL is shared; { fresh: true } replaces it after a wasm trap.
export function loadCore({ fresh = false, wasmUrl = DEFAULT_WASM_URL } = {}) {
  const key = String(wasmUrl);
  if (!compiled.has(key)) {
    const module = WebAssembly.compileStreaming(fetch(wasmUrl));
    module.catch(() => compiled.delete(key)); // a failed download is retried by the next call
    compiled.set(key, module);
  }
  if (fresh || !cores.has(key)) cores.set(key, compiled.get(key).then(instantiateCore));
  return cores.get(key);
}

export const createArtifacts = ({ wasmUrl, ...options } = {}) =>
  createArtifactsWith((opts) => loadCore({ ...opts, wasmUrl }), options);

// The Cloudflare v4 REST API (js/src/rest/) over `options.storage`: resolves to { fetch(request) }.
// Loaded on first use: a page that never serves REST never links the router.
export const createRestApi = async ({ wasmUrl, ...options } = {}) =>
  (await import('./rest/service.js')).createRestService((opts) => loadCore({ ...opts, wasmUrl }), options);
