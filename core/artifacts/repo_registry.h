// The namespace registry (DESIGN.md "Storage"): repo metadata, uniqueness,
// status and listing. Lives on the namespace's own storage handle.
//
// Keys: base/storage_keys.h (r/, c/, m/count, m/seq).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "open_artifacts/errors.h"
#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa {

enum class RepoStatus { Creating, Importing, Forking, Ready };
const char* repoStatusName(RepoStatus status);
// What a repo still being made answers (CREATE_/IMPORT_/FORK_IN_PROGRESS).
ArtifactsError notReadyError(RepoStatus status, const std::string& name);

struct RepoRecord {
  std::string id;
  std::string name;
  std::optional<std::string> description;
  std::string defaultBranch;
  int64_t createdAtMs = 0;
  int64_t updatedAtMs = 0;
  std::optional<int64_t> lastPushAtMs;
  std::optional<std::string> source;
  bool readOnly = false;
  RepoStatus status = RepoStatus::Ready;
  uint64_t seq = 0;  // creation order; breaks createdAt ties in listings
  // A repo being filled (creating, importing, forking) belongs to a job that
  // renews this while it runs; past it the job is presumed dead and any
  // later call reclaims the name (namespace_service.h).
  std::optional<int64_t> leaseUntilMs;
};

struct RepoListPage {
  std::vector<RepoRecord> repos;
  uint64_t total = 0;
  std::optional<std::string> cursor;  // present only when more remain
};

constexpr int kMinListLimit = 1;
constexpr int kMaxListLimit = 200;
constexpr int kDefaultListLimit = 50;

class RepoRegistry {
 public:
  RepoRegistry(KvStore& store, Host& host) : store_(store), host_(host) {}

  std::optional<RepoRecord> find(const std::string& name);
  // Every write below is atomic against other writers of the same store
  // (several processes on one SQLite file): it commits only if what it read
  // is unchanged, and otherwise reads and decides again.
  //
  // Assigns id, seq and timestamps. ALREADY_EXISTS if the name (compared
  // case-insensitively) is taken, also when another writer takes it first.
  RepoRecord insert(RepoRecord record);
  // Read-modify-write of `name`'s record: `change` edits the current record
  // and returns false to leave it as it is. The record as written, or nullopt
  // if there is none or `change` declined.
  std::optional<RepoRecord> update(const std::string& name, const std::function<bool(RepoRecord&)>& change);
  // Removes `name`'s record if `shouldRemove(current record)`; `also` adds
  // writes to the same batch (the release of the repo's store). The removed
  // record, or nullopt if there was none or it was not to be removed.
  std::optional<RepoRecord> remove(const std::string& name, const std::function<bool(const RepoRecord&)>& shouldRemove,
                                   const std::function<void(const RepoRecord&, WriteBatch&)>& also = {});
  // Newest first. The cursor names the last repo returned, so pages stay
  // correct while repos are created or deleted between calls.
  RepoListPage list(int limit, const std::optional<std::string>& cursor);
  // Every record, in name order (for listings sorted or filtered otherwise).
  void forEach(const std::function<void(RepoRecord&&)>& visit);
  uint64_t count();

 private:
  static uint64_t counter(const std::optional<Bytes>& raw);

  KvStore& store_;
  Host& host_;
};

}  // namespace oa
