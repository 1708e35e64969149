// Browser entry point: the wasm file is fetched next to this module.
import { createArtifactsWith } from './artifacts.js';
import { instantiateCore } from './load-core.js';

export { ArtifactsError } from './errors.js';
export { MemoryStorage } from './memory-storage.js';

let compiled;
let core;
// One instance is shared; { fresh: true } replaces it after a wasm trap.
export function loadCore({ fresh = false } = {}) {
  compiled ??= WebAssembly.compileStreaming(fetch(new URL('../dist/open_artifacts_core.wasm', import.meta.url)));
  if (fresh || !core) core = compiled.then(instantiateCore);
  return core;
}

export const createArtifacts = (options) => createArtifactsWith(loadCore, options);
