// fork(name, opts) on a repo handle (spec §7.2): a new repo in the same
// namespace with `source` = "artifacts:<namespace>/<repo>", its own tokens,
// and the parent's git data, streamed from the parent's store to the fork's
// as record batches (git/store/repo_copy.h), so it outlives the parent. The
// target stays "forking" (FORK_IN_PROGRESS) until the last step; a job
// destroyed before then removes the half-made repo.
#pragma once

#include <memory>
#include <string>

#include "artifacts/artifacts_service.h"
#include "git/store/repo_copy.h"

namespace oa {

struct ForkOptions {
  std::optional<std::string> description;  // not inherited from the parent
  bool readOnly = false;
  bool defaultBranchOnly = true;
};

struct ForkedRepo {
  CreatedRepo created;
  uint64_t objects = 0;  // object records copied (the REST fork result's `objects`)
};

class ForkJob {
 public:
  // Validates and registers the target (INVALID_REPO_NAME, ALREADY_EXISTS;
  // the parent must be ready: NOT_FOUND or *_IN_PROGRESS).
  ForkJob(ArtifactsService& service, const std::string& sourceName, const std::string& sourceRepoId,
          const std::string& targetName, const ForkOptions& options);
  ~ForkJob();
  ForkJob(const ForkJob&) = delete;
  ForkJob& operator=(const ForkJob&) = delete;

  // Copies up to about `maxObjects` objects; true when the fork is ready.
  // Any error removes the target and is rethrown.
  bool step(size_t maxObjects);
  // Valid once step() returned true.
  const ForkedRepo& result() const { return result_; }
  // Object records copied so far (progress reports).
  uint64_t objectsCopied() const;

 private:
  void abandon() noexcept;

  ArtifactsService& service_;
  std::string parentId_;
  bool shared_ = false;  // the fork reads its parent's objects in place
  PendingRepo pending_;
  std::unique_ptr<git::RepoCopySource> source_;
  std::unique_ptr<git::RepoCopyTarget> target_;
  bool copied_ = false;  // every record batch is in; the heads are next
  bool done_ = false;
  bool abandoned_ = false;
  ForkedRepo result_;
};

}  // namespace oa
