#include "artifacts/import_job.h"

#include "base/address_guard.h"
#include "base/http_url.h"
#include "git/protocol/remote_url.h"
#include "open_artifacts/errors.h"

namespace oa {

std::string importSource(const std::string& url) { return "git:" + git::remoteUrlWithDotGit(url); }

ImportJob::ImportJob(ArtifactsService& service, const ImportParams& params)
    : service_(service), host_(urlHost(params.source.url)), sourceUrl_(params.source.url), branch_(params.source.branch) {
  checkImportSource(params.source, params.allowHttp, params.allowPrivate);
  pending_ = service.beginRepo(params.targetName, params.target, RepoStatus::Importing, importSource(params.source.url));
  try {
    fetch_ = std::make_unique<RepoFetch>(service.repo(pending_.record.id), params.source);
  } catch (...) {
    abandon();
    throw;
  }
}

ImportJob::~ImportJob() {
  if (state_ == State::Running) abandon();
}

const git::FetchProgress& ImportJob::progress() const {
  return fetch_ ? fetch_->progress() : finalProgress_;
}

void ImportJob::abandon() noexcept {
  state_ = State::Failed;
  if (fetch_) finalProgress_ = fetch_->progress();
  fetch_.reset();
  try {
    service_.abandonRepo(pending_.record);
  } catch (...) {
    // Report the import's own error; a leftover "importing" record stays deletable.
  }
}

template <typename F>
auto ImportJob::guard(F&& f) -> decltype(f()) {
  if (state_ != State::Running) throwError(ErrorCode::InternalError, "import is no longer running");
  try {
    if (!service_.stillRegistered(pending_.record)) {
      throwError(ErrorCode::NotFound, "Repository was deleted while importing: " + pending_.record.name);
    }
    service_.keepAlive(pending_.record);
    return f();
  } catch (...) {
    abandon();
    throw;
  }
}

std::optional<git::HttpRequest> ImportJob::nextRequest() {
  if (state_ == State::Done) return std::nullopt;
  return guard([&]() -> std::optional<git::HttpRequest> {
    auto request = fetch_->nextRequest();
    if (!request) complete();
    return request;
  });
}

void ImportJob::beginResponse(int status, const std::string& contentType) {
  guard([&] { fetch_->beginResponse(status, contentType); });
}

void ImportJob::write(const uint8_t* data, size_t n) {
  guard([&] { fetch_->write(data, n); });
}

bool ImportJob::pump() {
  return guard([&] { return fetch_->pump(); });
}

void ImportJob::endResponse() {
  guard([&] { fetch_->endResponse(); });
}

void ImportJob::failUnreachable(const std::string& reason) {
  if (state_ == State::Running) abandon();
  throwError(ErrorCode::UpstreamUnavailable, "Could not reach the remote: " + reason);
}

void ImportJob::refuseAddress() {
  if (state_ == State::Running) abandon();
  throw nonPublicHostError(host_);
}

// The remote's objects are durable: the repo side writes its refs, then the repo is made ready.
void ImportJob::complete() {
  RepoRecord& record = pending_.record;
  // A remote HEAD our branch rules refuse keeps the repo's "main".
  record.defaultBranch = fetch_->finish(record.defaultBranch);
  service_.completeRepo(record);
  result_ = pending_;
  finalProgress_ = fetch_->progress();
  fetch_.reset();
  state_ = State::Done;
  service_.emit([&] {
    return repoImportedEvent(service_.config().name, result_.record, sourceUrl_, branch_.value_or(result_.record.defaultBranch),
                             service_.host().nowMs());
  });
  service_.emitInitialToken(result_);
}

}  // namespace oa
