// The repo half of the service (DESIGN.md "Where it runs"): everything one
// repo's own store holds and everything done with it alone. Its identity (the
// copy of id, name, read-only flag and status that git auth needs, so a git
// request never reads the registry), tokens, refs and objects, git access and
// the contexts that git sessions and content reads run on. It never touches
// the registry or another repo's store; a fork's parent reaches it only as
// record batches (git/store/repo_copy.h) or, where one store holds every
// repo, as read-only alternates the caller hands in.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "artifacts/commit_writer.h"
#include "artifacts/repo_registry.h"
#include "artifacts/token_store.h"
#include "base/chunked_store.h"
#include "git/store/pack_ingest.h"
#include "git/store/repo_context.h"
#include "open_artifacts/host.h"

namespace oa {

// What a repo keeps about itself for git auth (a copy of its registry record's fields).
struct RepoIdentity {
  std::string namespaceName;
  std::string id;
  std::string name;
  bool readOnly = false;
  RepoStatus status = RepoStatus::Creating;
};

// What a write to a read-only repo is refused with (a push: HTTP 403; the
// commit API: INVALID_INPUT).
constexpr const char* kReadOnlyMessage = "repository is read-only";

// The outcome of authenticating a git request (DESIGN.md "Git auth").
struct GitAccess {
  int status = 200;  // 200, or 401/403/409 with `message`
  std::string message;
};

class RepoService {
 public:
  // `alternates`: the stores this repo borrows objects from, nearest first
  // (only where one backing store holds every repo; empty otherwise).
  using Alternates = std::function<std::vector<KvStore*>()>;
  RepoService(KvStore& store, Host& host, git::IngestLimits limits, Alternates alternates = {});

  // A new repo: its identity, HEAD on the unborn default branch, and its
  // initial write token (returned in plain text, the only time it exists).
  MintedToken initialize(const RepoIdentity& identity, const std::string& defaultBranch);
  // nullopt for a store never initialized (or made before identities existed).
  std::optional<RepoIdentity> identity();
  void writeIdentity(const RepoIdentity& identity);
  // The repo is complete: git requests are served from now on.
  void markReady();

  MintedToken createToken(TokenScope scope, int64_t ttlSeconds);
  std::vector<TokenRecord> listTokens();
  // Every token in any state, newest first.
  std::vector<TokenRecord> listAllTokens();
  std::optional<TokenRecord> findToken(const std::string& id);
  bool revokeToken(const std::string& tokenOrId);

  // `token`: the presented credential (nullopt = none); `write` for receive-pack.
  GitAccess authorizeGit(const std::optional<std::string>& token, bool write);

  // Everything the git code needs for this repo, its alternates included.
  std::unique_ptr<git::RepoContext> openContext();
  // A commit of `request` (checked with checkCommitRequest()) onto a branch,
  // written in one batch (commit_writer.h), dated now where it names no
  // date. INVALID_INPUT (kReadOnlyMessage) on a read-only repo.
  CommitOutcome commit(CommitRequest& request);
  const git::IngestLimits& ingestLimits() const { return limits_; }
  ChunkedStore& store() { return store_; }

 private:
  ChunkedStore store_;
  Host& host_;
  git::IngestLimits limits_;
  Alternates alternates_;
};

// Finds the repo a request names by URL (git smart HTTP) and hears about its
// pushes: the local composition looks the name up in the registry
// (artifacts_service.h); a Workers host routes the request to the repo's own
// Durable Object, which answers for itself.
class RepoDirectory {
 public:
  virtual ~RepoDirectory() = default;
  virtual const std::string& namespaceName() const = 0;
  // nullptr when no repo has that name.
  virtual RepoService* repoNamed(const std::string& name) = 0;
  // A push changed `repo`'s refs (its registry record's lastPushAt moves).
  virtual void recordPush(RepoService& repo) = 0;
};

}  // namespace oa
