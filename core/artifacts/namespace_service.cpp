#include "artifacts/namespace_service.h"

#include "artifacts/names.h"
#include "base/http_url.h"
#include "base/storage_keys.h"
#include "open_artifacts/errors.h"

namespace oa {

namespace {
[[noreturn]] void throwNotReady(const RepoRecord& r) { throw notReadyError(r.status, r.name); }
[[noreturn]] void throwRepoNotFound() { throwError(ErrorCode::NotFound, "Repository not found"); }
}  // namespace

git::IngestLimits ingestLimitsFor(const StorageLimits& limits) {
  git::IngestLimits out;
  out.maxRepoBytes = limits.maxRepoBytes;
  out.maxPackBytes = limits.maxPackBytes;
  return out;
}

NamespaceService::NamespaceService(NamespaceConfig config, KvStore& registry, Host& host)
    : config_(std::move(config)), store_(registry), registry_(store_, host), records_(store_, host), host_(host) {
  if (!isValidNamespaceName(config_.name)) {
    throwError(ErrorCode::InvalidInput, "Invalid namespace name", "/namespace");
  }
  while (!config_.baseUrl.empty() && config_.baseUrl.back() == '/') config_.baseUrl.pop_back();
  if (!isHttpUrl(config_.baseUrl)) {
    throwError(ErrorCode::InvalidInput, "baseUrl must be an http(s) URL without query or fragment",
               "/baseUrl");
  }
}

std::string NamespaceService::remoteUrl(const std::string& name) const {
  return config_.baseUrl + "/git/" + config_.name + "/" + name + ".git";
}

void NamespaceService::validateOptions(const CreateRepoOptions& options) {
  if (!isValidBranchName(options.defaultBranch)) {
    throwError(ErrorCode::InvalidInput, "Artifacts default branch is invalid", "/default_branch");
  }
  if (options.description && options.description->size() > kMaxDescriptionBytes) {
    throwError(ErrorCode::InvalidInput, "description must be at most 4096 bytes", "/description");
  }
}

// Records written before leases existed count as lapsed: their job is long gone.
bool NamespaceService::lapsed(const RepoRecord& record) const {
  return record.status != RepoStatus::Ready && (!record.leaseUntilMs || *record.leaseUntilMs <= host_.nowMs());
}

std::optional<RepoRecord> NamespaceService::removeAndQueue(const std::string& name,
                                                           const std::function<bool(const RepoRecord&)>& shouldRemove) {
  auto removed = registry_.remove(name, shouldRemove, [](const RepoRecord& r, WriteBatch& batch) {
    batch.put(keys::kReleasePrefix + r.id, std::string_view(r.name));
  });
  if (removed) mayHaveReleases_ = true;
  return removed;
}

std::optional<RepoRecord> NamespaceService::find(const std::string& name) {
  for (;;) {
    auto record = registry_.find(name);
    if (!record || !lapsed(*record)) return record;
    // A dead job's leftovers: the name is free again. Unless, by the time the
    // removal commits, the job renewed its lease or the name was re-created:
    // then the record is read again.
    removeAndQueue(name, [this](const RepoRecord& current) { return lapsed(current); });
  }
}

NamespaceInfo NamespaceService::info() {
  auto record = records_.find();
  const uint64_t repos = registry_.count();
  // Repos made before namespaces kept a record: the namespace exists, and
  // gets one now (only for a ready repo: one still being made may be refused).
  if (!record && repos > 0 && hasReadyRepo()) record = records_.ensure();
  if (!record) throwError(ErrorCode::NotFound, "Namespace not found");
  return NamespaceInfo{config_.name, *record, repos};
}

bool NamespaceService::hasReadyRepo() {
  bool ready = false;
  registry_.forEach([&](RepoRecord&& r) { ready = ready || r.status == RepoStatus::Ready; });
  return ready;
}

NamespaceInfo NamespaceService::createNamespace(Jurisdiction jurisdiction) {
  return NamespaceInfo{config_.name, records_.create(jurisdiction), 0};
}

void NamespaceService::deleteNamespace() { records_.removeIfEmpty(); }

RepoListPage NamespaceService::query(const RepoQuery& q) {
  if (q.indexed()) return list(q.limit, q.cursor);
  if (q.limit < kMinListLimit || q.limit > kMaxListLimit) {
    throwError(ErrorCode::InvalidInput, "Invalid limit: must be between 1 and 200.", "/limit");
  }
  std::vector<RepoRecord> records;
  // A lapsed job's record is not listed (the next call naming it reclaims it).
  registry_.forEach([&](RepoRecord&& r) {
    if (!lapsed(r)) records.push_back(std::move(r));
  });
  return queryRepos(std::move(records), q);
}

void NamespaceService::noteTokenRepo(const std::string& tokenId, const std::string& repoName) {
  WriteBatch batch;
  batch.put(keys::kTokenRepoPrefix + tokenId, repoNameKey(repoName));
  store_.commit(batch);
}

std::optional<std::string> NamespaceService::tokenRepo(const std::string& tokenId) {
  auto raw = store_.get(keys::kTokenRepoPrefix + tokenId);
  if (!raw) return std::nullopt;
  return bytesToString(*raw);
}

void NamespaceService::forgetTokenRepos(const std::vector<std::string>& tokenIds) {
  if (tokenIds.empty()) return;
  WriteBatch batch;
  for (const auto& id : tokenIds) batch.remove(keys::kTokenRepoPrefix + id);
  store_.commit(batch);
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

// The job's writes below (renewLease, completeRepo) commit only while its own
// record is still registered: a delete or a reclaim by another process that
// lands between the read and the write makes them NOT_FOUND, never revives
// the record.
void NamespaceService::renewLease(RepoRecord& record) {
  const int64_t now = host_.nowMs();
  if (record.leaseUntilMs && *record.leaseUntilMs - now > kJobLeaseMs - kJobLeaseRenewMs) {
    if (!stillRegistered(record)) throwRepoNotFound();
    return;
  }
  auto renewed = registry_.update(record.name, [&](RepoRecord& current) {
    if (current.id != record.id) return false;
    current.leaseUntilMs = now + kJobLeaseMs;
    return true;
  });
  if (!renewed) throwRepoNotFound();
  record.leaseUntilMs = renewed->leaseUntilMs;
}

void NamespaceService::completeRepo(RepoRecord& record) {
  // The job owns its record until it is ready (it may have set the default
  // branch): its copy is what becomes the ready record.
  RepoRecord ready = record;
  ready.status = RepoStatus::Ready;
  ready.leaseUntilMs.reset();
  auto done = registry_.update(record.name, [&](RepoRecord& current) {
    if (current.id != record.id) return false;  // deleted while being filled, or reclaimed
    current = ready;
    return true;
  });
  if (!done) throwRepoNotFound();
  record = std::move(*done);
  // A namespace's first ready repo makes the namespace (spec §1.1): not a
  // repo still being made, so a refused import or fork leaves no namespace.
  records_.ensure();
}

void NamespaceService::abandonRepo(const RepoRecord& record) {
  const auto abandoned = [&](const RepoRecord& current) {
    return current.id == record.id && current.status != RepoStatus::Ready;
  };
  if (removeAndQueue(record.name, abandoned)) return;
  // Made ready before the job gave up (a host's step after completeRepo failed): it stays.
  const auto current = registry_.find(record.name);
  if (current && current->id == record.id) return;
  // Already removed (and queued) by whoever removed it; queue again in case
  // this job wrote after that release (releasing is idempotent).
  WriteBatch release;
  release.put(keys::kReleasePrefix + record.id, std::string_view(record.name));
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
    if (!lapsed(r)) {
      live.push_back(std::move(r));
      continue;
    }
    removeAndQueue(r.name, [&](const RepoRecord& current) { return current.id == r.id && lapsed(current); });
    // Kept only if its job renewed the lease meanwhile.
    auto current = registry_.find(r.name);
    if (current && current->id == r.id && !lapsed(*current)) {
      live.push_back(std::move(*current));
    } else if (page.total > 0) {
      --page.total;
    }
  }
  page.repos = std::move(live);
  return page;
}

std::optional<RepoRecord> NamespaceService::remove(const std::string& name) {
  requireValidRepoName(name);
  // The name is free from here on; the store is released next (queued in the
  // same batch, so a crash in between loses nothing).
  return removeAndQueue(name, [](const RepoRecord&) { return true; });
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
  registry_.update(name, [&](RepoRecord& current) {
    if (current.id != repoId) return false;  // deleted meanwhile
    current.lastPushAtMs = current.updatedAtMs = host_.nowMs();
    return true;
  });
}

std::vector<PendingRelease> NamespaceService::pendingReleases(size_t limit) {
  std::vector<PendingRelease> out;
  for (const auto& row : store_.scan(keys::kReleasePrefix, "", limit)) {
    out.push_back(PendingRelease{row.key.substr(keys::kReleasePrefix.size()), bytesToString(row.value)});
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
