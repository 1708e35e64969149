// Instantiates the Emscripten module from an already compiled
// WebAssembly.Module (the only way Workers allows), once per module.
import createCoreModule from '../dist/open_artifacts_core.mjs';

export function instantiateCore(wasmModule) {
  return createCoreModule({
    locateFile: (path) => path, // keep the glue from resolving its own URL
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
      return {};
    },
  });
}
