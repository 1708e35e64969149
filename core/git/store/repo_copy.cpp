#include "git/store/repo_copy.h"

#include "base/text.h"
#include "git/store/object_walk.h"
#include "git/store/repo_context.h"
#include "git/store/shallow_store.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
constexpr size_t kBatchBytes = 8u << 20;  // flush a batch past this many value bytes
}  // namespace

RepoCopy::RepoCopy(ChunkedStore& source, std::vector<KvStore*> sourceAlternates, ChunkedStore& target,
                   bool defaultBranchOnly, bool objectsShared)
    : source_(source), sourceAlternates_(std::move(sourceAlternates)), target_(target),
      defaultBranchOnly_(defaultBranchOnly), objectsShared_(objectsShared) {}

RepoCopy::~RepoCopy() = default;

bool RepoCopy::step(size_t maxObjects) {
  if (maxObjects == 0) maxObjects = 1;
  switch (phase_) {
    case Phase::Plan:
      plan();
      return false;
    case Phase::CopyAll:
      if (copyAllStep(maxObjects)) phase_ = Phase::Refs;
      return false;
    case Phase::CopySelected:
      if (copySelectedStep(maxObjects)) phase_ = Phase::Refs;
      return false;
    case Phase::Refs:
      finish();
      phase_ = Phase::Done;
      return true;
    case Phase::Done:
      return true;
  }
  return true;
}

void RepoCopy::plan() {
  RefStore refs(source_);
  headTarget_ = refs.headTarget();
  defaultBranch_ = startsWith(headTarget_, "refs/heads/") ? headTarget_.substr(11) : headTarget_;
  const std::vector<Ref> all = refs.list();
  for (const auto& r : all) {
    if (!defaultBranchOnly_ || r.name == headTarget_) refs_.push_back(r);
  }
  phase_ = Phase::Refs;
  // Borrowed objects need no copy; an unborn default branch needs none either
  // (an empty repo with that branch unborn).
  if (objectsShared_ || refs_.empty()) {
    copiedAll_ = objectsShared_;
    return;
  }
  if (sourceAlternates_.empty() && refs_.size() == all.size()) {
    // Every ref goes: every stored object is either reachable from them or
    // unreachable garbage, so copy the records without a walk.
    phase_ = Phase::CopyAll;
    copiedAll_ = true;
    return;
  }
  // Only some refs, or objects that live in other stores: copy what they reach.
  RepoContext ctx(source_, sourceAlternates_);
  WalkRequest walk = ctx.walkRequest();
  for (const auto& r : refs_) walk.wants.push_back(r.id);
  pending_ = walkObjects(ctx.git(), walk).objects;
  selected_.insert(pending_.begin(), pending_.end());
  phase_ = Phase::CopySelected;
}

bool RepoCopy::copyAllStep(size_t maxObjects) {
  WriteBatch raw;
  const auto keys = source_.copyStoredRows(ObjectStore::keyPrefix(), lastKey_, maxObjects, kBatchBytes, raw);
  if (keys.empty()) return true;
  target_.inner().commit(raw);
  objectsCopied_ += keys.size();
  lastKey_ = keys.back();
  return false;
}

bool RepoCopy::copySelectedStep(size_t maxObjects) {
  ObjectStore from(source_, 0, sourceAlternates_);
  ObjectStore to(target_, 0);
  WriteBatch batch;
  size_t bytes = 0;
  for (size_t n = 0; n < maxObjects && !pending_.empty(); ++n) {
    const ObjectId id = pending_.back();
    pending_.pop_back();
    auto record = from.record(id);
    if (!record) throw ArtifactsError(ErrorCode::InternalError, "object missing while forking: " + id.hex());
    // A stored delta needs its base, even when the base is not reachable
    // from the default branch (deltas follow content, not history).
    if (record->isDelta && selected_.insert(record->base).second) pending_.push_back(record->base);
    bytes += record->compressed.size();
    to.stage(batch, id, *record);
    ++objectsCopied_;
    if (bytes >= kBatchBytes) {
      target_.commit(batch);
      batch = WriteBatch();
      bytes = 0;
    }
  }
  if (!batch.empty()) target_.commit(batch);
  return pending_.empty();
}

void RepoCopy::finish() {
  WriteBatch batch;
  // A shallow parent's boundary goes with the refs that reach it: the
  // commits the copy holds without their parents.
  std::vector<ObjectId> boundary;
  for (const auto& id : ShallowStore(source_).list()) {
    if (copiedAll_ || selected_.count(id)) boundary.push_back(id);
  }
  ShallowStore(target_).stage(batch, boundary);
  RefStore refs(target_);
  for (const auto& r : refs_) refs.stage(batch, r.name, r.id);
  refs.stageHead(batch, headTarget_);
  target_.commit(batch);
}

}  // namespace oa::git
