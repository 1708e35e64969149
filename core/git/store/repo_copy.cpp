#include "git/store/repo_copy.h"

#include "base/storage_keys.h"
#include "git/store/object_store.h"
#include "git/store/object_walk.h"
#include "git/store/repo_context.h"
#include "git/store/shallow_store.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
constexpr size_t kBatchBytes = 8u << 20;  // a batch ends past this many bytes
}  // namespace

RepoCopySource::RepoCopySource(ChunkedStore& source, std::vector<ChunkedStore*> alternates, bool defaultBranchOnly,
                               bool objectsShared)
    : source_(source), alternates_(std::move(alternates)), defaultBranchOnly_(defaultBranchOnly),
      objectsShared_(objectsShared) {}

bool RepoCopySource::next(RecordBatch& out, size_t maxObjects) {
  out = RecordBatch();
  if (maxObjects == 0) maxObjects = 1;
  if (phase_ == Phase::Plan) plan();
  bool more = false;
  if (phase_ == Phase::CopyAll) more = nextOfAll(out, maxObjects);
  else if (phase_ == Phase::CopySelected) more = nextSelected(out, maxObjects);
  if (!more && phase_ != Phase::Done) {  // the heads go with the last (possibly empty) batch
    finishHeads();
    phase_ = Phase::Done;
  }
  objectsCopied_ += out.objects;
  return out.objects > 0;
}

void RepoCopySource::plan() {
  RefStore refs(source_);
  heads_.headTarget = refs.headTarget();
  const std::vector<Ref> all = refs.list();
  for (const auto& r : all) {
    if (!defaultBranchOnly_ || r.name == heads_.headTarget) heads_.refs.push_back(r);
  }
  // Borrowed objects need no copy; an unborn default branch needs none either
  // (an empty repo with that branch unborn).
  if (objectsShared_ || heads_.refs.empty()) {
    copiesAll_ = objectsShared_;
    phase_ = Phase::Heads;
    return;
  }
  if (alternates_.empty() && heads_.refs.size() == all.size()) {
    // Every ref goes: every stored object is either reachable from them or
    // unreachable garbage, so copy the records without a walk.
    phase_ = Phase::CopyAll;
    copiesAll_ = true;
    return;
  }
  // Only some refs, or objects that live in other stores: copy what they reach.
  RepoContext ctx(source_, std::vector<KvStore*>(alternates_.begin(), alternates_.end()));
  WalkRequest walk = ctx.walkRequest();
  for (const auto& r : heads_.refs) walk.wants.push_back(r.id);
  pending_ = walkObjects(ctx.git(), walk).objects;
  selected_.insert(pending_.begin(), pending_.end());
  phase_ = Phase::CopySelected;
}

bool RepoCopySource::nextOfAll(RecordBatch& out, size_t maxObjects) {
  const auto keys = source_.copyStoredRows(ObjectStore::keyPrefix(), lastKey_, maxObjects, kBatchBytes, out.rows);
  if (keys.empty()) return false;
  for (const auto& op : out.rows.ops()) out.bytes += op.key.size() + op.value.size();
  out.objects = keys.size();
  lastKey_ = keys.back();
  return true;
}

bool RepoCopySource::nextSelected(RecordBatch& out, size_t maxObjects) {
  ObjectStore from(source_, 0, std::vector<KvStore*>(alternates_.begin(), alternates_.end()));
  while (out.objects < maxObjects && out.bytes < kBatchBytes && !pending_.empty()) {
    const ObjectId id = pending_.back();
    pending_.pop_back();
    auto record = from.record(id);
    if (!record) throw ArtifactsError(ErrorCode::InternalError, "object missing while forking: " + id.hex());
    // A stored delta needs its base, even when the base is not reachable
    // from the default branch (deltas follow content, not history).
    if (record->isDelta && selected_.insert(record->base).second) pending_.push_back(record->base);
    // The rows as stored, from whichever store holds them.
    const std::string key = ObjectStore::keyPrefix() + id.hex();
    size_t bytes = source_.copyStoredRow(key, out.rows);
    for (size_t i = 0; bytes == 0 && i < alternates_.size(); ++i) bytes = alternates_[i]->copyStoredRow(key, out.rows);
    out.bytes += bytes;
    ++out.objects;
  }
  return out.objects > 0 || !pending_.empty();
}

void RepoCopySource::finishHeads() {
  // A shallow parent's boundary goes with the refs that reach it: the
  // commits the copy holds without their parents.
  for (const auto& id : ShallowStore(source_).list()) {
    if (copiesAll_ || selected_.count(id)) heads_.shallow.push_back(id);
  }
}

void RepoCopyTarget::apply(const RecordBatch& batch) {
  if (batch.rows.empty()) return;
  target_.inner().commit(batch.rows);  // rows as they are: chunk rows included
  ObjectStore objects(target_, 0);
  WriteBatch count;
  objects.stageStoredBytes(count, objects.storedBytes() + batch.bytes);
  target_.commit(count);
}

void RepoCopyTarget::finish(const CopyHeads& heads) {
  WriteBatch batch;
  ShallowStore(target_).stage(batch, heads.shallow);
  RefStore refs(target_);
  for (const auto& r : heads.refs) refs.stage(batch, r.name, r.id);
  refs.stageHead(batch, heads.headTarget);
  target_.commit(batch);
}

}  // namespace oa::git
