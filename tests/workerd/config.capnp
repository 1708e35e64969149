# workerd config for tests/js/workerd.test.mjs. Module names mirror the repo
# layout so the package's relative imports resolve as they do on disk.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .testWorker)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);

const testWorker :Workerd.Worker = (
  modules = [
    (name = "tests/workerd/worker.mjs", esModule = embed "worker.mjs"),
    (name = "js/src/workerd.js", esModule = embed "../../js/src/workerd.js"),
    (name = "js/src/artifacts.js", esModule = embed "../../js/src/artifacts.js"),
    (name = "js/src/errors.js", esModule = embed "../../js/src/errors.js"),
    (name = "js/src/host.js", esModule = embed "../../js/src/host.js"),
    (name = "js/src/git-fetch.js", esModule = embed "../../js/src/git-fetch.js"),
    (name = "js/src/import.js", esModule = embed "../../js/src/import.js"),
    (name = "js/src/load-core.js", esModule = embed "../../js/src/load-core.js"),
    (name = "js/src/memory-storage.js", esModule = embed "../../js/src/memory-storage.js"),
    (name = "js/src/key-order.js", esModule = embed "../../js/src/key-order.js"),
    (name = "js/src/sorted-key-set.js", esModule = embed "../../js/src/sorted-key-set.js"),
    (name = "js/src/prefixed-store.js", esModule = embed "../../js/src/prefixed-store.js"),
    (name = "js/dist/open_artifacts_core.mjs", esModule = embed "../../js/dist/open_artifacts_core.mjs"),
    (name = "js/dist/open_artifacts_core.wasm", wasm = embed "../../js/dist/open_artifacts_core.wasm"),
  ],
  compatibilityDate = "2026-11-01",
);
