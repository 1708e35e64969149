// The embedding API (open_artifacts/artifacts.h) over the internal layers:
// the local composition of the service, the JSON calling convention, git
// sessions and the fork and import jobs.
#include "open_artifacts/artifacts.h"

#include <nlohmann/json.hpp>

#include "api/git_exchange.h"
#include "api/json_api.h"
#include "artifacts/names.h"
#include "base/address_guard.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {

class ForkRunImpl : public ForkRun {
 public:
  ForkRunImpl(JsonApi& api, const std::string& argsJson) : api_(api), job_(api.beginFork(argsJson)) {}
  bool step(size_t maxObjects) override { return job_->step(maxObjects); }
  uint64_t objectsCopied() const override { return job_->objectsCopied(); }
  std::string resultJson() override { return api_.forkedRepo(job_->result()); }

 private:
  JsonApi& api_;
  std::unique_ptr<ForkJob> job_;
};

class ImportRunImpl : public ImportRun {
 public:
  ImportRunImpl(JsonApi& api, const std::string& argsJson, bool allowHttp, bool allowPrivate)
      : api_(api), job_(api.beginImport(argsJson, allowHttp, allowPrivate)) {}
  std::optional<OutgoingRequest> nextRequest() override {
    auto request = job_->nextRequest();
    if (!request) return std::nullopt;
    return OutgoingRequest{request->method, request->url, request->headers, std::move(request->body)};
  }
  void beginResponse(int status, const std::string& contentType) override { job_->beginResponse(status, contentType); }
  void write(const uint8_t* data, size_t n) override { job_->write(data, n); }
  bool pump() override { return job_->pump(); }
  void endResponse() override { job_->endResponse(); }
  void failUnreachable(const std::string& reason) override { job_->failUnreachable(reason); }
  void refuseAddress() override { job_->refuseAddress(); }
  ImportStatus progress() const override {
    static const char* const kPhases[] = {"refs", "receiving", "done"};
    const auto& p = job_->progress();
    return ImportStatus{kPhases[static_cast<int>(p.phase)], p.bytesReceived, p.objectsReceived, p.objectsTotal};
  }
  std::string resultJson() override { return api_.createdRepo(job_->result()); }

 private:
  JsonApi& api_;
  std::unique_ptr<ImportJob> job_;
};

}  // namespace

struct Artifacts::Impl {
  Impl(const ArtifactsOptions& options, KvStore& registry, RepoStorageProvider& repos, Host& host)
      : service(NamespaceConfig{options.namespaceName, options.baseUrl, parseStorageLimits(options.limitsJson)},
                registry, repos, host),
        api(service) {}
  ArtifactsService service;
  JsonApi api;
};

Artifacts::Artifacts(const ArtifactsOptions& options, KvStore& registry, RepoStorageProvider& repos, Host& host)
    : impl_(std::make_unique<Impl>(options, registry, repos, host)) {}

Artifacts::~Artifacts() = default;

std::string Artifacts::call(const std::string& method, const std::string& argsJson) {
  return impl_->api.call(method, argsJson);
}

std::string Artifacts::commit(const std::string& argsJson, std::vector<std::optional<Bytes>> contents) {
  return impl_->api.commit(argsJson, std::move(contents));
}

std::optional<BlobAnswer> Artifacts::readBytes(const std::string& method, const std::string& argsJson) {
  auto blob = impl_->api.readBytes(method, argsJson);
  if (!blob) return std::nullopt;
  return BlobAnswer{blob->type, blob->bytes};
}

std::unique_ptr<GitExchange> Artifacts::openGit(const std::string& requestJson) {
  return std::make_unique<GitSessionExchange>(impl_->service, requestJson);
}

std::unique_ptr<ForkRun> Artifacts::fork(const std::string& argsJson) {
  return std::make_unique<ForkRunImpl>(impl_->api, argsJson);
}

std::unique_ptr<ImportRun> Artifacts::import(const std::string& argsJson, bool allowHttp, bool allowPrivate) {
  return std::make_unique<ImportRunImpl>(impl_->api, argsJson, allowHttp, allowPrivate);
}

std::string Artifacts::remoteUrl(const std::string& name) {
  requireValidRepoName(name);
  return impl_->service.remoteUrl(name);
}

size_t Artifacts::sweep() { return impl_->service.sweep(); }

void Artifacts::setEventsWanted(bool wanted) { impl_->service.events().setWanted(wanted); }

std::string Artifacts::takeEvents() {
  std::string out = "[";
  for (const auto& event : impl_->service.events().take()) {
    if (out.size() > 1) out += ',';
    out += repoEventJson(event);
  }
  return out + "]";
}

std::string errorCodesJson() {
  nlohmann::json table = nlohmann::json::object();
  for (ErrorCode code : kAllErrorCodes) {
    nlohmann::json& entry = table[errorCodeName(code)];
    entry["numericCode"] = errorNumericCode(code);
    entry["httpStatus"] = errorHttpStatus(code);
  }
  return table.dump();
}

bool isPublicAddress(const std::string& address) { return oa::isPublicAddress(std::string_view(address)); }

}  // namespace oa
