#include "artifacts/import_job.h"

#include "base/address_guard.h"
#include "open_artifacts/errors.h"
#include "git/store/object_walk.h"
#include "git/store/repo_context.h"
#include "base/http_url.h"
#include "artifacts/names.h"
#include "git/protocol/remote_url.h"

namespace oa {

namespace {
constexpr int kMaxImportDepth = 1 << 30;

ArtifactsError nonPublicHost(const std::string& host) {
  return ArtifactsError(ErrorCode::InvalidUrl,
                        "import from \"" + host +
                            "\" refused: loopback, private, link-local and metadata addresses are not allowed",
                        "/url");
}

void validate(const ImportParams& p) {
  if (!isHttpUrl(p.url) || hasUserinfo(p.url)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "url must be an HTTPS git remote URL (e.g. https://github.com/owner/repo)",
                         "/url");
  }
  if (!p.allowHttp && !isHttpsUrl(p.url)) throw ArtifactsError(ErrorCode::InvalidInput, "Must be an HTTPS URL", "/url");
  if (!p.allowPrivate && !isPublicUrlHost(p.url)) throw nonPublicHost(urlHost(p.url));
  if (p.branch && !isValidBranchName(*p.branch)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "Invalid branch name", "/branch");
  }
  if (p.depth < 0 || p.depth > kMaxImportDepth) {
    throw ArtifactsError(ErrorCode::InvalidInput, "depth must be a positive integer", "/depth");
  }
}
}  // namespace

std::string importSource(const std::string& url) { return "git:" + git::remoteUrlWithDotGit(url); }

ImportJob::ImportJob(ArtifactsService& service, const ImportParams& params)
    : service_(service), host_(urlHost(params.url)), sourceUrl_(params.url), branch_(params.branch) {
  validate(params);
  pending_ = service.beginRepo(params.targetName, params.target, RepoStatus::Importing, importSource(params.url));
  try {
    repo_ = service.repo(pending_.record.id).openContext();
    git::FetchClientOptions options;
    options.url = git::remoteBaseUrl(params.url);
    options.branch = params.branch;
    options.depth = params.depth;
    options.ingest = service.ingestLimits();
    client_ = std::make_unique<git::FetchClient>(*repo_, options,
                                                 [this](const git::FetchProgress& p) { progress_ = p; });
  } catch (...) {
    abandon();
    throw;
  }
}

ImportJob::~ImportJob() {
  if (state_ == State::Running) abandon();
}

void ImportJob::abandon() noexcept {
  state_ = State::Failed;
  client_.reset();
  repo_.reset();
  try {
    service_.abandonRepo(pending_.record);
  } catch (...) {
    // Report the import's own error; a leftover "importing" record stays deletable.
  }
}

template <typename F>
auto ImportJob::guard(F&& f) -> decltype(f()) {
  if (state_ != State::Running) throw ArtifactsError(ErrorCode::InternalError, "import is no longer running");
  try {
    if (!service_.stillRegistered(pending_.record)) {
      throw ArtifactsError(ErrorCode::NotFound, "Repository was deleted while importing: " + pending_.record.name);
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
    auto request = client_->nextRequest();
    if (!request) complete();
    return request;
  });
}

void ImportJob::beginResponse(int status, const std::string& contentType) {
  guard([&] { client_->beginResponse(status, contentType); });
}

void ImportJob::write(const uint8_t* data, size_t n) {
  guard([&] { client_->write(data, n); });
}

bool ImportJob::pump() {
  return guard([&] { return client_->pump(); });
}

void ImportJob::endResponse() {
  guard([&] { client_->endResponse(); });
}

void ImportJob::failUnreachable(const std::string& reason) {
  if (state_ == State::Running) abandon();
  throw ArtifactsError(ErrorCode::UpstreamUnavailable, "Could not reach the remote: " + reason);
}

void ImportJob::refuseAddress() {
  if (state_ == State::Running) abandon();
  throw nonPublicHost(host_);
}

// The remote's objects are durable; prove every ref's history is complete
// (a remote can send anything), then write the boundary, refs and HEAD in one
// batch and make the repo ready.
void ImportJob::complete() {
  const git::FetchedRefs& fetched = client_->result();
  git::ShallowStore& shallows = repo_->shallows();
  WriteBatch batch;
  shallows.stage(batch, fetched.shallow);
  git::WalkRequest walk = repo_->walkRequest();  // after stage(): knows the new boundary
  for (const auto& r : fetched.refs) walk.wants.push_back(r.id);
  walk.verifyBlobs = true;
  try {
    git::walkObjects(repo_->git(), walk);
  } catch (const git::MissingObjectError& e) {
    throw ArtifactsError(ErrorCode::UpstreamUnavailable, "remote sent an incomplete pack: missing " + e.id().hex());
  }
  RepoRecord& record = pending_.record;
  // A remote HEAD our branch rules refuse keeps the repo's "main".
  if (isValidBranchName(fetched.defaultBranch)) record.defaultBranch = fetched.defaultBranch;
  for (const auto& r : fetched.refs) repo_->refs().stage(batch, r.name, r.id);
  repo_->refs().stageHead(batch, "refs/heads/" + record.defaultBranch);
  repo_->store().commit(batch);
  service_.completeRepo(record);
  result_ = pending_;
  client_.reset();
  repo_.reset();
  state_ = State::Done;
  service_.emit([&] {
    return repoImportedEvent(service_.config().name, result_.record, sourceUrl_, branch_.value_or(result_.record.defaultBranch),
                             service_.host().nowMs());
  });
  service_.emitInitialToken(result_);
}

}  // namespace oa
