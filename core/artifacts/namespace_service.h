// The namespace half of the service (DESIGN.md "Where it runs"): one
// namespace's registry and nothing else. Names and their uniqueness, metadata,
// status, listing, the leases of the jobs filling new repos, and the queue of
// removed repos whose stores await release. It never reads or writes a repo's
// own store: the steps that do are the caller's (artifacts_service.h composes
// both halves in one process; a Workers host sends them to the repo's
// Durable Object), so each half runs synchronously on its own storage.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "artifacts/namespace_record.h"
#include "artifacts/repo_query.h"
#include "artifacts/repo_registry.h"
#include "base/chunked_store.h"
#include "git/store/pack_ingest.h"
#include "open_artifacts/host.h"

namespace oa {

// Size limits the host may tighten or loosen (HTTP 413 / MEMORY_LIMIT past them).
struct StorageLimits {
  uint64_t maxRepoBytes = 1ull << 30;  // a repo's stored objects (spec §8.1: 1 GB per repo)
  uint64_t maxPackBytes = 1ull << 30;  // one pushed or imported pack
};

// The limits as the git side takes them.
git::IngestLimits ingestLimitsFor(const StorageLimits& limits);

struct NamespaceConfig {
  std::string name;     // namespace name, 2-63 characters
  std::string baseUrl;  // e.g. "http://127.0.0.1:8788"; remotes are <baseUrl>/git/<ns>/<repo>.git
  StorageLimits limits;
};

struct NamespaceInfo {
  std::string name;
  NamespaceRecord record;
  uint64_t repoCount = 0;
};

struct CreateRepoOptions {
  std::optional<std::string> description;
  bool readOnly = false;
  std::string defaultBranch = "main";
};

constexpr size_t kMaxDescriptionBytes = 4096;

// A job filling a repo (create, fork, import) holds a lease on its record and
// renews it while it runs; once it lapses the job is presumed dead (crash,
// SIGKILL, an evicted Durable Object) and any later call naming the repo
// removes the leftovers. Jobs renew at most every kJobLeaseRenewMs, so a
// slow remote (an import waiting on the network) may pause up to the rest.
constexpr int64_t kJobLeaseMs = 120'000;
constexpr int64_t kJobLeaseRenewMs = 30'000;

// A removed repo whose store awaits release: its id, and its name where the
// store is found by name (a Durable Object per repo; "" in older queues).
struct PendingRelease {
  std::string repoId;
  std::string repoName;
};

class NamespaceService {
 public:
  // Throws INVALID_INPUT for a bad namespace name or base URL.
  NamespaceService(NamespaceConfig config, KvStore& registry, Host& host);

  const NamespaceConfig& config() const { return config_; }
  Host& host() { return host_; }
  // "<baseUrl>/git/<namespace>/<name>.git".
  std::string remoteUrl(const std::string& name) const;

  // ---- The namespace itself (namespace_record.h). A namespace exists once
  // it has a record: an explicit create, or its first repo.
  // NOT_FOUND "Namespace not found" when it does not exist.
  NamespaceInfo info();
  // ALREADY_EXISTS when it exists.
  NamespaceInfo createNamespace(Jurisdiction jurisdiction);
  // NOT_FOUND when it does not exist; INVALID_INPUT while it holds repos.
  void deleteNamespace();

  // ---- Repos being made. beginRepo registers `name` as not ready (`status`
  // Creating, Importing or Forking) under a fresh lease, after validating the
  // name and options (INVALID_REPO_NAME, INVALID_INPUT, ALREADY_EXISTS).
  RepoRecord beginRepo(const std::string& name, const CreateRepoOptions& options, RepoStatus status,
                       std::optional<std::string> source);
  // The job is alive: its lease moves out (a registry write at most every kJobLeaseRenewMs).
  // NOT_FOUND once the record is gone (deleted, or reclaimed after a lapse).
  void renewLease(RepoRecord& record);
  // Ready, lease dropped. NOT_FOUND if the record is gone.
  void completeRepo(RepoRecord& record);
  // Removes a record that never became ready (if it is still registered) and
  // queues its store for release. A record that became ready stays.
  void abandonRepo(const RepoRecord& record);
  bool stillRegistered(const RepoRecord& record);

  // ---- The binding's namespace methods.
  // The ready repo of that name: NOT_FOUND, or the *_IN_PROGRESS code of a repo still being made.
  RepoRecord get(const std::string& name);
  RepoListPage list(int limit, const std::optional<std::string>& cursor);
  // The REST listing (repo_query.h): list() when the query asks for its order.
  RepoListPage query(const RepoQuery& query);
  // The removed record (its store queued for release), or nullopt.
  std::optional<RepoRecord> remove(const std::string& name);
  // The record a repo handle was made for, whatever its status: NOT_FOUND once
  // the repo was deleted (or deleted and re-created under the same name).
  RepoRecord handle(const std::string& name, const std::string& repoId);
  // The same, ready (NOT_FOUND, *_IN_PROGRESS).
  RepoRecord readyHandle(const std::string& name, const std::string& repoId);
  // The current record of `name`; a lapsed job's record is reclaimed on the way (nullopt).
  std::optional<RepoRecord> find(const std::string& name);
  // A push changed refs: lastPushAt and updatedAt move to now.
  void recordPush(const std::string& name, const std::string& repoId);

  // ---- Which repo minted a token (REST revokes tokens by id alone). A hint:
  // the repo named may since have been deleted or re-created.
  void noteTokenRepo(const std::string& tokenId, const std::string& repoName);
  std::optional<std::string> tokenRepo(const std::string& tokenId);
  void forgetTokenRepo(const std::string& tokenId) { forgetTokenRepos({tokenId}); }
  void forgetTokenRepos(const std::vector<std::string>& tokenIds);

  // ---- Releasing the stores of removed repos. A removal queues the repo id
  // in the same registry batch, so a crash between the two halves never
  // loses track of a store; the caller releases it, then calls released().
  bool mayHaveReleases() const { return mayHaveReleases_; }
  std::vector<PendingRelease> pendingReleases(size_t limit);
  void released(const std::string& repoId);
  // Every record, any status, in name order.
  void forEachRecord(const std::function<void(RepoRecord&&)>& visit) { registry_.forEach(visit); }
  // Every repo id the registry names (for a sweep of unnamed stores).
  std::unordered_set<std::string> registeredIds();

 private:
  void validateOptions(const CreateRepoOptions& options);
  bool hasReadyRepo();
  bool lapsed(const RepoRecord& record) const;
  // Removes `name`'s record if `shouldRemove(current record)` and queues its
  // store for release, in one batch. The removed record, or nullopt.
  std::optional<RepoRecord> removeAndQueue(const std::string& name,
                                           const std::function<bool(const RepoRecord&)>& shouldRemove);

  NamespaceConfig config_;
  ChunkedStore store_;
  RepoRegistry registry_;
  NamespaceRecordStore records_;
  Host& host_;
  bool mayHaveReleases_ = true;  // until a scan finds none: a crash may have left some
};

}  // namespace oa
