// embind surface of the core, over the public embedding API only
// (core/include/open_artifacts): a Namespace object whose methods forward to
// oa::Artifacts, and whose C++ errors become JS errors made by the factory the
// JS layer passes in (so JS sees its own ArtifactsError class). Translation
// only: no rule lives here.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <optional>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "js_storage.h"
#include "open_artifacts/artifacts.h"
#include "open_artifacts/errors.h"
#include "open_artifacts/namespace_registry.h"
#include "open_artifacts/repo_object.h"
#include "open_artifacts/version.h"

using emscripten::val;

namespace oa::bindings {
namespace {

// Runs run(ctx); a C++ error is rethrown as a JS error outside the try block
// so no C++ frame is unwound by a JS exception. Errors thrown by JS callbacks
// (storage) are not std::exceptions and pass through unchanged. Not a
// template: one copy of the try/catch and the error call for every method.
void runGuarded(const val& makeError, void (*run)(void*), void* ctx) {
  ErrorCode code = ErrorCode::InternalError;
  std::string message, pointer;
  try {
    run(ctx);
    return;
  } catch (const ArtifactsError& e) {
    code = e.code();
    message = e.what();
    pointer = e.pointer();
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
  }
  makeError(std::string(errorCodeName(code)), errorNumericCode(code), message, pointer, errorHttpStatus(code)).throw_();
  __builtin_unreachable();
}

// f() through runGuarded.
template <typename F>
auto guarded(const val& makeError, F&& f) -> decltype(f()) {
  using R = decltype(f());
  if constexpr (std::is_void_v<R>) {
    runGuarded(makeError, [](void* c) { (*static_cast<std::remove_reference_t<F>*>(c))(); }, &f);
  } else {
    std::optional<R> result;
    auto call = [&] { result.emplace(f()); };
    runGuarded(makeError, [](void* c) { (*static_cast<decltype(call)*>(c))(); }, &call);
    return std::move(*result);
  }
}

// A BlobAnswer as JS sees it: null, or { type, bytes: Uint8Array }.
val blobToJs(const std::optional<BlobAnswer>& blob) {
  if (!blob) return val::null();
  val out = val::object();
  out.set("type", blob->type);
  out.set("bytes", bytesToJs(blob->bytes->data(), blob->bytes->size()));
  return out;
}

// File contents beside commit()'s JSON: contents[i] is a Uint8Array or null/undefined.
std::vector<std::optional<Bytes>> contentsFromJs(const val& contents) {
  std::vector<std::optional<Bytes>> bytes;
  if (contents.isNull() || contents.isUndefined()) return bytes;
  const size_t n = contents["length"].as<size_t>();
  bytes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const val item = contents[i];
    if (!item.isNull() && !item.isUndefined()) bytes[i] = bytesFromJs(item);
  }
  return bytes;
}

// One git HTTP request: write(chunk) (and pump() until true)*, finish() -> head
// JSON, read() until null.
class GitSessionBinding {
 public:
  // `open` makes the exchange (Artifacts::openGit or RepoObject::openGit).
  template <typename Open>
  GitSessionBinding(Open&& open, val makeError) : makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      exchange_ = open();
      return 0;
    });
  }

  bool write(const val& chunk) {
    return guarded(makeError_, [&] {
      const Bytes bytes = bytesFromJs(chunk);
      return exchange_->write(bytes.data(), bytes.size());
    });
  }

  bool pump() {
    return guarded(makeError_, [&] { return exchange_->pump(); });
  }

  std::string finish() {
    return guarded(makeError_, [&] { return exchange_->finish(); });
  }

  val read() {
    return guarded(makeError_, [&] {
      Bytes out;
      while (out.empty()) {
        if (!exchange_->read(out)) return val::null();
      }
      return bytesToJs(out.data(), out.size());
    });
  }

 private:
  val makeError_;
  std::unique_ptr<GitExchange> exchange_;
};

// fork(): step(maxObjects) until true (JS yields between steps), then result().
// Deleting an unfinished job removes the half-made fork.
class ForkJobBinding {
 public:
  ForkJobBinding(Artifacts& artifacts, const std::string& argsJson, val makeError) : makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      run_ = artifacts.fork(argsJson);
      return 0;
    });
  }

  bool step(size_t maxObjects) {
    return guarded(makeError_, [&] { return run_->step(maxObjects); });
  }

  double objectsCopied() { return static_cast<double>(run_->objectsCopied()); }

  std::string result() {
    return guarded(makeError_, [&] { return run_->resultJson(); });
  }

 private:
  val makeError_;
  std::unique_ptr<ForkRun> run_;
};

