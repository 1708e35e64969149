#include "git/store/pack_ingest.h"

#include <algorithm>
#include <utility>

#include "open_artifacts/errors.h"
#include "git/format/delta.h"
#include "git/format/object_links.h"
#include "git/format/sha1.h"
#include "git/format/zlib_stream.h"
#include "git/store/ref_store.h"
#include "git/store/seeded_id_hash.h"
#include "base/storage_keys.h"

namespace oa::git {

namespace {
constexpr size_t kBatchBytes = 8u << 20;
constexpr size_t kBatchObjects = 2000;
// Ids the object store may remember as stored between commits (ObjectStore::trimKnown).
constexpr size_t kKnownIds = 4 * kBatchObjects;
// Removals per commit when an abandoned ingest takes its objects back.
constexpr size_t kUndoObjects = 4 * kBatchObjects;
// Work charged per entry besides its bytes: the bookkeeping of an object
// (hashing, maps, a record) costs about this much even when it is empty, so
// a pack of a million tiny objects still ends its steps on time.
constexpr uint64_t kWorkPerEntry = 256;
// The resolved objects an ingest keeps as delta bases. Half the object
// store's default: the cache is most of an ingest's wasm heap, and its
// objects of every size churn it into holes that the heap (which never
// shrinks) grows around; pack order puts most bases close before their deltas.
constexpr size_t kIngestCacheBytes = 4u << 20;

PackLimits parserLimits(const IngestLimits& l) {
  PackLimits p;
  p.maxObjectSize = l.maxObjectSize;
  p.maxDeltaResultSize = l.maxObjectSize;
  return p;
}

[[noreturn]] void overLimit(const std::string& what, uint64_t limit) {
  throwError(ErrorCode::MemoryLimit, what + " exceeds the limit of " + std::to_string(limit) + " bytes");
}
}  // namespace

PackIngest::PackIngest(KvStore& store, ObjectStore& objects, IngestLimits limits, bool trackLinks)
    : kv_(store), objects_(objects), limits_(limits), parser_(parserLimits(limits)), budget_(limits.work),
      index_(store, limits.maxIndexBytes, limits.indexBlockBits), storeWasEmpty_(objects.isEmpty()),
      trackLinks_(trackLinks) {
  repoBytesAtFlush_ = objects_.storedBytes();
  refEpochAtStart_ = RefStore(kv_).epoch();
  objects_.setWorkBudget(&budget_);  // base reads from storage count too
  index_.setWorkBudget(&budget_);    // and spilled blocks read back
  cacheLimitBefore_ = objects_.cacheLimit();
  objects_.setCacheLimit(std::min(cacheLimitBefore_, kIngestCacheBytes));
}

// Dropped before finish() (an error, a client gone): its objects go again.
PackIngest::~PackIngest() {
  objects_.setWorkBudget(nullptr);
  objects_.setCacheLimit(cacheLimitBefore_);  // if finish() did not
  try {
    if (!finished_) abandon();
    index_.dropSpill();
  } catch (...) {
    // Storage failed too: the objects stay as unreachable, counted records
    // (and a spill's rows, under a prefix nothing else reads).
  }
}

void PackIngest::write(const uint8_t* data, size_t n) {
  packBytes_ += n;
  if (packBytes_ > limits_.maxPackBytes) overLimit("the pack", limits_.maxPackBytes);
  budget_.addInput(n);
  if (!backlog_.empty()) {
    backlog_.insert(backlog_.end(), data, data + n);
    return;
  }
  budget_.startStep();
  parse(data, n);
}

bool PackIngest::resume() {
  if (backlog_.empty()) return true;
  budget_.startStep();
  Bytes input = std::move(backlog_);
  backlog_.clear();
  parse(input.data(), input.size());
  return backlog_.empty();
}

void PackIngest::parse(const uint8_t* data, size_t n) {
  const size_t used = parser_.write(data, n, [this](PackEntry&& e) {
    onEntry(std::move(e));
    if (budget_.stepSpent()) parser_.pause();
  });
  backlog_.insert(backlog_.end(), data + used, data + n);
}

void PackIngest::flush() {
  if (batch_.empty()) return;
  // The total as it is now: concurrent pushes' bytes count against the quota
  // and are not lost from the counter.
  repoBytesAtFlush_ = objects_.storedBytes();
  const uint64_t adding = storedBytes_ - flushedBytes_;
  ObjectStore::requireWithinRepoLimit(repoBytesAtFlush_ + adding, limits_.maxRepoBytes);
  if (adding > 0) objects_.stageStoredBytes(batch_, repoBytesAtFlush_ + adding);
  kv_.commitMoved(std::exchange(batch_, WriteBatch()));
  objects_.trimKnown(kKnownIds);
  repoBytesAtFlush_ += adding;
  flushedBytes_ = storedBytes_;
  batchBytes_ = 0;
}

void PackIngest::abandon() {
  if (abandoned_) return;
  abandoned_ = true;
  batch_ = WriteBatch();  // staged, never committed
  takeBack();
  index_.dropSpill();
}

// ... and still none has when a removal commits (another process may share the store).
[[gnu::noinline]] void PackIngest::expectNoRefMoved(WriteBatch& batch) const {
  batch.expect(keys::kRefEpochKey,
               refEpochAtStart_.empty() ? std::nullopt : std::optional<Bytes>(stringToBytes(refEpochAtStart_)));
}

std::string PackIngest::removalEpoch(KvStore& store) {
  const auto raw = store.get(keys::kRemovalEpochKey);
  return raw ? bytesToString(*raw) : std::string();
}

void PackIngest::expectNoRemovalSince(WriteBatch& batch, const std::string& epoch) {
  batch.expect(keys::kRemovalEpochKey, epoch.empty() ? std::nullopt : std::optional<Bytes>(stringToBytes(epoch)));
}

void PackIngest::takeBack() {
  if (flushedBytes_ == 0 && !wroteAny_) return;
  if (RefStore(kv_).epoch() != refEpochAtStart_) return;  // a ref moved: someone may rely on them; they stay (counted)
  WriteBatch undo;
  expectNoRefMoved(undo);
  // Every removal batch moves the removal epoch on: a hash chain, with a
  // random value of this ingest in each link, so two take-backs that start
  // from one value (other processes) never write the same one.
  std::string epoch = removalEpoch(kv_);
  const std::string nonce = std::to_string(SeededIdHash().seed());
  const auto commitUndo = [&] {
    const std::string next = epoch + "\n" + nonce + "\n" + std::to_string(undo.ops().size());
    epoch = hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>(next.data()), next.size()).hex();
    undo.put(keys::kRemovalEpochKey, epoch);
    kv_.commit(undo);
  };
  try {
    // In batches: a spilled index names more objects than memory holds keys
    // for. The byte total goes with the last: a removal cut short by a
    // moved ref leaves objects counted, never uncounted ones.
    size_t staged = 0;
    index_.forEach(PackObjectIndex::Origin::Written, [&](const ObjectId& id) {
      objects_.stageRemove(undo, id);
      if (++staged % kUndoObjects == 0) {
        commitUndo();
        undo = WriteBatch();
        expectNoRefMoved(undo);
      }
    });
    const uint64_t total = objects_.storedBytes();
    if (total > flushedBytes_) objects_.stageStoredBytes(undo, total - flushedBytes_);
    else undo.remove(keys::kStoredBytesKey);  // as before the first object
    commitUndo();
  } catch (const StorageConflict&) {
    // A ref moved meanwhile: the objects stay (counted), as above.
  }
}

