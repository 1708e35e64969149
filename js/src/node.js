// Node entry point: the wasm file is read from the package directory.
import { readFile } from 'node:fs/promises';
import { createArtifactsWith } from './artifacts.js';
import { instantiateCore } from './load-core.js';
import { makeNodeImportFetch } from './node-import-fetch.js';

export { ArtifactsError } from './errors.js';
export { MemoryStorage } from './memory-storage.js';
import { createRestService } from './rest/service.js';
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

// import() resolves names itself and refuses non-public addresses unless
// allowPrivateImport (node-import-fetch.js); a `fetch` option replaces that.
export const createArtifacts = (options = {}) =>
  createArtifactsWith(loadCore, {
    ...options,
    fetch: options.fetch ?? makeNodeImportFetch({ allowPrivate: options.allowPrivateImport === true, loadCore }),
  });

// The Cloudflare v4 REST API (js/src/rest/) over `options.storage`, every
// namespace it holds: resolves to { fetch(request) } (rest/service.js).
export const createRestApi = (options) => createRestService(loadCore, options);
