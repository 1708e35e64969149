// The two halves of the service composed in one process (Node, the browser,
// native tests): the namespace side (namespace_service.h, the registry) and
// the repo side (repo_service.h, one per repo store), with the steps that
// cross them made here as explicit calls, in the order that keeps every
// crash recoverable. A Workers host composes the same halves across Durable
// Objects instead. Typed C++ API; api/json_api.h adapts it to the binding's
// JSON-shaped arguments and results.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "artifacts/namespace_service.h"
#include "artifacts/repo_event_queue.h"
#include "artifacts/repo_service.h"

namespace oa {

// Longest chain of forks borrowing objects from each other; a fork of a repo
// at the end of one copies instead, so reads never chase a long chain.
constexpr size_t kMaxAlternateChain = 8;

struct CreatedRepo {
  RepoRecord record;
  std::string token;         // the initial write token's text
  TokenRecord initialToken;  // and its record (the token.created event)
};

// A repo being filled by a fork or an import: registered (status forking or
// importing, so get() answers *_IN_PROGRESS), its store initialized with
// HEAD and its initial token; completeRepo() makes it ready, abandonRepo()
// removes it.
using PendingRepo = CreatedRepo;

class ArtifactsService : public RepoDirectory {
 public:
  // Throws INVALID_INPUT for a bad namespace name or base URL.
  ArtifactsService(NamespaceConfig config, KvStore& registryStore, RepoStorageProvider& repos, Host& host);

  NamespaceService& names() { return namespace_; }
  const NamespaceConfig& config() const { return namespace_.config(); }
  Host& host() { return host_; }
  std::string remoteUrl(const std::string& name) const { return namespace_.remoteUrl(name); }

  // ---- The binding's namespace methods.
  CreatedRepo create(const std::string& name, const CreateRepoOptions& options);
  RepoRecord get(const std::string& name);
  RepoListPage list(int limit, const std::optional<std::string>& cursor);
  // Queues `deleted` when a ready repo was removed (one still being made
  // never had its created, forked or imported event either).
  bool remove(const std::string& name);
  // The same, answering the removed record (the REST delete answers its id).
  std::optional<RepoRecord> removeRecord(const std::string& name);

  // ---- The namespace itself (REST only; namespace_service.h).
  NamespaceInfo namespaceInfo() { return namespace_.info(); }
  NamespaceInfo createNamespace(Jurisdiction jurisdiction) { return namespace_.createNamespace(jurisdiction); }
  void deleteNamespace() { namespace_.deleteNamespace(); }
  // The REST listing: search, sort and direction besides limit and cursor.
  RepoListPage query(const RepoQuery& query);
  // Revokes the token `tokenId` of whichever repo of the namespace minted it.
  // nullopt when no repo of the namespace has it; else whether this call
  // revoked it (false: it already was).
  std::optional<bool> revokeTokenById(const std::string& tokenId);

  // ---- Repo-handle operations. `repoId` pins the handle to the repo it was
  // made for: a deleted (or deleted and re-created) repo answers NOT_FOUND.
  RepoRecord info(const std::string& name, const std::string& repoId);
  // Queues token.created / token.revoked (only when this call revoked it).
  MintedToken createToken(const std::string& name, const std::string& repoId, TokenScope scope, int64_t ttlSeconds);
  std::vector<TokenRecord> listTokens(const std::string& name, const std::string& repoId);
  // Every token in any state, newest first (the REST list filters and pages).
  std::vector<TokenRecord> listAllTokens(const std::string& name, const std::string& repoId);
  bool revokeToken(const std::string& name, const std::string& repoId, const std::string& tokenOrId);
  // A ready repo named by a handle (NOT_FOUND, or *_IN_PROGRESS).
  RepoRecord readyRepo(const std::string& name, const std::string& repoId);
  // The commit API (commit_request.h, commit_writer.h): the request is
  // checked first, then the handle (ready), then the commit is written on
  // the repo side; like a push, it moves lastPushAt and updatedAt and queues
  // a `pushed` event.
  CommitOutcome commit(const std::string& name, const std::string& repoId, CommitRequest& request);
  // The limits of one commit: a pushed object's size per file, a pushed pack's in all.
  CommitLimits commitLimits() const;