void PackIngest::addToIndex(uint64_t offset, const ObjectId& id, uint32_t weight, PackObjectIndex::Origin origin,
                            ObjectType type, bool linked) {
  if (index_.full()) spillIndex();
  index_.add(offset, id, weight, origin, type, linked);
}

[[gnu::noinline]] void PackIngest::spillIndex() {
  flush();  // lookups of spilled objects ask storage for their records
  index_.spillOldest();
}

[[gnu::noinline]] void PackIngest::boundOutsideLinks() {
  // Charged: a pack can make this happen again and again (trees linking to
  // many spilled objects), and each time reads every spilled block.
  budget_.charge(index_.spilledBytes());
  pruneOutsideLinks();
  if (outside_.size() > limits_.maxOutsideLinks / 2) {  // too many: the check walks from the tips instead
    linksKnown_ = trackLinks_ = false;
    outside_.clear();
  }
}

void PackIngest::pruneOutsideLinks() {
  const auto erase = [this](const ObjectId& id) { outside_.erase(id); };
  index_.forEach(PackObjectIndex::Origin::Written, erase);
  index_.forEach(PackObjectIndex::Origin::AlreadyStored, erase);
}

void PackIngest::store(const PackEntry& entry, ObjectType type, Bytes data, const ObjectId* base,
                       uint32_t baseWeight) {
  if (data.size() > limits_.maxObjectSize) {
    throwError(ErrorCode::MemoryLimit, "object exceeds the 32 MB limit (" + std::to_string(data.size()) + " bytes)");
  }
  budget_.charge(data.size() + kWorkPerEntry);  // hashed, parsed for links, maybe recompressed
  const ObjectId id = hashObject(type, data.data(), data.size());
  if (index_.containsInMemory(id)) {  // twice in one pack
    addToIndex(entry.offset, id, 0, PackObjectIndex::Origin::Repeated, type);
    return;
  }
  bool linked = false;  // an object read before links to this one
  if (trackLinks_) {
    const auto waiting = outside_.find(id);
    if (waiting != outside_.end()) {
      linked = true;
      if (waiting->second && *waiting->second != type) linkTypesHold_ = false;
      outside_.erase(waiting);
    }
    const auto links = objectLinks(type, data);
    if (!links) linksKnown_ = false;
    else
      for (const auto& link : *links) {
        if (link.id == id) continue;
        if (const auto held = index_.markLinked(link.id)) {
          if (link.type && *link.type != *held) linkTypesHold_ = false;
          continue;
        }
        // Not in the pack (yet; spilled ones are pruned later): one expected type per id.
        auto [it, added] = outside_.try_emplace(link.id, link.type);
        if (!added && link.type && it->second != link.type) {
          if (it->second) linkTypesHold_ = false;
          it->second = link.type;
        }
      }
    if (outside_.size() > limits_.maxOutsideLinks) boundOutsideLinks();
  }
  // Cached below, moved, not copied: a copy per object churned the wasm heap
  // into holes that later objects' sizes did not fit (it never shrinks). But
  // not with the slack of a reused parser buffer (a small object inflated
  // where a large delta was): the cache would hold far more than the object.
  if (data.capacity() - data.size() > data.size() / 4 + 4096) data.shrink_to_fit();
  // Spilled objects of the pack are stored too (a second copy, or the first
  // of a concurrent push): answered like any stored object.
  const bool stored = (!storeWasEmpty_ || index_.maybeSpilled(id)) && objects_.exists(id);
  if (stored) {
    objects_.remember(id, type, std::make_shared<const Bytes>(std::move(data)));
    // Already stored (a fork's parent may hold it): not written again, but
    // a base for this pack's deltas like any object of the pack.
    auto rec = objects_.record(id);
    addToIndex(entry.offset, id, rec ? rec->chainWeight : 0, PackObjectIndex::Origin::AlreadyStored, type, linked);
    resolveWaitingOn(id);
    return;
  }
  StoredObject rec;
  rec.type = type;
  rec.size = data.size();
  const uint32_t weight = base ? baseWeight + deltaLinkWeight(data.size()) : 0;
  if (base && weight <= kMaxChainWeight) {
    rec.isDelta = true;
    rec.base = *base;
    rec.chainWeight = weight;
    rec.deltaSize = entry.size;
    rec.compressed = entry.compressed;
  } else if (base) {
    rec = ObjectStore::wholeObject(type, data);  // the chain would weigh too much: store whole
  } else {
    rec.compressed = entry.compressed;
  }
  objects_.remember(id, type, std::make_shared<const Bytes>(std::move(data)));
  // Spilled before this object is staged: a spill commits what is staged,
  // and an object committed but not in the index would escape abandon().
  if (index_.full()) spillIndex();
  const uint64_t recordBytes = ObjectStore::recordBytes(rec);
  storedBytes_ += recordBytes;
  ObjectStore::requireWithinRepoLimit(repoBytesAtFlush_ + (storedBytes_ - flushedBytes_), limits_.maxRepoBytes);
  batchBytes_ += recordBytes;
  objects_.stage(batch_, id, rec);
  index_.add(entry.offset, id, rec.chainWeight, PackObjectIndex::Origin::Written, type, linked);  // as abandon() will undo
  wroteAny_ = true;
  ++stored_;
  if (batchBytes_ >= kBatchBytes || stored_ % kBatchObjects == 0) flush();
  resolveWaitingOn(id);
}

