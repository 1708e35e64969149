// embind surface of the core: a Namespace object whose call(method, argsJson)
// forwards to oa::JsonApi, and whose C++ errors become JS errors made by the
// factory the JS layer passes in (so JS sees its own ArtifactsError class).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <nlohmann/json.hpp>

#include "base/address_guard.h"
#include "artifacts/artifacts_service.h"
#include "open_artifacts/errors.h"
#include "api/git_http_session.h"
#include "js_storage.h"
#include "api/json_api.h"
#include "artifacts/names.h"
#include "open_artifacts/version.h"

using emscripten::val;

namespace oa::bindings {
namespace {

// Runs f; a C++ error is rethrown as a JS error outside the try block so no
// C++ frame is unwound by a JS exception. Errors thrown by JS callbacks
// (storage) are not std::exceptions and pass through unchanged.
template <typename F>
auto guarded(const val& makeError, F&& f) -> decltype(f()) {
  ErrorCode code = ErrorCode::InternalError;
  std::string message, pointer;
  try {
    return f();
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

// One git HTTP request: write(chunk) (and pump() until true)*, finish() -> head
// JSON, read() until null.
class GitSessionBinding {
 public:
  GitSessionBinding(ArtifactsService& service, const std::string& requestJson, val makeError)
      : makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      session_ = std::make_unique<GitHttpSession>(service, GitHttpRequest::fromJson(requestJson));
      return 0;
    });
  }

  bool write(const val& chunk) {
    return guarded(makeError_, [&] {
      const Bytes bytes = bytesFromJs(chunk);
      return session_->write(bytes.data(), bytes.size());
    });
  }

  bool pump() {
    return guarded(makeError_, [&] { return session_->pump(); });
  }

  std::string finish() {
    return guarded(makeError_, [&] { return session_->finish().toJson(); });
  }

  val read() {
    return guarded(makeError_, [&] {
      Bytes out;
      while (out.empty()) {
        if (!session_->read(out)) return val::null();
      }
      return bytesToJs(out.data(), out.size());
    });
  }

 private:
  val makeError_;
  std::unique_ptr<GitHttpSession> session_;
};

// fork(): step(maxObjects) until true (JS yields between steps), then result().
// Deleting an unfinished job removes the half-made fork.
class ForkJobBinding {
 public:
  ForkJobBinding(JsonApi& api, const std::string& argsJson, val makeError) : api_(api), makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      job_ = api_.beginFork(argsJson);
      return 0;
    });
  }

  bool step(size_t maxObjects) {
    return guarded(makeError_, [&] { return job_->step(maxObjects); });
  }

  std::string result() {
    return guarded(makeError_, [&] { return api_.createdRepo(job_->result().created); });
  }

 private:
  JsonApi& api_;
  val makeError_;
  std::unique_ptr<ForkJob> job_;
};

// import(): JS asks nextRequest() (null when done), performs it with its
// fetch, and feeds beginResponse/write*/endResponse; failUnreachable when the
// request itself failed. Deleting an unfinished job removes the target.
class ImportJobBinding {
 public:
  ImportJobBinding(JsonApi& api, const std::string& argsJson, bool allowHttp, bool allowPrivate, val makeError)
      : api_(api), makeError_(std::move(makeError)) {
    guarded(makeError_, [&] {
      job_ = api_.beginImport(argsJson, allowHttp, allowPrivate);
      return 0;
    });
  }

  val nextRequest() {
    return guarded(makeError_, [&] {
      const auto request = job_->nextRequest();
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
      job_->beginResponse(status, contentType);
      return 0;
    });
  }

  void write(const val& chunk) {
    guarded(makeError_, [&] {
      const Bytes bytes = bytesFromJs(chunk);
      job_->write(bytes.data(), bytes.size());
      return 0;
    });
  }

  bool pump() {
    return guarded(makeError_, [&] { return job_->pump(); });
  }

  void endResponse() {
    guarded(makeError_, [&] {
      job_->endResponse();
      return 0;
    });
  }

  void failUnreachable(const std::string& reason) {
    guarded(makeError_, [&] {
      job_->failUnreachable(reason);
      return 0;
    });
  }

  void refuseAddress() {
    guarded(makeError_, [&] {
      job_->refuseAddress();
      return 0;
    });
  }

  val progress() {
    const auto& p = job_->progress();
    static const char* const kPhases[] = {"refs", "receiving", "done"};
    val out = val::object();
    out.set("phase", std::string(kPhases[static_cast<int>(p.phase)]));
    out.set("bytesReceived", static_cast<double>(p.bytesReceived));
    out.set("objectsReceived", static_cast<double>(p.objectsReceived));
    out.set("objectsTotal", static_cast<double>(p.objectsTotal));
    return out;
  }

  std::string result() {
    return guarded(makeError_, [&] { return api_.createdRepo(job_->result()); });
  }

