// The binding's calling convention: each `Artifacts` / `ArtifactsRepo` method
// takes its JS arguments as one JSON array and returns its result as JSON, in
// exactly the shapes of spec §2 (camelCase). All argument checking happens
// here, so the JS layer forwards values untouched and never re-validates.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "artifacts/artifacts_service.h"
#include "artifacts/content_reads.h"
#include "artifacts/fork_job.h"
#include "artifacts/import_job.h"

namespace oa {

// The host's `limits` option ({maxRepoBytes?, maxPackBytes?}, positive
// integers; "" or null = defaults). INVALID_INPUT otherwise.
StorageLimits parseStorageLimits(const std::string& limitsJson);

class JsonApi {
 public:
  explicit JsonApi(ArtifactsService& service) : service_(service) {}

  // Namespace methods: "create", "get", "list", "delete"; for the REST API
  // also "deleteRepo", "namespaceInfo", "createNamespace", "deleteNamespace",
  // "revokeTokenById", and list/listTokens options beyond the binding's.
  // Repo-handle methods take [name, repoId, ...args]: "info", "createToken",
  // "listTokens", "revokeToken", and the content reads "readTree",
  // "readCommit", "log" (spec §2.4).
  // Throws ArtifactsError; INVALID_INPUT for an unknown method.
  std::string call(const std::string& method, const std::string& argsJson);

  // "commit" [name, repoId, {branch?, expectedHead?, message, author?,
  // committer?, allowEmpty?, files: [{path, content?, encoding?, executable?,
  // delete?}]}] (commit_request.h): a file's content is a string, UTF-8 text
  // or, with encoding "base64", bytes. A host that can pass bytes as they
  // are hands file i's content in `contents[i]` instead (and leaves
  // `content` out): no base64 round trip. Answers {commit, tree, parents,
  // ref, branch, previous}. call("commit", ...) is this without `contents`.
  std::string commit(const std::string& argsJson, std::vector<std::optional<Bytes>> contents);

  // The content reads that answer a Blob: "readBlob" [name, repoId, hash] and
  // "readFile" [name, repoId, {ref, path}]. The bytes stay binary (no JSON or
  // base64 round trip of up to 32 MB); nullopt is the JS null.
  std::optional<ContentBlob> readBytes(const std::string& method, const std::string& argsJson);

  // fork [name, repoId, targetName, {description, readOnly, defaultBranchOnly}]:
  // a job the caller steps until done (fork_job.h).
  std::unique_ptr<ForkJob> beginFork(const std::string& argsJson);
  // import [{source: {url, branch?, depth?}, target: {name, opts?}}]: a job
  // the host drives with its own fetch (import_job.h). `allowHttp` is the
  // host's opt-in to plain-http sources, `allowPrivate` to loopback, private
  // and metadata hosts (address_guard.h).
  std::unique_ptr<ImportJob> beginImport(const std::string& argsJson, bool allowHttp, bool allowPrivate);
  // ArtifactsCreateRepoResult JSON of a finished fork or import.
  std::string createdRepo(const CreatedRepo& created);
  // A finished fork's: the same plus `objects`, the object records copied
  // (the REST fork result's field; 0 where the fork reads its parent's
  // objects in place, see artifacts_service.h "Borrowing").
  std::string forkedRepo(const ForkedRepo& forked);
  // "deleteRepo" is call()'s REST delete: {id} of the removed repo, or NOT_FOUND.

 private:
  ArtifactsService& service_;
};

}  // namespace oa
