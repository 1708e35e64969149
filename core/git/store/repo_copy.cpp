#include "git/store/repo_copy.h"

#include <cstring>
#include <iterator>

#include "base/storage_keys.h"
#include "git/store/object_store.h"
#include "git/store/object_walk.h"
#include "git/store/repo_context.h"
#include "git/store/shallow_store.h"
#include "open_artifacts/errors.h"

namespace oa::git {

namespace {
constexpr size_t kBatchBytes = 8u << 20;  // a batch ends past this many bytes

// Encoded batch: magic, object count, byte count, row count, then per row a kind byte
// (0 put, 1 put of a new key; a target takes no deletes), the key and the value, each
// length-prefixed (u32, little-endian).
constexpr char kBatchMagic[] = {'O', 'A', 'R', 'B', '1'};
enum : uint8_t { kPut = 0, kPutNew = 1 };

void putU32(Bytes& out, uint64_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void putU64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

class BatchReader {
 public:
  BatchReader(const uint8_t* data, size_t n) : p_(data), end_(data + n) {}
  bool done() const { return p_ == end_; }
  uint64_t number(int bytes) {
    need(static_cast<size_t>(bytes));
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(*p_++) << (8 * i);
    return v;
  }
  const uint8_t* take(size_t n) {
    need(n);
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

 private:
  void need(size_t n) const {
    if (static_cast<size_t>(end_ - p_) < n) throwError(ErrorCode::InvalidInput, "record batch is truncated");
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

bool isObjectRow(const std::string& key) {
  const std::string& objects = ObjectStore::keyPrefix();
  return key.compare(0, objects.size(), objects) == 0 ||
         key.compare(0, keys::kChunkPrefix.size() + objects.size(), keys::kChunkPrefix + objects) == 0;
}
}  // namespace

Bytes encodeRecordBatch(const RecordBatch& batch) {
  Bytes out(std::begin(kBatchMagic), std::end(kBatchMagic));
  putU64(out, batch.objects);
  putU64(out, batch.bytes);
  putU64(out, batch.rows.ops().size());
  for (const auto& op : batch.rows.ops()) {
    if (op.type == WriteBatch::OpType::Expect) throwError(ErrorCode::InternalError, "a record batch holds no expectations");
    if (op.isDelete()) throwError(ErrorCode::InternalError, "a record batch holds no deletes");
    out.push_back(op.fresh ? kPutNew : kPut);
    putU32(out, op.key.size());
    out.insert(out.end(), op.key.begin(), op.key.end());
    putU32(out, op.value.size());
    out.insert(out.end(), op.value.begin(), op.value.end());
  }
  return out;
}

RecordBatch decodeRecordBatch(const uint8_t* data, size_t n) {
  BatchReader in(data, n);
  if (std::memcmp(in.take(sizeof kBatchMagic), kBatchMagic, sizeof kBatchMagic) != 0) {
    throwError(ErrorCode::InvalidInput, "not a record batch");
  }
  RecordBatch out;
  in.number(8);  // objects and bytes as the source counted them: counted again below
  in.number(8);
  const uint64_t rows = in.number(8);
  for (uint64_t i = 0; i < rows; ++i) {
    const uint8_t kind = static_cast<uint8_t>(in.number(1));
    const size_t keySize = in.number(4);
    const uint8_t* key = in.take(keySize);
    std::string name(reinterpret_cast<const char*>(key), keySize);
    const size_t valueSize = in.number(4);
    const uint8_t* value = in.take(valueSize);
    if (!isObjectRow(name)) throwError(ErrorCode::InvalidInput, "record batch row outside the object records");
    out.bytes += keySize + valueSize;
    if (name.compare(0, keys::kChunkPrefix.size(), keys::kChunkPrefix) != 0) ++out.objects;
    if (kind == kPutNew) out.rows.putNew(std::move(name), Bytes(value, value + valueSize));
    else if (kind == kPut) out.rows.put(std::move(name), Bytes(value, value + valueSize));
    else throwError(ErrorCode::InvalidInput, "record batch row of unknown kind");
  }
  if (!in.done()) throwError(ErrorCode::InvalidInput, "record batch has bytes past its rows");
  return out;
}

RepoCopySource::RepoCopySource(ChunkedStore& source, std::vector<ChunkedStore*> alternates, bool defaultBranchOnly,
                               bool objectsShared)
    : source_(source), alternates_(std::move(alternates)), defaultBranchOnly_(defaultBranchOnly),
      objectsShared_(objectsShared) {}

bool RepoCopySource::next(RecordBatch& out, size_t maxObjects) {
  out = RecordBatch();
  if (maxObjects == 0) maxObjects = 1;
  if (!overflow_.empty()) {
    bound(out);
    objectsCopied_ += out.objects;
    return true;
  }
  if (phase_ == Phase::Plan) plan();
  bool more = false;
  if (phase_ == Phase::CopyAll) more = nextOfAll(out, maxObjects);
  else if (phase_ == Phase::CopySelected) more = nextSelected(out, maxObjects);
  if (!more && phase_ != Phase::Done) {  // the heads go with the last (possibly empty) batch
    finishHeads();
    phase_ = Phase::Done;
  }
  bound(out);
  objectsCopied_ += out.objects;
  return !out.rows.empty();
}

void RepoCopySource::bound(RecordBatch& out) {
  std::vector<WriteBatch::Op> rows;
  for (const auto& op : out.rows.ops()) rows.push_back(op);
  if (!overflow_.empty()) {
    rows.insert(rows.begin(), std::make_move_iterator(overflow_.begin()), std::make_move_iterator(overflow_.end()));
    overflow_.clear();
  }
  out = RecordBatch();
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& op = rows[i];
    const size_t size = op.key.size() + op.value.size();
    if (out.bytes > 0 && out.bytes + size > kMaxBatchMessageBytes) {
      overflow_.assign(std::make_move_iterator(rows.begin() + i), std::make_move_iterator(rows.end()));
      break;
    }
    out.bytes += size;
    // An object counts where its own row goes (after its chunks).
    if (op.key.compare(0, keys::kChunkPrefix.size(), keys::kChunkPrefix) != 0) ++out.objects;
    if (op.fresh) out.rows.putNew(std::move(op.key), std::move(op.value));
    else out.rows.put(std::move(op.key), std::move(op.value));
  }
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
    if (!record) throwError(ErrorCode::InternalError, "object missing while forking: " + id.hex());
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