void PackIngest::resolveWaitingOn(const ObjectId& id) {
  auto waiting = deferred_.find(id);
  if (waiting == deferred_.end()) return;
  std::vector<PackEntry> entries = std::move(waiting->second);
  deferred_.erase(waiting);
  for (auto& e : entries) {
    deferredBytes_ -= e.compressed.size() + e.data.size();
    tryResolveDelta(e, id);
  }
}

bool PackIngest::tryResolveDelta(PackEntry& entry, const ObjectId& baseId) {
  // In memory: an object of the pack. Otherwise stored: spilled from the
  // pack, or a thin pack's base (a fork's only if visible, or in the pack).
  const bool inPack = index_.containsInMemory(baseId);
  if (!inPack && ((storeWasEmpty_ && !index_.maybeSpilled(baseId)) || !objects_.exists(baseId) ||
                  (baseGuard_ && !baseGuard_(baseId) && !index_.contains(baseId)))) {
    return false;
  }
  // Charged before the work: a small delta can announce a large result.
  budget_.charge(deltaSizes(entry.data.data(), entry.data.size()).second);
  auto base = objects_.read(baseId);
  if (!base && inPack) {
    flush();  // the base is staged but no longer cached: make it readable
    base = objects_.read(baseId);
  }
  if (!base) return false;
  uint32_t baseWeight = 0;
  if (inPack) baseWeight = index_.chainWeight(baseId);
  else if (auto rec = objects_.record(baseId)) baseWeight = rec->chainWeight;
  Bytes data = applyDelta(*base->data, entry.data.data(), entry.data.size(), limits_.maxObjectSize);
  store(entry, base->type, std::move(data), &baseId, baseWeight);
  return true;
}

