#include "artifacts/artifacts_service.h"

#include "open_artifacts/errors.h"
#include "base/http_url.h"
#include "artifacts/names.h"
#include "artifacts/repo_store.h"

namespace oa {

namespace {
[[noreturn]] void throwNotReady(const RepoRecord& r) {
  switch (r.status) {
    case RepoStatus::Creating:
      throw ArtifactsError(ErrorCode::CreateInProgress, "Repository is still being created: " + r.name);
    case RepoStatus::Importing:
      throw ArtifactsError(ErrorCode::ImportInProgress, "Repository is still importing: " + r.name);
    case RepoStatus::Forking:
      throw ArtifactsError(ErrorCode::ForkInProgress, "Repository is still forking: " + r.name);
    case RepoStatus::Ready:
      break;
  }
  throw ArtifactsError(ErrorCode::InternalError, "unexpected repository status");
}

[[noreturn]] void throwRepoNotFound() { throw ArtifactsError(ErrorCode::NotFound, "Repository not found"); }
}  // namespace

ArtifactsService::ArtifactsService(NamespaceConfig config, KvStore& registryStore, RepoStorageProvider& repos,
                                   Host& host)
    : config_(std::move(config)), registryStore_(registryStore), registry_(registryStore_, host), repos_(repos),
      host_(host) {
  if (!isValidNamespaceName(config_.name)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "Invalid namespace name", "/namespace");
  }
  while (!config_.baseUrl.empty() && config_.baseUrl.back() == '/') config_.baseUrl.pop_back();
  if (!isHttpUrl(config_.baseUrl)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "baseUrl must be an http(s) URL without query or fragment",
                         "/baseUrl");
  }
}

ChunkedStore& ArtifactsService::repoStore(const std::string& repoId) {
  auto& slot = repoStores_[repoId];
  if (!slot) slot = std::make_unique<ChunkedStore>(repos_.openRepo(repoId));
  return *slot;
}

void ArtifactsService::validateOptions(const CreateRepoOptions& options) {
  if (!isValidBranchName(options.defaultBranch)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "Artifacts default branch is invalid", "/default_branch");
  }
  if (options.description && options.description->size() > kMaxDescriptionBytes) {
    throw ArtifactsError(ErrorCode::InvalidInput, "description must be at most 4096 bytes", "/description");
  }
}

PendingRepo ArtifactsService::beginRepo(const std::string& name, const CreateRepoOptions& options, RepoStatus status,
                                        std::optional<std::string> source) {
  requireValidRepoName(name);
  validateOptions(options);
  RepoRecord record;
  record.name = name;
  record.description = options.description;
  record.readOnly = options.readOnly;
  record.defaultBranch = options.defaultBranch;
  record.source = std::move(source);
  // Not ready first: a crash before "ready" leaves a visible, deletable record
  // (*_IN_PROGRESS) rather than a repo without a HEAD.
  record.status = status;
  record = registry_.insert(record);
  PendingRepo out;
  try {
    KvStore& store = repoStore(record.id);
    RepoStore(store).initialize(record.defaultBranch);
    out.token = TokenStore(store, host_).mint(TokenScope::Write, kDefaultTokenTtlSeconds).plaintext;
  } catch (...) {
    abandonRepo(record);
    throw;
  }
  out.record = record;
  return out;
}

void ArtifactsService::completeRepo(RepoRecord& record) {
  // Deleted while it was being filled (delete() works on any status).
  if (!stillRegistered(record)) throwRepoNotFound();
  record.status = RepoStatus::Ready;
  registry_.update(record);
}

void ArtifactsService::abandonRepo(const RepoRecord& record) {
  if (stillRegistered(record)) registry_.remove(record.name);
  releaseStorage(record.id);
}

void ArtifactsService::releaseStorage(const std::string& repoId) {
  std::optional<std::string> lender;
  {
    RepoStore repo(repoStore(repoId));
    if (repo.hasBorrowers()) {
      repo.retire();
      return;
    }
    lender = repo.lender();
  }
  // The pin goes first (nothing reads this repo's objects any more): a crash
  // mid-destroy then strands this repo's rows, never a whole parent's.
  if (lender) returnBorrowed(*lender, repoId);
  // The store object stays cached (repoStores_ is never pruned): a fork or
  // import still running may hold a reference to it.
  RepoStore::destroy(repos_.openRepo(repoId));
}

void ArtifactsService::addBorrower(const std::string& lenderId, const std::string& borrowerId) {
  RepoStore(repoStore(borrowerId)).setLender(lenderId);  // first: the borrower's deletion finds the pin
  RepoStore(repoStore(lenderId)).addBorrower(borrowerId);
}

void ArtifactsService::returnBorrowed(const std::string& lenderId, const std::string& borrowerId) {
  RepoStore borrower(repoStore(borrowerId));
  if (borrower.lender() == lenderId) borrower.setLender(std::nullopt);
  RepoStore lender(repoStore(lenderId));
  lender.removeBorrower(borrowerId);
  if (lender.retired() && !lender.hasBorrowers()) releaseStorage(lenderId);
}

bool ArtifactsService::stillRegistered(const RepoRecord& record) {
  auto current = registry_.find(record.name);
  return current && current->id == record.id;
}