// import(): JS asks nextRequest() (null when done), performs it with its
// fetch, and feeds beginResponse/write (pump until true)*/endResponse;
// failUnreachable when the request itself failed, refuseAddress when its
// resolver found a non-public address. Deleting an unfinished job removes the target.
class ImportJobBinding {
 public:
  // `open` makes the run (Artifacts::import or RepoObject::importInto).
  template <typename Open>
  ImportJobBinding(Open&& open, val makeError) : makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      run_ = open();
      return 0;
    });
  }

  val nextRequest() {
    return guarded(makeError_, [&] {
      const auto request = run_->nextRequest();
      if (!request) return val::null();
      val headers = val::array();
      for (const auto& [name, value] : request->headers) {
        val pair = val::array();
        pair.call<void>("push", name, value);
        headers.call<void>("push", pair);
      }
      val out = val::object();
      out.set("method", request->method);
      out.set("url", request->url);
      out.set("headers", headers);
      out.set("body", request->method == "GET" ? val::null() : bytesToJs(request->body.data(), request->body.size()));
      return out;
    });
  }

  void beginResponse(int status, const std::string& contentType) {
    guarded(makeError_, [&] {
      run_->beginResponse(status, contentType);
      return 0;
    });
  }

  void write(const val& chunk) {
    guarded(makeError_, [&] {
      const Bytes bytes = bytesFromJs(chunk);
      run_->write(bytes.data(), bytes.size());
      return 0;
    });
  }

  bool pump() {
    return guarded(makeError_, [&] { return run_->pump(); });
  }

  void endResponse() {
    guarded(makeError_, [&] {
      run_->endResponse();
      return 0;
    });
  }

  void failUnreachable(const std::string& reason) {
    guarded(makeError_, [&] {
      run_->failUnreachable(reason);
      return 0;
    });
  }

  void refuseAddress() {
    guarded(makeError_, [&] {
      run_->refuseAddress();
      return 0;
    });
  }

  val progress() {
    const ImportStatus p = run_->progress();
    val out = val::object();
    out.set("phase", p.phase);
    out.set("bytesReceived", static_cast<double>(p.bytesReceived));
    out.set("objectsReceived", static_cast<double>(p.objectsReceived));
    out.set("objectsTotal", static_cast<double>(p.objectsTotal));
    return out;
  }

  std::string result() {
    return guarded(makeError_, [&] { return run_->resultJson(); });
  }

 private:
  val makeError_;
  std::unique_ptr<ImportRun> run_;
};

class NamespaceBinding {
 public:
  // storage: { registry(ns), repo(id), repoIds?() }; host: { now(), randomBytes(n) };
  // limitsJson: the `limits` option as JSON ("" = defaults);
  // makeError(code, numericCode, message, pointer, httpStatus) -> Error.
  NamespaceBinding(val storage, val host, std::string name, std::string baseUrl, std::string limitsJson, val makeError)
      : makeError_(std::move(makeError)), host_(std::move(host)), repos_(storage) {
    guard([&] {
      registry_ = std::make_unique<JsKvStore>(storage.call<val>("registry", name));
      artifacts_ = std::make_unique<Artifacts>(ArtifactsOptions{name, baseUrl, limitsJson}, *registry_, repos_, host_);
      return 0;
    });
  }

  std::string call(const std::string& method, const std::string& argsJson) {
    return guard([&] { return artifacts_->call(method, argsJson); });
  }

  // "commit" with the files' bytes beside the JSON: contents[i] is a
  // Uint8Array (files[i]'s content) or null/undefined.
  std::string commit(const std::string& argsJson, const val& contents) {
    return guard([&] { return artifacts_->commit(argsJson, contentsFromJs(contents)); });
  }

  // Content reads answering a Blob ("readBlob", "readFile"): null, or
  // { type, bytes: Uint8Array } that JS wraps as new Blob([bytes], { type }).
  val readBytes(const std::string& method, const std::string& argsJson) {
    return guard([&] { return blobToJs(artifacts_->readBytes(method, argsJson)); });
  }

  std::string remoteUrl(const std::string& name) {
    return guard([&] { return artifacts_->remoteUrl(name); });
  }

  double sweep() {
    return guard([&] { return static_cast<double>(artifacts_->sweep()); });
  }

  // JSON array of the queued repo events (Artifacts::takeEvents).
  std::string takeEvents() {
    return guard([&] { return artifacts_->takeEvents(); });
  }
  void setEventsWanted(bool wanted) { artifacts_->setEventsWanted(wanted); }

  GitSessionBinding* openGit(const std::string& requestJson) {
    return new GitSessionBinding([&] { return artifacts_->openGit(requestJson); }, makeError_);
  }

  ForkJobBinding* openFork(const std::string& argsJson) {
    return new ForkJobBinding(*artifacts_, argsJson, makeError_);
  }