void PackIngest::onEntry(PackEntry&& entry) {
  budget_.charge(entry.data.size());  // inflated by the parser
  switch (entry.type) {
    case ObjectType::Commit:
    case ObjectType::Tree:
    case ObjectType::Blob:
    case ObjectType::Tag:
      store(entry, entry.type, std::move(entry.data), nullptr, 0);
      return;
    case ObjectType::OfsDelta: {
      const auto base = index_.idAt(entry.baseOffset);
      if (!base) {
        throwError(ErrorCode::InvalidInput, "ofs-delta base at offset " + std::to_string(entry.baseOffset) +
                                                " is not an object of this pack");
      }
      if (!tryResolveDelta(entry, *base)) throwError(ErrorCode::InternalError, "ofs-delta base unreadable");
      return;
    }
    case ObjectType::RefDelta: {
      const ObjectId base = entry.baseId;
      if (tryResolveDelta(entry, base)) return;
      // The base may come later in the pack: keep the delta until then.
      deferredBytes_ += entry.compressed.size() + entry.data.size();
      if (deferredBytes_ > limits_.maxDeferredBytes) {
        throwError(ErrorCode::MemoryLimit, "too many deltas waiting for bases later in the pack");
      }
      deferred_[base].push_back(std::move(entry));
      return;
    }
    default:
      throwError(ErrorCode::InvalidInput, "bad object type in pack");
  }
}

void PackIngest::finish() {
  while (!resume()) {
  }
  parser_.finish();
  if (!deferred_.empty()) {
    throwError(ErrorCode::InvalidInput,
               "pack has deltas against missing base object " + deferred_.begin()->first.hex());
  }
  flush();
  if (trackLinks_ && index_.spilled()) pruneOutsideLinks();
  index_.forEach(PackObjectIndex::Origin::AlreadyStored, [&](const ObjectId& id) {
    if (!objects_.existsInStorage(id)) {
      throwError(ErrorCode::InvalidInput,
                 "object " + id.hex() + " was removed by a concurrent push that failed; push again");
    }
  });
  finished_ = true;
  objects_.setCacheLimit(cacheLimitBefore_);  // what runs after the ingest (connectivity, events) reads with the usual cache
}

}  // namespace oa::git