std::vector<KvStore*> ArtifactsService::alternatesOf(const std::string& repoId) {
  std::vector<KvStore*> out;
  std::optional<std::string> next = RepoStore(repoStore(repoId)).alternate();
  while (next && out.size() < kMaxAlternateChain) {
    KvStore& store = repoStore(*next);
    out.push_back(&store);
    next = RepoStore(store).alternate();
  }
  return out;
}

std::unique_ptr<git::RepoContext> ArtifactsService::openRepoContext(const std::string& repoId) {
  return std::make_unique<git::RepoContext>(repoStore(repoId), alternatesOf(repoId));
}

bool ArtifactsService::canLendObjects(const std::string& repoId) {
  return repos_.sharesStorage() && alternatesOf(repoId).size() + 1 < kMaxAlternateChain;
}

void ArtifactsService::borrowObjects(const std::string& borrowerId, const std::string& lenderId) {
  WriteBatch batch;
  RepoStore(repoStore(borrowerId)).stageAlternate(batch, lenderId);
  repoStore(borrowerId).commit(batch);
}

CreatedRepo ArtifactsService::create(const std::string& name, const CreateRepoOptions& options) {
  PendingRepo pending = beginRepo(name, options, RepoStatus::Creating, std::nullopt);
  completeRepo(pending.record);
  return CreatedRepo{pending.record, pending.token};
}

RepoRecord ArtifactsService::get(const std::string& name) {
  requireValidRepoName(name);
  auto record = registry_.find(name);
  if (!record) throwRepoNotFound();
  if (record->status != RepoStatus::Ready) throwNotReady(*record);
  return *record;
}

RepoListPage ArtifactsService::list(int limit, const std::optional<std::string>& cursor) {
  return registry_.list(limit, cursor);
}

bool ArtifactsService::remove(const std::string& name) {
  requireValidRepoName(name);
  auto record = registry_.remove(name);
  if (!record) return false;
  // The name is free from here on; the repo's rows go next. A crash in between
  // leaves unreachable rows, never a half-visible repo.
  releaseStorage(record->id);
  return true;
}

RepoRecord ArtifactsService::requireRepo(const std::string& name, const std::string& repoId) {
  auto record = registry_.find(name);
  if (!record || record->id != repoId) throwRepoNotFound();
  return *record;
}

RepoRecord ArtifactsService::readyRepo(const std::string& name, const std::string& repoId) {
  RepoRecord record = requireRepo(name, repoId);
  if (record.status != RepoStatus::Ready) throwNotReady(record);
  return record;
}

RepoRecord ArtifactsService::info(const std::string& name, const std::string& repoId) {
  return requireRepo(name, repoId);
}

MintedToken ArtifactsService::createToken(const std::string& name, const std::string& repoId, TokenScope scope,
                                          int64_t ttlSeconds) {
  requireRepo(name, repoId);
  return TokenStore(repoStore(repoId), host_).mint(scope, ttlSeconds);
}

std::vector<TokenRecord> ArtifactsService::listTokens(const std::string& name, const std::string& repoId) {
  requireRepo(name, repoId);
  return TokenStore(repoStore(repoId), host_).listActive();
}

bool ArtifactsService::revokeToken(const std::string& name, const std::string& repoId, const std::string& tokenOrId) {
  requireRepo(name, repoId);
  return TokenStore(repoStore(repoId), host_).revoke(tokenOrId);
}

GitAccess ArtifactsService::authorizeGit(const std::string& name, const std::optional<std::string>& token,
                                        bool write) {
  GitAccess out;
  if (!token || token->empty()) {
    out.status = 401;
    out.message = "Authentication required";
    return out;
  }
  auto record = isValidRepoName(name) ? registry_.find(name) : std::nullopt;
  // Unknown repos answer like bad tokens: a token never reveals other repos.
  std::optional<TokenRecord> tokenRecord;
  if (record) tokenRecord = TokenStore(repoStore(record->id), host_).authenticate(*token);
  if (!tokenRecord) {
    out.status = 403;
    out.message = "Invalid or expired token";
    return out;
  }
  if (record->status != RepoStatus::Ready) {
    out.status = 409;
    out.message = std::string("Repository is ") + repoStatusName(record->status);
    return out;
  }
  if (write && tokenRecord->scope != TokenScope::Write) {
    out.status = 403;
    out.message = "Insufficient permissions";
    return out;
  }
  if (write && record->readOnly) {
    out.status = 403;
    out.message = "repository is read-only";
    return out;
  }
  out.record = *record;
  return out;
}

void ArtifactsService::recordPush(const std::string& name, const std::string& repoId) {
  auto record = registry_.find(name);
  if (!record || record->id != repoId) return;  // deleted meanwhile
  record->lastPushAtMs = record->updatedAtMs = host_.nowMs();
  registry_.update(*record);
}

git::IngestLimits ArtifactsService::ingestLimits() const {
  git::IngestLimits limits;
  limits.maxRepoBytes = config_.limits.maxRepoBytes;
  limits.maxPackBytes = config_.limits.maxPackBytes;
  return limits;
}

std::string ArtifactsService::remoteUrl(const std::string& name) const {
  return config_.baseUrl + "/git/" + config_.name + "/" + name + ".git";
}

}  // namespace oa