  ImportJobBinding* openImport(const std::string& argsJson, bool allowHttp, bool allowPrivate) {
    return new ImportJobBinding([&] { return artifacts_->import(argsJson, allowHttp, allowPrivate); }, makeError_);
  }

 private:
  template <typename F>
  auto guard(F&& f) -> decltype(f()) {
    return guarded(makeError_, std::forward<F>(f));
  }

  val makeError_;
  JsHost host_;
  JsRepoProvider repos_;
  std::unique_ptr<JsKvStore> registry_;
  std::unique_ptr<Artifacts> artifacts_;
};

// fork across Durable Objects, the parent's side: next(maxObjects) -> an
// encoded batch (Uint8Array) or null once none is left, then heads().
class RecordCopyBinding {
 public:
  RecordCopyBinding(RepoObject& repo, const std::string& argsJson, val makeError) : makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      copy_ = repo.copyOut(argsJson);
      return 0;
    });
  }
  val next(size_t maxObjects) {
    return guarded(makeError_, [&] {
      Bytes out;
      if (!copy_->next(out, maxObjects)) return val::null();
      return bytesToJs(out.data(), out.size());
    });
  }
  std::string heads() {
    return guarded(makeError_, [&] { return copy_->headsJson(); });
  }
  double objectsCopied() { return static_cast<double>(copy_->objectsCopied()); }

 private:
  val makeError_;
  std::unique_ptr<RecordCopy> copy_;
};

// One repo's Durable Object (open_artifacts/repo_object.h) over the KV handle `store`.
class RepoObjectBinding {
 public:
  RepoObjectBinding(val store, val host, std::string limitsJson, val makeError)
      : makeError_(std::move(makeError)), host_(std::move(host)), store_(std::move(store)) {
    guarded(makeError_, [&] {
      repo_ = std::make_unique<RepoObject>(limitsJson, store_, host_);
      return 0;
    });
  }
  std::string call(const std::string& method, const std::string& argsJson) {
    return guarded(makeError_, [&] { return repo_->call(method, argsJson); });
  }
  std::string commit(const std::string& argsJson, const val& contents) {
    return guarded(makeError_, [&] { return repo_->commit(argsJson, contentsFromJs(contents)); });
  }
  val readBytes(const std::string& method, const std::string& argsJson) {
    return guarded(makeError_, [&] { return blobToJs(repo_->readBytes(method, argsJson)); });
  }
  bool takePushed() { return repo_->takePushed(); }
  void copyIn(const std::string& repoId, const val& batch) {
    guarded(makeError_, [&] {
      const Bytes bytes = bytesFromJs(batch);
      repo_->copyIn(repoId, bytes.data(), bytes.size());
      return 0;
    });
  }
  GitSessionBinding* openGit(const std::string& requestJson) {
    return new GitSessionBinding([&] { return repo_->openGit(requestJson); }, makeError_);
  }
  RecordCopyBinding* copyOut(const std::string& argsJson) { return new RecordCopyBinding(*repo_, argsJson, makeError_); }
  ImportJobBinding* importInto(const std::string& argsJson, bool allowHttp, bool allowPrivate) {
    return new ImportJobBinding([&] { return repo_->importInto(argsJson, allowHttp, allowPrivate); }, makeError_);
  }

 private:
  val makeError_;
  JsHost host_;
  JsKvStore store_;
  std::unique_ptr<RepoObject> repo_;
};

// One namespace's Durable Object (open_artifacts/namespace_registry.h) over the KV handle `store`.
class NamespaceRegistryBinding {
 public:
  NamespaceRegistryBinding(val store, val host, std::string name, std::string baseUrl, std::string limitsJson,
                           val makeError)
      : makeError_(std::move(makeError)), host_(std::move(host)), store_(std::move(store)) {
    guarded(makeError_, [&] {
      registry_ = std::make_unique<NamespaceRegistry>(ArtifactsOptions{name, baseUrl, limitsJson}, store_, host_);
      return 0;
    });
  }
  std::string call(const std::string& method, const std::string& argsJson) {
    return guarded(makeError_, [&] { return registry_->call(method, argsJson); });
  }

 private:
  val makeError_;
  JsHost host_;
  JsKvStore store_;
  std::unique_ptr<NamespaceRegistry> registry_;
};

std::string versions() {
  nlohmann::json out;
  out["openArtifacts"] = kOpenArtifactsVersion;
  out["libgit2"] = libgit2Version();
  return out.dump();
}

std::string errorCodes() { return errorCodesJson(); }

