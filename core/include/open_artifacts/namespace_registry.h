// The embedding API of one namespace's registry alone, over its own storage:
// what a Durable Object per namespace runs (DESIGN.md "Where it runs"). Names,
// metadata, status and listing; never a repo's own store. The host carries
// each step that crosses to a repo (open_artifacts/repo_object.h) between the
// registry's calls, in this order, so a crash at any point leaves a record
// that lapses (and is reclaimed) or a queued release, never a half repo that
// lists or clones as ready:
//   create: beginCreate -> repo initialize -> repo markReady -> complete
//   fork:   beginFork -> target initialize -> batches parent -> target -> finishCopy -> markReady -> complete
//   import: beginImport -> target initialize -> target import -> markReady -> complete
//   any failure: abandon;  delete: delete -> pendingReleases -> repo destroy -> released
#pragma once

#include <memory>
#include <string>

#include "open_artifacts/artifacts.h"
#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa {

class NamespaceRegistry {
 public:
  // INVALID_INPUT for a bad namespace name, base URL or limits.
  NamespaceRegistry(const ArtifactsOptions& options, KvStore& registry, Host& host);
  ~NamespaceRegistry();
  NamespaceRegistry(const NamespaceRegistry&) = delete;
  NamespaceRegistry& operator=(const NamespaceRegistry&) = delete;

  // JSON args in, JSON out. The binding's namespace methods and the REST
  // extras, as Artifacts::call takes them: "get", "list", "delete",
  // "deleteRepo", "info" [name, id], "namespaceInfo", "createNamespace",
  // "deleteNamespace". The steps of a job (each answers a pending repo
  // {identity, defaultBranch, ...} for the repo object, or the record):
  //   "beginCreate" [name, opts]
  //   "beginFork" [parentName, parentId, targetName, opts] (+ defaultBranchOnly)
  //   "beginImport" [params, allowHttp, allowPrivate] (+ source {url, branch, depth})
  //   "renewLease" [name, id]; "complete" [name, id, defaultBranch?] -> the
  //   record's ArtifactsCreateRepoResult without its token; "abandon" [name, id]
  // Handles: "handle" / "readyHandle" [name, id] -> {id, name}.
  // Pushes: "recordPush" [name, id]. Token hints (REST revokes by id):
  // "noteTokenRepo" [tokenId, name], "tokenRepo" [tokenId] -> name | null,
  // "forgetTokenRepos" [[tokenIds]]. Releases: "pendingReleases" [limit] ->
  // [{id, name}] (empty when none), "released" [id].
  std::string call(const std::string& method, const std::string& argsJson);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oa
