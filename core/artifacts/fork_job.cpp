#include "artifacts/fork_job.h"

#include "open_artifacts/errors.h"

namespace oa {

ForkJob::ForkJob(ArtifactsService& service, const std::string& sourceName, const std::string& sourceRepoId,
                 const std::string& targetName, const ForkOptions& options)
    : service_(service) {
  const RepoRecord parent = service.readyRepo(sourceName, sourceRepoId);
  parentId_ = parent.id;
  parentName_ = parent.name;
  CreateRepoOptions target;
  target.description = options.description;
  target.readOnly = options.readOnly;
  target.defaultBranch = parent.defaultBranch;  // the fork inherits it (spec §2.2)
  pending_ = service.beginRepo(targetName, target, RepoStatus::Forking,
                               "artifacts:" + service.config().name + "/" + parent.name);

  try {
    // Pinned first: deleting the parent from here on only retires it, so a
    // copy in progress (or a fork reading its objects) never loses them.
    service.addBorrower(parentId_, pending_.record.id);
    shared_ = service.canLendObjects(parentId_);
    if (shared_) service.borrowObjects(pending_.record.id, parentId_);
    source_ = std::make_unique<git::RepoCopySource>(service.repo(parentId_).store(), service.alternatesOf(parentId_),
                                                    options.defaultBranchOnly, shared_);
    target_ = std::make_unique<git::RepoCopyTarget>(service.repo(pending_.record.id).store());
  } catch (...) {
    abandon();
    throw;
  }
}

ForkJob::~ForkJob() {
  if (!done_ && !abandoned_) abandon();
}

void ForkJob::abandon() noexcept {
  abandoned_ = true;
  try {
    service_.abandonRepo(pending_.record);
    service_.returnBorrowed(parentId_, pending_.record.id);  // idempotent
  } catch (...) {
    // Report the fork's own error; a leftover "forking" record stays deletable.
  }
}

uint64_t ForkJob::objectsCopied() const { return source_ ? source_->objectsCopied() : 0; }

bool ForkJob::step(size_t maxObjects) {
  if (done_) return true;
  if (abandoned_) throwError(ErrorCode::InternalError, "fork already failed");
  try {
    if (!service_.stillRegistered(pending_.record)) {
      throwError(ErrorCode::NotFound, "Repository was deleted while forking: " + pending_.record.name);
    }
    service_.keepAlive(pending_.record);
    if (!copied_) {
      git::RecordBatch batch;
      if (source_->next(batch, maxObjects)) target_->apply(batch);
      else copied_ = true;
      return false;  // the heads go in a step of their own
    }
    target_->finish(source_->heads());
    service_.completeRepo(pending_.record);
  } catch (...) {
    abandon();
    throw;
  }
  done_ = true;
  // A copy no longer needs its parent (a fork that reads it in place does).
  // Best effort: the fork is complete either way; a pin left behind is
  // returned when the fork is deleted.
  if (!shared_) {
    try {
      service_.returnBorrowed(parentId_, pending_.record.id);
    } catch (...) {
    }
  }
  result_.created = pending_;
  result_.objects = source_->objectsCopied();
  service_.emit([&] {
    return repoForkedEvent(service_.config().name, parentName_, result_.created.record, service_.host().nowMs());
  });
  service_.emitInitialToken(result_.created);
  return true;
}

}  // namespace oa