// The wasm heap, for measurements (bench/commit-memory.mjs): the linear
// memory's size, malloc's footprint high-water mark (the heap never shrinks:
// what the busiest moment so far needed) and the bytes in use now.
std::string heapStats() {
  const struct mallinfo m = mallinfo();
  nlohmann::json out;
  out["memoryBytes"] = emscripten_get_heap_size();
  out["peakBytes"] = static_cast<size_t>(m.usmblks);
  out["inUseBytes"] = static_cast<size_t>(m.uordblks);
  return out.dump();
}

bool isPublicAddressText(const std::string& address) { return isPublicAddress(address); }

}  // namespace
}  // namespace oa::bindings

EMSCRIPTEN_BINDINGS(open_artifacts) {
  emscripten::class_<oa::bindings::NamespaceBinding>("Namespace")
      .constructor<val, val, std::string, std::string, std::string, val>()
      .function("call", &oa::bindings::NamespaceBinding::call)
      .function("readBytes", &oa::bindings::NamespaceBinding::readBytes)
      .function("commit", &oa::bindings::NamespaceBinding::commit)
      .function("remoteUrl", &oa::bindings::NamespaceBinding::remoteUrl)
      .function("sweep", &oa::bindings::NamespaceBinding::sweep)
      .function("takeEvents", &oa::bindings::NamespaceBinding::takeEvents)
      .function("setEventsWanted", &oa::bindings::NamespaceBinding::setEventsWanted)
      .function("openGit", &oa::bindings::NamespaceBinding::openGit, emscripten::allow_raw_pointers())
      .function("openFork", &oa::bindings::NamespaceBinding::openFork, emscripten::allow_raw_pointers())
      .function("openImport", &oa::bindings::NamespaceBinding::openImport, emscripten::allow_raw_pointers());
  emscripten::class_<oa::bindings::RepoObjectBinding>("RepoObject")
      .constructor<val, val, std::string, val>()
      .function("call", &oa::bindings::RepoObjectBinding::call)
      .function("commit", &oa::bindings::RepoObjectBinding::commit)
      .function("readBytes", &oa::bindings::RepoObjectBinding::readBytes)
      .function("takePushed", &oa::bindings::RepoObjectBinding::takePushed)
      .function("copyIn", &oa::bindings::RepoObjectBinding::copyIn)
      .function("openGit", &oa::bindings::RepoObjectBinding::openGit, emscripten::allow_raw_pointers())
      .function("copyOut", &oa::bindings::RepoObjectBinding::copyOut, emscripten::allow_raw_pointers())
      .function("importInto", &oa::bindings::RepoObjectBinding::importInto, emscripten::allow_raw_pointers());
  emscripten::class_<oa::bindings::NamespaceRegistryBinding>("NamespaceRegistry")
      .constructor<val, val, std::string, std::string, std::string, val>()
      .function("call", &oa::bindings::NamespaceRegistryBinding::call);
  emscripten::class_<oa::bindings::RecordCopyBinding>("RecordCopy")
      .function("next", &oa::bindings::RecordCopyBinding::next)
      .function("heads", &oa::bindings::RecordCopyBinding::heads)
      .function("objectsCopied", &oa::bindings::RecordCopyBinding::objectsCopied);
  emscripten::class_<oa::bindings::GitSessionBinding>("GitSession")
      .function("write", &oa::bindings::GitSessionBinding::write)
      .function("pump", &oa::bindings::GitSessionBinding::pump)
      .function("finish", &oa::bindings::GitSessionBinding::finish)
      .function("read", &oa::bindings::GitSessionBinding::read);
  emscripten::class_<oa::bindings::ForkJobBinding>("ForkJob")
      .function("step", &oa::bindings::ForkJobBinding::step)
      .function("objectsCopied", &oa::bindings::ForkJobBinding::objectsCopied)
      .function("result", &oa::bindings::ForkJobBinding::result);
  emscripten::class_<oa::bindings::ImportJobBinding>("ImportJob")
      .function("nextRequest", &oa::bindings::ImportJobBinding::nextRequest)
      .function("beginResponse", &oa::bindings::ImportJobBinding::beginResponse)
      .function("write", &oa::bindings::ImportJobBinding::write)
      .function("pump", &oa::bindings::ImportJobBinding::pump)
      .function("endResponse", &oa::bindings::ImportJobBinding::endResponse)
      .function("failUnreachable", &oa::bindings::ImportJobBinding::failUnreachable)
      .function("refuseAddress", &oa::bindings::ImportJobBinding::refuseAddress)
      .function("progress", &oa::bindings::ImportJobBinding::progress)
      .function("result", &oa::bindings::ImportJobBinding::result);
  emscripten::function("versions", &oa::bindings::versions);
  emscripten::function("errorCodes", &oa::bindings::errorCodes);
  emscripten::function("heapStats", &oa::bindings::heapStats);
  emscripten::function("isPublicAddress", &oa::bindings::isPublicAddressText);
}
