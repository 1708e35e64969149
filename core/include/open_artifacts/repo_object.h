// The embedding API of one repo alone, over its own storage: what a Durable
// Object per repo runs (DESIGN.md "Where it runs"). Git requests are answered
// here without the registry: the repo's identity (written by `initialize`)
// says which repo the store holds and whether it is ready, and its tokens
// authenticate. The steps a registry orchestrates (namespace_registry.h) each
// name the repo id they are for; a store holding another repo answers NOT_FOUND.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "open_artifacts/artifacts.h"
#include "open_artifacts/host.h"
#include "open_artifacts/storage.h"

namespace oa {

// A fork's parent side: record batches out of the parent, each one bounded
// (about `maxObjects` objects, at most about 8 MB), then the heads.
class RecordCopy {
 public:
  virtual ~RecordCopy() = default;
  // The next encoded batch; false once none is left (then headsJson()).
  virtual bool next(Bytes& out, size_t maxObjects) = 0;
  virtual std::string headsJson() = 0;
  virtual uint64_t objectsCopied() const = 0;
};

class RepoObject {
 public:
  // `limitsJson` as ArtifactsOptions::limitsJson.
  RepoObject(const std::string& limitsJson, KvStore& store, Host& host);
  ~RepoObject();
  RepoObject(const RepoObject&) = delete;
  RepoObject& operator=(const RepoObject&) = delete;

  // JSON args in, JSON out:
  //   "initialize" [identity, defaultBranch] -> {token, tokenId} (the initial
  //     write token; INVALID_INPUT unless the store is empty: "destroy" first)
  //   "identity" [] -> identity | null;  "markReady" [id]
  //   "destroy" [id | null, maxRows] -> true once the store is empty. With an
  //     id, only that repo's store (another repo's answers true, untouched).
  //     The identity goes first: git is refused from the first call on.
  //   "finishCopy" [id, heads] (a fork's refs, HEAD and shallow boundary)
  //   repo-handle methods [id, ...]: "createToken", "listTokens",
  //   "revokeToken", "readTree", "readCommit", "log" (as Artifacts::call
  //   without the name); "tokenIds" [] -> every token id; "revokeTokenById"
  //   [tokenId] -> true | false (already revoked) | null (no such token).
  std::string call(const std::string& method, const std::string& argsJson);
  // "commit" [id, {...}] as Artifacts::commit.
  std::string commit(const std::string& argsJson, std::vector<std::optional<Bytes>> contents);
  // "readBlob" [id, hash], "readFile" [id, {ref, path}].
  std::optional<BlobAnswer> readBytes(const std::string& method, const std::string& argsJson);
  // A git smart-HTTP request for this repo ({"method","path","query","headers"}).
  std::unique_ptr<GitExchange> openGit(const std::string& requestJson);
  // Whether a push or commit moved a ref since the last call (the host tells the registry).
  bool takePushed();

  // A fork: the parent's side [id, {defaultBranchOnly}], and the target's.
  std::unique_ptr<RecordCopy> copyOut(const std::string& argsJson);
  void copyIn(const std::string& repoId, const uint8_t* data, size_t n);
  // An import into this (initialized, importing) repo: [id, {url, branch?,
  // depth?}]. resultJson() -> {defaultBranch} once nextRequest() is nullopt.
  std::unique_ptr<ImportRun> importInto(const std::string& argsJson, bool allowHttp, bool allowPrivate);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oa
