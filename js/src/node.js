// Node entry point: the wasm file is read from the package directory.
import { readFile } from 'node:fs/promises';
import { createArtifactsWith } from './artifacts.js';
import { instantiateCore } from './load-core.js';

export { ArtifactsError } from './errors.js';
export { MemoryStorage } from './memory-storage.js';
export { SqliteStorage } from './sqlite-storage.js';

let compiled;
let core;
// One instance is shared; { fresh: true } replaces it after a wasm trap.
export function loadCore({ fresh = false } = {}) {
  compiled ??= readFile(new URL('../dist/open_artifacts_core.wasm', import.meta.url)).then((bytes) =>
    WebAssembly.compile(bytes),
  );
  if (fresh || !core) core = compiled.then(instantiateCore);
  return core;
}

export const createArtifacts = (options) => createArtifactsWith(loadCore, options);
