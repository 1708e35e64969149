#include "artifacts/repo_fetch.h"

#include "artifacts/names.h"
#include "base/address_guard.h"
#include "base/http_url.h"
#include "git/protocol/remote_url.h"
#include "git/store/object_walk.h"
#include "git/store/repo_context.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
constexpr int kMaxImportDepth = 1 << 30;
}  // namespace

ArtifactsError nonPublicHostError(const std::string& host) {
  return ArtifactsError(ErrorCode::InvalidUrl,
                        "import from \"" + host +
                            "\" refused: loopback, private, link-local and metadata addresses are not allowed",
                        "/url");
}

void checkImportSource(const FetchSource& s, bool allowHttp, bool allowPrivate) {
  if (!isHttpUrl(s.url) || hasUserinfo(s.url)) {
    throwError(ErrorCode::InvalidInput, "url must be an HTTPS git remote URL (e.g. https://github.com/owner/repo)",
               "/url");
  }
  if (!allowHttp && !isHttpsUrl(s.url)) throwError(ErrorCode::InvalidInput, "Must be an HTTPS URL", "/url");
  if (!allowPrivate && !isPublicUrlHost(s.url)) throw nonPublicHostError(urlHost(s.url));
  if (s.branch && !isValidBranchName(*s.branch)) {
    throwError(ErrorCode::InvalidInput, "Invalid branch name", "/branch");
  }
  if (s.depth < 0 || s.depth > kMaxImportDepth) {
    throwError(ErrorCode::InvalidInput, "depth must be a positive integer", "/depth");
  }
}

RepoFetch::RepoFetch(RepoService& repo, const FetchSource& source) : repo_(repo.openContext()) {
  git::FetchClientOptions options;
  options.url = git::remoteBaseUrl(source.url);
  options.branch = source.branch;
  options.depth = source.depth;
  options.ingest = repo.ingestLimits();
  client_ = std::make_unique<git::FetchClient>(*repo_, options, [this](const git::FetchProgress& p) { progress_ = p; });
}

RepoFetch::~RepoFetch() = default;

std::string RepoFetch::finish(const std::string& fallbackBranch) {
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
    throwError(ErrorCode::UpstreamUnavailable, "remote sent an incomplete pack: missing " + e.id().hex());
  }
  const std::string branch = isValidBranchName(fetched.defaultBranch) ? fetched.defaultBranch : fallbackBranch;
  for (const auto& r : fetched.refs) repo_->refs().stage(batch, r.name, r.id);
  repo_->refs().stageHead(batch, "refs/heads/" + branch);
  repo_->store().commit(batch);
  return branch;
}

}  // namespace oa
