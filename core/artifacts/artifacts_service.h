// The namespace-level service behind the `Artifacts` binding: it composes the
// registry (namespace storage) with each repo's own storage. Typed C++ API;
// json_api.h adapts it to the binding's JSON-shaped arguments and results.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/chunked_store.h"
#include "git/store/pack_ingest.h"
#include "git/store/repo_context.h"
#include "open_artifacts/host.h"
#include "artifacts/repo_registry.h"
#include "artifacts/token_store.h"

namespace oa {

// Opens a repo's storage handle by repo id (a Durable Object, or a key prefix
// of one SQLite file). The returned store lives as long as the provider.
class RepoStorageProvider {
 public:
  virtual ~RepoStorageProvider() = default;
  virtual KvStore& openRepo(const std::string& repoId) = 0;
  // True when one repo's store may read another's synchronously (one backing
  // store: SQLite, memory), so a fork can borrow its parent's objects instead
  // of copying them. False for stores in separate places (a Durable Object
  // per repo): forks copy.
  virtual bool sharesStorage() const { return false; }
};

// Longest chain of forks borrowing objects from each other; a fork of a repo
// at the end of one copies instead, so reads never chase a long chain.
constexpr size_t kMaxAlternateChain = 8;

// Size limits the host may tighten or loosen (HTTP 413 / MEMORY_LIMIT past them).
struct StorageLimits {
  uint64_t maxRepoBytes = 1ull << 30;  // a repo's stored objects (spec §8.1: 1 GB per repo)
  uint64_t maxPackBytes = 1ull << 30;  // one pushed or imported pack
};

struct NamespaceConfig {
  std::string name;     // namespace name, 2-63 characters
  std::string baseUrl;  // e.g. "http://127.0.0.1:8788"; remotes are <baseUrl>/git/<ns>/<repo>.git
  StorageLimits limits;
};

struct CreateRepoOptions {
  std::optional<std::string> description;
  bool readOnly = false;
  std::string defaultBranch = "main";
};

struct CreatedRepo {
  RepoRecord record;
  std::string token;  // the initial write token's text
};

constexpr size_t kMaxDescriptionBytes = 4096;

// A repo being filled by a fork or an import: registered (status forking or
// importing, so get() answers *_IN_PROGRESS), HEAD set and its initial token
// minted; the service's completeRepo() makes it ready, abandonRepo() removes it.
struct PendingRepo {
  RepoRecord record;
  std::string token;
};

// The outcome of authenticating a git request (DESIGN.md "Git auth").
struct GitAccess {
  int status = 200;     // 200, or 401/403/404/409 with `message`
  std::string message;
  RepoRecord record;    // when status == 200
};

class ArtifactsService {
 public:
  // Throws INVALID_INPUT for a bad namespace name or base URL.
  ArtifactsService(NamespaceConfig config, KvStore& registryStore, RepoStorageProvider& repos, Host& host);

  CreatedRepo create(const std::string& name, const CreateRepoOptions& options);
  // NOT_FOUND, or the *_IN_PROGRESS code of a repo that is not ready.
  RepoRecord get(const std::string& name);
  RepoListPage list(int limit, const std::optional<std::string>& cursor);
  bool remove(const std::string& name);

  // Repo-handle operations. `repoId` pins the handle to the repo it was made
  // for: a deleted (or deleted and re-created) repo answers NOT_FOUND.
  RepoRecord info(const std::string& name, const std::string& repoId);
  MintedToken createToken(const std::string& name, const std::string& repoId, TokenScope scope, int64_t ttlSeconds);
  std::vector<TokenRecord> listTokens(const std::string& name, const std::string& repoId);
  bool revokeToken(const std::string& name, const std::string& repoId, const std::string& tokenOrId);

  // Fork and import (fork_job.h, import_job.h) build on these.
  // Validates the options like create(); `status` is Forking or Importing.
  PendingRepo beginRepo(const std::string& name, const CreateRepoOptions& options, RepoStatus status,
                        std::optional<std::string> source);
  void completeRepo(RepoRecord& record);
  void abandonRepo(const RepoRecord& record);
  // A ready repo named by a handle (NOT_FOUND, or *_IN_PROGRESS).
  RepoRecord readyRepo(const std::string& name, const std::string& repoId);
  ChunkedStore& chunkedRepoStore(const std::string& repoId) { return repoStore(repoId); }
  // The stores a repo borrows objects from, nearest first (RepoStore::alternate).
  std::vector<KvStore*> alternatesOf(const std::string& repoId);
  // Everything the git code needs for one repo, its alternates included.
  std::unique_ptr<git::RepoContext> openRepoContext(const std::string& repoId);
  // Borrowing between a fork and its parent (RepoStore::alternate). A
  // borrower row on the lender keeps its storage alive while the borrower
  // needs it, even past the lender's deletion (it is then only retired):
  // for good when the fork reads the lender's objects, for the duration of
  // the copy otherwise. The borrower row is written first, so a lender is
  // never destroyed while a borrower reads from it.
  void addBorrower(const std::string& lenderId, const std::string& borrowerId);
  // Drops the borrower row (idempotent); a retired lender left with no
  // borrowers is deleted.
  void returnBorrowed(const std::string& lenderId, const std::string& borrowerId);
  // True when a fork of `repoId` can read its objects in place;
  // borrowObjects() then points the fork's object store at it.
  bool canLendObjects(const std::string& repoId);
  void borrowObjects(const std::string& borrowerId, const std::string& lenderId);
  // True while `record` is still the registered repo of its name (a fork or
  // import in progress stops when its target is deleted under it).
  bool stillRegistered(const RepoRecord& record);

  std::string remoteUrl(const std::string& name) const;
  const NamespaceConfig& config() const { return config_; }
  // What a push or an import into one of this namespace's repos may cost.
  git::IngestLimits ingestLimits() const;
  Host& host() { return host_; }

  // Git smart HTTP: `token` is the presented credential (nullopt = none);
  // `write` for receive-pack.
  GitAccess authorizeGit(const std::string& name, const std::optional<std::string>& token, bool write);
  // The repo's storage handle (objects, refs, tokens).
  KvStore& repoStorage(const std::string& repoId) { return repoStore(repoId); }
  // A push changed refs: lastPushAt and updatedAt move to now.
  void recordPush(const std::string& name, const std::string& repoId);

 private:
  RepoRecord requireRepo(const std::string& name, const std::string& repoId);
  ChunkedStore& repoStore(const std::string& repoId);
  // Deletes a repo's rows, unless forks still borrow its objects (then it is
  // only retired); a lender left retired with no borrowers goes too.
  void releaseStorage(const std::string& repoId);
  void validateOptions(const CreateRepoOptions& options);

  NamespaceConfig config_;
  ChunkedStore registryStore_;
  RepoRegistry registry_;
  RepoStorageProvider& repos_;
  Host& host_;
  std::map<std::string, std::unique_ptr<ChunkedStore>> repoStores_;
};

}  // namespace oa
