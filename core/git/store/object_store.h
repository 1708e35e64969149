// Git objects as delta-preserving records (DESIGN.md "Objects keep their
// deltas"): each object is stored under "o/<hex>" with its type and size, and
// the zlib stream exactly as it arrived in a pack, either the whole object or
// a delta against a base object id. Serving a clone copies those bytes; reading
// an object resolves its delta chain, with a bounded cache of resolved objects.
#pragma once

#include <algorithm>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/object_id_set.h"
#include "git/store/work_budget.h"
#include "open_artifacts/storage.h"

namespace oa::git {

struct StoredObject {
  ObjectType type = ObjectType::Blob;  // the resolved object's type (never a delta type)
  uint64_t size = 0;                   // the resolved object's size
  bool isDelta = false;
  ObjectId base;                       // when isDelta
  uint64_t deltaSize = 0;              // inflated size of the delta, when isDelta
  uint32_t chainWeight = 0;            // deltaChainWeight() of the chain (0 for whole objects)
  Bytes compressed;                    // zlib stream of the object or of the delta
};

struct ResolvedObject {
  ObjectType type;
  std::shared_ptr<const Bytes> data;
};

// Reading a delta resolves its whole chain, so chains are bounded by weight:
// each link weighs 1 plus 1 per full kChainWeightUnit of its object's size,
// and an object whose chain would weigh more than kMaxChainWeight is stored
// whole. A read then inflates at most 50 records and resolves at most
// 50 x 4 MiB: deep chains of large objects cost what short ones do, and
// reading every version of a large file is never quadratic in its history.
// (Records written before weights counted 1 per link; those chains are at
// most 50 links too.)
constexpr uint32_t kMaxChainWeight = 50;
constexpr uint64_t kChainWeightUnit = 4ull << 20;
inline uint32_t deltaLinkWeight(uint64_t objectSize) {
  return 1 + static_cast<uint32_t>(std::min<uint64_t>(objectSize / kChainWeightUnit, kMaxChainWeight));
}

// A fork shares its parent's records instead of copying them (git's
// "alternates"): `alternates` are the object stores of the repos it borrows
// from, nearest first. Reads fall back to them; writes always go to `store`.
class ObjectStore {
 public:
  explicit ObjectStore(KvStore& store, size_t cacheBytes = 8u << 20, std::vector<KvStore*> alternates = {});

  // Key prefix of object records ("o/<hex>"), for whole-store copies.
  static const std::string& keyPrefix();

  bool exists(const ObjectId& id);
  // Asks storage itself (this repo's rows and the alternates'), not what this
  // instance has seen: whether an object is stored right now.
  bool existsInStorage(const ObjectId& id) { return rawRecord(id).has_value(); }
  // Stored in this repo's own rows (not only borrowed from an alternate).
  bool existsLocally(const ObjectId& id);
  bool borrowsObjects() const { return !alternates_.empty(); }
  // True when the store holds no object records at all (nor borrows any).
  bool isEmpty();
  std::optional<StoredObject> record(const ObjectId& id);
  // The whole object, resolving deltas. nullopt if absent. Throws
  // ArtifactsError(InternalError) if a record or its chain is corrupt.
  std::optional<ResolvedObject> read(const ObjectId& id);
  // While set, every inflate and delta resolution read() does is charged to
  // `budget` (nullptr: none). A push's ingest sets it.
  void setWorkBudget(WorkBudget* budget) { budget_ = budget; }
  // Bytes of resolved objects the cache keeps (evicting now if it holds more).
  void setCacheLimit(size_t bytes);
  size_t cacheLimit() const { return cacheLimit_; }

  // Stages a record of an object not yet stored into `batch` (the caller
  // commits, objects before refs); exists() answers true for it from now on.
  void stage(WriteBatch& batch, const ObjectId& id, const StoredObject& object);
  // Stages removing a record of this repo's own rows (a refused push's).
  void stageRemove(WriteBatch& batch, const ObjectId& id);
  // Bytes of object records stored in this repo's own rows, kept up to date
  // by whoever stages records (a push, an import, a fork's copy) in the same
  // batch, so it is exact after any crash. Checked against the repo quota.
  uint64_t storedBytes();
  void stageStoredBytes(WriteBatch& batch, uint64_t total);
  // What one record counts in storedBytes(): its compressed bytes and a
  // share of per-row overhead.
  static uint64_t recordBytes(const StoredObject& object) { return object.compressed.size() + 64; }
  // MEMORY_LIMIT when a repo would store more than `maxRepoBytes`.
  static void requireWithinRepoLimit(uint64_t totalBytes, uint64_t maxRepoBytes);
  // Makes a whole-object record for data the server produced itself.
  static StoredObject wholeObject(ObjectType type, const Bytes& data);

  // Remembers an object resolved elsewhere (e.g. during pack ingest).
  // Forgets which ids it has seen stored once it knows more than `max` (a
  // push's ingest calls it after each commit, when nothing it staged is
  // uncommitted): the set would otherwise hold every object of a large push.
  void trimKnown(size_t max) {
    if (known_.size() > max) known_.clear();
  }
  void remember(const ObjectId& id, ObjectType type, std::shared_ptr<const Bytes> data);

  // While on, records of commits, trees and tags read from storage are kept
  // until forget(): a fetch's walk reads them and its pack stream sends them,
  // and they are small (2.4 MB for 31k of them in the benchmark repo) next to
  // a second storage read each.
  // exists() retains what it finds too (a fetch checks its wants first).
  void retainRecords(bool on) { retain_ = on; }
  void forget(const ObjectId& id) { retained_.erase(id); }
  // Frees the resolved objects kept for read(): a fetch's pack stream sends
  // records as stored, and what its walk resolved (up to the cache's size)
  // would only add to the memory the stream needs.
  void clearCache();

 private:
  // A record's header, parsed in place; `compressed` points into its bytes.
  struct RecordView {
    StoredObject header;  // without its compressed bytes
    const uint8_t* compressed = nullptr;
    size_t compressedSize = 0;
  };
  static RecordView parseRecord(const ObjectId& id, const Bytes& raw);
  // The record's bytes, from retained_ or storage (then retained when
  // retainRecords() asks for it): nullptr when absent. `owned` keeps the bytes
  // of a record not retained alive.
  const Bytes* recordBytes(const ObjectId& id, std::optional<Bytes>& owned);

  std::optional<ResolvedObject> cached(const ObjectId& id);
  void evictOverLimit();
  // The stored record's bytes, from this store or the first alternate holding it.
  std::optional<Bytes> rawRecord(const ObjectId& id);

  KvStore& store_;
  std::vector<KvStore*> alternates_;
  // Ids seen stored (or staged) by this instance, besides those retained.
  ObjectIdSet known_;
  bool retain_ = false;
  std::unordered_map<ObjectId, Bytes> retained_;  // records as stored
  size_t cacheLimit_;
  size_t cacheBytes_ = 0;  // capacity of the cached buffers
  size_t largeObjectBytes_;  // larger objects go to large_ (a quarter of the limit the store was made with)
  // Objects too large for the LRU (over a quarter of it): the last one
  // resolved, so walking a large file's versions along its chain is linear.
  std::optional<std::pair<ObjectId, ResolvedObject>> large_;
  WorkBudget* budget_ = nullptr;
  std::list<std::pair<ObjectId, ResolvedObject>> lru_;
  std::unordered_map<ObjectId, std::list<std::pair<ObjectId, ResolvedObject>>::iterator> index_;
};

}  // namespace oa::git
