#include "artifacts/repo_service.h"

#include <nlohmann/json.hpp>

#include "artifacts/json_io.h"
#include "base/storage_keys.h"
#include "git/store/ref_store.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
using nlohmann::json;

RepoStatus statusNamed(const std::string& s) {
  if (s == "creating") return RepoStatus::Creating;
  if (s == "importing") return RepoStatus::Importing;
  if (s == "forking") return RepoStatus::Forking;
  return RepoStatus::Ready;
}
}  // namespace

RepoService::RepoService(KvStore& store, Host& host, git::IngestLimits limits, Alternates alternates)
    : store_(store), host_(host), limits_(limits), alternates_(std::move(alternates)) {}

namespace {
void stageIdentity(WriteBatch& batch, const RepoIdentity& identity) {
  json j;
  j["namespace"] = identity.namespaceName;
  j["id"] = identity.id;
  j["name"] = identity.name;
  j["readOnly"] = identity.readOnly;
  j["status"] = repoStatusName(identity.status);
  batch.put(keys::kIdentityKey, j.dump());
}
}  // namespace

MintedToken RepoService::initialize(const RepoIdentity& identity, const std::string& defaultBranch) {
  // Identity and HEAD in one batch: any store with rows says whose it is.
  WriteBatch batch;
  stageIdentity(batch, identity);
  git::RefStore(store_).stageHead(batch, "refs/heads/" + defaultBranch);
  store_.commit(batch);
  return TokenStore(store_, host_).mint(TokenScope::Write, kDefaultTokenTtlSeconds);
}

std::optional<RepoIdentity> RepoService::identity() {
  auto raw = store_.get(keys::kIdentityKey);
  if (!raw) return std::nullopt;
  const json j = parseJson(*raw, false);
  if (!j.is_object()) throwError(ErrorCode::InternalError, "A stored repo identity is corrupt");
  RepoIdentity out;
  out.namespaceName = j.value("namespace", "");
  out.id = j.value("id", "");
  out.name = j.value("name", "");
  out.readOnly = j.value("readOnly", false);
  out.status = statusNamed(j.value("status", ""));
  return out;
}

void RepoService::writeIdentity(const RepoIdentity& identity) {
  WriteBatch batch;
  stageIdentity(batch, identity);
  store_.commit(batch);
}

void RepoService::markReady() {
  auto current = identity();
  if (!current) throwError(ErrorCode::InternalError, "repository store was never initialized");
  current->status = RepoStatus::Ready;
  writeIdentity(*current);
}

MintedToken RepoService::createToken(TokenScope scope, int64_t ttlSeconds) {
  return TokenStore(store_, host_).mint(scope, ttlSeconds);
}

std::vector<TokenRecord> RepoService::listTokens() { return TokenStore(store_, host_).listActive(); }

std::vector<TokenRecord> RepoService::listAllTokens() { return TokenStore(store_, host_).listAll(); }

std::optional<TokenRecord> RepoService::findToken(const std::string& id) { return TokenStore(store_, host_).find(id); }

std::optional<std::string> RepoService::revokeToken(const std::string& tokenOrId) {
  return TokenStore(store_, host_).revoke(tokenOrId);
}

GitAccess RepoService::authorizeGit(const std::optional<std::string>& token, bool write) {
  GitAccess out;
  if (!token || token->empty()) {
    out.status = 401;
    out.message = "Authentication required";
    return out;
  }
  const auto self = identity();
  const auto tokenRecord = self ? TokenStore(store_, host_).authenticate(*token) : std::nullopt;
  if (!tokenRecord) {
    out.status = 403;
    out.message = "Invalid or expired token";
    return out;
  }
  if (self->status != RepoStatus::Ready) {
    out.status = 409;
    out.message = std::string("Repository is ") + repoStatusName(self->status);
    return out;
  }
  if (write && tokenRecord->scope != TokenScope::Write) {
    out.status = 403;
    out.message = "Insufficient permissions";
    return out;
  }
  if (write && self->readOnly) {
    out.status = 403;
    out.message = kReadOnlyMessage;
    return out;
  }
  return out;
}

std::unique_ptr<git::RepoContext> RepoService::openContext() {
  return std::make_unique<git::RepoContext>(store_, alternates_ ? alternates_() : std::vector<KvStore*>{});
}

CommitOutcome RepoService::commit(CommitRequest& request) {
  const auto self = identity();
  if (self && self->readOnly) throwError(ErrorCode::InvalidInput, kReadOnlyMessage);
  // A context of its own: a failed commit leaves objects it believes stored (commit_writer.h).
  const auto context = openContext();
  return writeCommit(*context, request, limits_.maxRepoBytes, host_.nowMs() / 1000);
}

}  // namespace oa