 private:
  JsonApi& api_;
  val makeError_;
  std::unique_ptr<ImportJob> job_;
};

class NamespaceBinding {
 public:
  // storage: { registry(ns), repo(id) }; host: { now(), randomBytes(n) };
  // limitsJson: the `limits` option as JSON ("" = defaults);
  // makeError(code, numericCode, message, pointer) -> Error.
  NamespaceBinding(val storage, val host, std::string name, std::string baseUrl, std::string limitsJson, val makeError)
      : makeError_(std::move(makeError)), host_(std::move(host)), repos_(storage) {
    guard([&] {
      registry_ = std::make_unique<JsKvStore>(storage.call<val>("registry", name));
      service_ = std::make_unique<ArtifactsService>(NamespaceConfig{name, baseUrl, parseStorageLimits(limitsJson)},
                                                    *registry_, repos_, host_);
      api_ = std::make_unique<JsonApi>(*service_);
      return 0;
    });
  }

  std::string call(const std::string& method, const std::string& argsJson) {
    return guard([&] { return api_->call(method, argsJson); });
  }

  // Content reads answering a Blob ("readBlob", "readFile"): null, or
  // { type, bytes: Uint8Array } that JS wraps as new Blob([bytes], { type }).
  val readBytes(const std::string& method, const std::string& argsJson) {
    return guard([&] {
      const auto blob = api_->readBytes(method, argsJson);
      if (!blob) return val::null();
      val out = val::object();
      out.set("type", blob->type);
      out.set("bytes", bytesToJs(blob->bytes->data(), blob->bytes->size()));
      return out;
    });
  }

  // The remote URL of repo `name` (INVALID_REPO_NAME for a bad name).
  std::string remoteUrl(const std::string& name) {
    return guard([&] {
      requireValidRepoName(name);
      return service_->remoteUrl(name);
    });
  }

  // Removes repo stores no registry names (see ArtifactsService::sweep); how many.
  double sweep() {
    return guard([&] { return static_cast<double>(service_->sweep()); });
  }

  GitSessionBinding* openGit(const std::string& requestJson) {
    return new GitSessionBinding(*service_, requestJson, makeError_);
  }

  ForkJobBinding* openFork(const std::string& argsJson) { return new ForkJobBinding(*api_, argsJson, makeError_); }

  ImportJobBinding* openImport(const std::string& argsJson, bool allowHttp, bool allowPrivate) {
    return new ImportJobBinding(*api_, argsJson, allowHttp, allowPrivate, makeError_);
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
  std::unique_ptr<ArtifactsService> service_;
  std::unique_ptr<JsonApi> api_;
};

// The import guard's rule for one resolved address (address_guard.h), for
// hosts that resolve names themselves (Node).
bool isPublicAddress(const std::string& address) { return oa::isPublicAddress(std::string_view(address)); }

// {"INVALID_INPUT": {"numericCode": 10100, "httpStatus": 400}, ...}: the JS
// layer's one source for codes it must name itself.
std::string errorCodes() {
  nlohmann::json table = nlohmann::json::object();
  for (ErrorCode code : kAllErrorCodes) {
    table[errorCodeName(code)] = {{"numericCode", errorNumericCode(code)}, {"httpStatus", errorHttpStatus(code)}};
  }
  return table.dump();
}

std::string versions() {
  return nlohmann::json{{"openArtifacts", kOpenArtifactsVersion}, {"libgit2", libgit2Version()}}.dump();
}

}  // namespace
}  // namespace oa::bindings

EMSCRIPTEN_BINDINGS(open_artifacts) {
  emscripten::class_<oa::bindings::NamespaceBinding>("Namespace")
      .constructor<val, val, std::string, std::string, std::string, val>()
      .function("call", &oa::bindings::NamespaceBinding::call)
      .function("readBytes", &oa::bindings::NamespaceBinding::readBytes)
      .function("sweep", &oa::bindings::NamespaceBinding::sweep)
      .function("remoteUrl", &oa::bindings::NamespaceBinding::remoteUrl)
      .function("openGit", &oa::bindings::NamespaceBinding::openGit, emscripten::allow_raw_pointers())
      .function("openFork", &oa::bindings::NamespaceBinding::openFork, emscripten::allow_raw_pointers())
      .function("openImport", &oa::bindings::NamespaceBinding::openImport, emscripten::allow_raw_pointers());
  emscripten::class_<oa::bindings::GitSessionBinding>("GitSession")
      .function("write", &oa::bindings::GitSessionBinding::write)
      .function("pump", &oa::bindings::GitSessionBinding::pump)
      .function("finish", &oa::bindings::GitSessionBinding::finish)
      .function("read", &oa::bindings::GitSessionBinding::read);
  emscripten::class_<oa::bindings::ForkJobBinding>("ForkJob")
      .function("step", &oa::bindings::ForkJobBinding::step)
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
  emscripten::function("isPublicAddress", &oa::bindings::isPublicAddress);
}