  // ---- Fork and import (fork_job.h, import_job.h) build on these.
  PendingRepo beginRepo(const std::string& name, const CreateRepoOptions& options, RepoStatus status,
                        std::optional<std::string> source);
  // The job is alive (renews its lease); NOT_FOUND once the target was deleted or reclaimed.
  void keepAlive(RepoRecord& record);
  void completeRepo(RepoRecord& record);
  void abandonRepo(const RepoRecord& record);
  bool stillRegistered(const RepoRecord& record) { return namespace_.stillRegistered(record); }

  // ---- The repo side, by id.
  RepoService& repo(const std::string& repoId);
  // The same for a registered repo, whose store then knows its identity (the
  // read-only flag, for git auth and commits), even one made before stores kept it.
  RepoService& repoOf(const RepoRecord& record);
  // The stores a repo borrows objects from, nearest first (RepoStore::alternate).
  std::vector<ChunkedStore*> alternatesOf(const std::string& repoId);
  // Everything the git code needs for one repo, its alternates included.
  std::unique_ptr<git::RepoContext> openRepoContext(const std::string& repoId) { return repo(repoId).openContext(); }
  git::IngestLimits ingestLimits() const;

  // ---- Borrowing between a fork and its parent, where one store holds
  // every repo (RepoStore). A borrower row on the lender keeps its storage
  // alive while the borrower needs it, even past the lender's deletion (it
  // is then only retired): for good when the fork reads the lender's
  // objects, for the duration of the copy otherwise. The borrower's own pin
  // is written first, so a lender is never destroyed while a borrower reads
  // from it, whatever point a crash hits.
  void addBorrower(const std::string& lenderId, const std::string& borrowerId);
  // Drops the borrower row (idempotent); a retired lender left with no borrowers is released.
  void returnBorrowed(const std::string& lenderId, const std::string& borrowerId);
  // True when a fork of `repoId` can read its objects in place; borrowObjects() then points the fork at them.
  bool canLendObjects(const std::string& repoId);
  void borrowObjects(const std::string& borrowerId, const std::string& lenderId);

  // ---- Git smart HTTP (api/git_http_session.h): RepoDirectory.
  const std::string& namespaceName() const override { return config().name; }
  RepoService* repoNamed(const std::string& name) override;
  void recordPush(RepoService& repo, git::RepoContext& context, const std::vector<git::RefUpdate>& updates) override;
  void recordFetch(RepoService& repo, bool clone) override;

  // ---- Events (spec §9.1, repo_events.h), queued for the host to take.
  RepoEventQueue& events() { return events_; }
  // Queues the event `build()` makes. Called once the change it reports is
  // stored; a failure to build one loses that event, never the operation.
  template <typename Build>
  void emit(Build&& build) noexcept {
    if (!events_.wanted()) return;
    try {
      events_.push(build());
    } catch (...) {
    }
  }
  // token.created for a new repo's initial token, queued after the repo's
  // own event (created, forked or imported): every minted token has one.
  void emitInitialToken(const CreatedRepo& created) noexcept;

  // Releases the stores of removed repos (deleted, abandoned, reclaimed),
  // including any a crash left queued. Every call that removes a repo runs it.
  void releaseRemoved();
  // Removes the rows of repo stores no registry names and no fork borrows
  // from (a push that raced a delete, data from before the release queue),
  // where the host can list its stores. Returns how many were removed.
  size_t sweep();
  // Tokens minted before the namespace kept which repo minted each (REST
  // revokes by id alone) get that hint; sweep() runs it.
  void backfillTokenHints();

 private:
  // Deletes a repo's rows, unless forks still borrow its objects (then it is
  // only retired); a lender left retired with no borrowers goes too.
  void releaseStorage(const std::string& repoId);
  ChunkedStore& chunkedStore(const std::string& repoId);

  NamespaceService namespace_;
  RepoStorageProvider& repos_;
  Host& host_;
  // Objects are cached for the provider's life: a fork or import still
  // running may hold a reference to one whose repo was deleted.
  std::map<std::string, std::unique_ptr<ChunkedStore>> stores_;
  std::map<std::string, std::unique_ptr<RepoService>> services_;
  RepoEventQueue events_;
};

}  // namespace oa
