#include "artifacts/namespace_service.h"

#include "artifacts/names.h"
#include "base/http_url.h"
#include "base/storage_keys.h"
#include "open_artifacts/errors.h"

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

NamespaceService::NamespaceService(NamespaceConfig config, KvStore& registry, Host& host)
    : config_(std::move(config)), store_(registry), registry_(store_, host), host_(host) {
  if (!isValidNamespaceName(config_.name)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "Invalid namespace name", "/namespace");
  }
  while (!config_.baseUrl.empty() && config_.baseUrl.back() == '/') config_.baseUrl.pop_back();
  if (!isHttpUrl(config_.baseUrl)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "baseUrl must be an http(s) URL without query or fragment",
                         "/baseUrl");
  }
}

std::string NamespaceService::remoteUrl(const std::string& name) const {
  return config_.baseUrl + "/git/" + config_.name + "/" + name + ".git";
}

void NamespaceService::validateOptions(const CreateRepoOptions& options) {
  if (!isValidBranchName(options.defaultBranch)) {
    throw ArtifactsError(ErrorCode::InvalidInput, "Artifacts default branch is invalid", "/default_branch");
  }
  if (options.description && options.description->size() > kMaxDescriptionBytes) {
    throw ArtifactsError(ErrorCode::InvalidInput, "description must be at most 4096 bytes", "/description");
  }
}

// Records written before leases existed count as lapsed: their job is long gone.
bool NamespaceService::lapsed(const RepoRecord& record) const {
  return record.status != RepoStatus::Ready && (!record.leaseUntilMs || *record.leaseUntilMs <= host_.nowMs());
}

void NamespaceService::removeAndQueue(const RepoRecord& record) {
  WriteBatch release;
  release.put(keys::kReleasePrefix + record.id, std::string_view(""));
  registry_.remove(record.name, release);
  mayHaveReleases_ = true;
}

std::optional<RepoRecord> NamespaceService::find(const std::string& name) {
  auto record = registry_.find(name);
  if (record && lapsed(*record)) {
    removeAndQueue(*record);  // a dead job's leftovers: the name is free again
    return std::nullopt;
  }
  return record;
}

RepoRecord NamespaceService::beginRepo(const std::string& name, const CreateRepoOptions& options, RepoStatus status,
                                       std::optional<std::string> source) {
  requireValidRepoName(name);
  validateOptions(options);
  find(name);  // reclaims a lapsed job's record of this name
  RepoRecord record;
  record.name = name;
  record.description = options.description;
  record.readOnly = options.readOnly;
  record.defaultBranch = options.defaultBranch;
  record.source = std::move(source);
  // Not ready first: a crash before "ready" leaves a record that lists as
  // in progress and lapses, never a ready repo without a store.
  record.status = status;
  record.leaseUntilMs = host_.nowMs() + kJobLeaseMs;
  return registry_.insert(record);
}

void NamespaceService::renewLease(RepoRecord& record) {
  if (!stillRegistered(record)) throwRepoNotFound();
  const int64_t now = host_.nowMs();
  if (record.leaseUntilMs && *record.leaseUntilMs - now > kJobLeaseMs - kJobLeaseRenewMs) return;
  record.leaseUntilMs = now + kJobLeaseMs;
  registry_.update(record);
}

void NamespaceService::completeRepo(RepoRecord& record) {
  // Deleted while it was being filled (delete() works on any status), or reclaimed.
  if (!stillRegistered(record)) throwRepoNotFound();
  record.status = RepoStatus::Ready;
  record.leaseUntilMs.reset();
  registry_.update(record);
}

void NamespaceService::abandonRepo(const RepoRecord& record) {
  if (stillRegistered(record)) {
    removeAndQueue(record);
    return;
  }
  // Already removed (and queued) by whoever removed it; queue again in case
  // this job wrote after that release (releasing is idempotent).
  WriteBatch release;
  release.put(keys::kReleasePrefix + record.id, std::string_view(""));
  store_.commit(release);
  mayHaveReleases_ = true;
}

bool NamespaceService::stillRegistered(const RepoRecord& record) {
  auto current = registry_.find(record.name);
  return current && current->id == record.id;
}

RepoRecord NamespaceService::get(const std::string& name) {
  requireValidRepoName(name);
  auto record = find(name);
  if (!record) throwRepoNotFound();
  if (record->status != RepoStatus::Ready) throwNotReady(*record);
  return *record;
}

RepoListPage NamespaceService::list(int limit, const std::optional<std::string>& cursor) {
  RepoListPage page = registry_.list(limit, cursor);
  // A lapsed job's record is reclaimed here too (it would never finish).
  std::vector<RepoRecord> live;
  for (auto& r : page.repos) {
    if (lapsed(r)) {
      removeAndQueue(r);
      if (page.total > 0) --page.total;
    } else {
      live.push_back(std::move(r));
    }
  }
  page.repos = std::move(live);
  return page;
}

std::optional<RepoRecord> NamespaceService::remove(const std::string& name) {
  requireValidRepoName(name);
  auto record = registry_.find(name);
  if (!record) return std::nullopt;
  // The name is free from here on; the store is released next (queued in the
  // same batch, so a crash in between loses nothing).
  removeAndQueue(*record);
  return record;
}

RepoRecord NamespaceService::handle(const std::string& name, const std::string& repoId) {
  auto record = find(name);
  if (!record || record->id != repoId) throwRepoNotFound();
  return *record;
}

RepoRecord NamespaceService::readyHandle(const std::string& name, const std::string& repoId) {
  RepoRecord record = handle(name, repoId);
  if (record.status != RepoStatus::Ready) throwNotReady(record);
  return record;
}

void NamespaceService::recordPush(const std::string& name, const std::string& repoId) {
  auto record = registry_.find(name);
  if (!record || record->id != repoId) return;  // deleted meanwhile
  record->lastPushAtMs = record->updatedAtMs = host_.nowMs();
  registry_.update(*record);
}

std::vector<std::string> NamespaceService::pendingReleases(size_t limit) {
  std::vector<std::string> out;
  for (const auto& row : store_.scan(keys::kReleasePrefix, "", limit)) {
    out.push_back(row.key.substr(keys::kReleasePrefix.size()));
  }
  if (out.empty()) mayHaveReleases_ = false;
  return out;
}

void NamespaceService::released(const std::string& repoId) {
  WriteBatch batch;
  batch.remove(keys::kReleasePrefix + repoId);
  store_.commit(batch);
}

std::unordered_set<std::string> NamespaceService::registeredIds() {
  std::unordered_set<std::string> ids;
  std::optional<std::string> cursor;
  do {
    RepoListPage page = registry_.list(kMaxListLimit, cursor);
    for (const auto& r : page.repos) ids.insert(r.id);
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

}  // namespace oa
