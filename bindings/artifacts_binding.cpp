// embind surface of the core: a Namespace object whose call(method, argsJson)
// forwards to oa::JsonApi, and whose C++ errors become JS errors made by the
// factory the JS layer passes in (so JS sees its own ArtifactsError class).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <nlohmann/json.hpp>

#include "artifacts_service.h"
#include "error.h"
#include "js_storage.h"
#include "json_api.h"
#include "version.h"

using emscripten::val;

namespace oa::bindings {
namespace {

class NamespaceBinding {
 public:
  // storage: { registry(ns), repo(id) }; host: { now(), randomBytes(n) };
  // makeError(code, numericCode, message, pointer) -> Error.
  NamespaceBinding(val storage, val host, std::string name, std::string baseUrl, val makeError)
      : makeError_(std::move(makeError)), host_(std::move(host)), repos_(storage) {
    guard([&] {
      registry_ = std::make_unique<JsKvStore>(storage.call<val>("registry", name));
      service_ = std::make_unique<ArtifactsService>(NamespaceConfig{name, baseUrl}, *registry_, repos_, host_);
      api_ = std::make_unique<JsonApi>(*service_);
      return 0;
    });
  }

  std::string call(const std::string& method, const std::string& argsJson) {
    return guard([&] { return api_->call(method, argsJson); });
  }

 private:
  // Runs f; a C++ error is rethrown as a JS error outside the try block so no
  // C++ frame is unwound by a JS exception. Errors thrown by JS callbacks
  // (storage) are not std::exceptions and pass through unchanged.
  template <typename F>
  auto guard(F&& f) -> decltype(f()) {
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
    makeError_(std::string(errorCodeName(code)), errorNumericCode(code), message, pointer).throw_();
    __builtin_unreachable();
  }

  val makeError_;
  JsHost host_;
  JsRepoProvider repos_;
  std::unique_ptr<JsKvStore> registry_;
  std::unique_ptr<ArtifactsService> service_;
  std::unique_ptr<JsonApi> api_;
};

std::string versions() {
  return nlohmann::json{{"openArtifacts", kOpenArtifactsVersion}, {"libgit2", libgit2Version()}}.dump();
}

}  // namespace
}  // namespace oa::bindings

EMSCRIPTEN_BINDINGS(open_artifacts) {
  emscripten::class_<oa::bindings::NamespaceBinding>("Namespace")
      .constructor<val, val, std::string, std::string, val>()
      .function("call", &oa::bindings::NamespaceBinding::call);
  emscripten::function("versions", &oa::bindings::versions);
}
