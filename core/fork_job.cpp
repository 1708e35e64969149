#include "fork_job.h"

#include "error.h"

namespace oa {

ForkJob::ForkJob(ArtifactsService& service, const std::string& sourceName, const std::string& sourceRepoId,
                 const std::string& targetName, const ForkOptions& options)
    : service_(service) {
  const RepoRecord parent = service.readyRepo(sourceName, sourceRepoId);
  CreateRepoOptions target;
  target.description = options.description;
  target.readOnly = options.readOnly;
  target.defaultBranch = parent.defaultBranch;  // the fork inherits it (spec §2.2)
  pending_ = service.beginRepo(targetName, target, RepoStatus::Forking,
                               "artifacts:" + service.config().name + "/" + parent.name);
  try {
    const bool share = service.canLendObjects(parent.id);
    if (share) service.lendObjects(parent.id, pending_.record.id);
    copy_ = std::make_unique<git::RepoCopy>(service.chunkedRepoStore(parent.id), service.alternatesOf(parent.id),
                                            service.chunkedRepoStore(pending_.record.id), options.defaultBranchOnly,
                                            share);
  } catch (...) {
    abandoned_ = true;
    service.abandonRepo(pending_.record);
    throw;
  }
}

ForkJob::~ForkJob() {
  if (done_ || abandoned_) return;
  try {
    service_.abandonRepo(pending_.record);
  } catch (...) {
    // Destructors must not throw; a leftover "forking" record stays deletable.
  }
}

bool ForkJob::step(size_t maxObjects) {
  if (done_) return true;
  if (abandoned_) throw ArtifactsError(ErrorCode::InternalError, "fork already failed");
  try {
    if (!copy_->step(maxObjects)) return false;
    service_.completeRepo(pending_.record);
  } catch (...) {
    abandoned_ = true;
    try {
      service_.abandonRepo(pending_.record);
    } catch (...) {
      // Report the fork's own error; a leftover "forking" record stays deletable.
    }
    throw;
  }
  done_ = true;
  result_.created = CreatedRepo{pending_.record, pending_.token};
  result_.objects = copy_->objectsCopied();
  return true;
}

}  // namespace oa
