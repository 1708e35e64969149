#include "git/store/object_store.h"
#include "base/storage_keys.h"

#include "open_artifacts/errors.h"
#include "git/format/delta.h"
#include "git/format/zlib_stream.h"

namespace oa::git {

namespace {
const std::string& kObjectPrefix = keys::kObjectPrefix;
const std::string& kStoredBytesKey = keys::kStoredBytesKey;
constexpr uint8_t kRecordWhole = 1;
constexpr uint8_t kRecordDelta = 2;

std::string key(const ObjectId& id) { return kObjectPrefix + id.hex(); }

void putVarint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

bool getVarint(const Bytes& in, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
    const uint8_t b = in[pos++];
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

[[noreturn]] void corrupt(const ObjectId& id) {
  throwError(ErrorCode::InternalError, "A stored git object is corrupt: " + id.hex());
}
}  // namespace

ObjectStore::ObjectStore(KvStore& store, size_t cacheBytes, std::vector<KvStore*> alternates)
    : store_(store), alternates_(std::move(alternates)), cacheLimit_(cacheBytes), largeObjectBytes_(cacheBytes / 4) {}

std::optional<Bytes> ObjectStore::rawRecord(const ObjectId& id) {
  const std::string k = key(id);
  if (auto raw = store_.get(k)) return raw;
  for (KvStore* alternate : alternates_) {
    if (auto raw = alternate->get(k)) return raw;
  }
  return std::nullopt;
}

bool ObjectStore::exists(const ObjectId& id) {
  // Not the cache: it also holds objects a push resolved but has not stored.
  if (known_.contains(id) || retained_.count(id)) return true;
  std::optional<Bytes> owned;
  if (!recordBytes(id, owned)) return false;
  known_.insert(id);
  return true;
}

const std::string& ObjectStore::keyPrefix() { return kObjectPrefix; }

bool ObjectStore::existsLocally(const ObjectId& id) { return store_.get(key(id)).has_value(); }

bool ObjectStore::isEmpty() { return alternates_.empty() && store_.scan(kObjectPrefix, "", 1).empty(); }

ObjectStore::RecordView ObjectStore::parseRecord(const ObjectId& id, const Bytes& r) {
  if (r.size() < 2 || (r[0] != kRecordWhole && r[0] != kRecordDelta) || r[1] < 1 || r[1] > 4) corrupt(id);
  RecordView out;
  StoredObject& h = out.header;
  h.type = static_cast<ObjectType>(r[1]);
  size_t pos = 2;
  if (!getVarint(r, pos, h.size)) corrupt(id);
  if (r[0] == kRecordDelta) {
    h.isDelta = true;
    if (pos + 20 > r.size()) corrupt(id);
    std::copy(r.begin() + pos, r.begin() + pos + 20, h.base.bytes.begin());
    pos += 20;
    uint64_t weight = 0;
    if (!getVarint(r, pos, weight) || weight > kMaxChainWeight || !getVarint(r, pos, h.deltaSize)) corrupt(id);
    h.chainWeight = static_cast<uint32_t>(weight);
  }
  out.compressed = r.data() + pos;
  out.compressedSize = r.size() - pos;
  return out;
}

const Bytes* ObjectStore::recordBytes(const ObjectId& id, std::optional<Bytes>& owned) {
  if (auto kept = retained_.find(id); kept != retained_.end()) return &kept->second;
  owned = rawRecord(id);
  if (!owned) return nullptr;
  // Commits, trees and tags only; the type byte is checked again by parseRecord().
  if (retain_ && owned->size() >= 2 && (*owned)[1] != static_cast<uint8_t>(ObjectType::Blob)) {
    return &retained_.emplace(id, std::move(*owned)).first->second;
  }
  return &*owned;
}

std::optional<StoredObject> ObjectStore::record(const ObjectId& id) {
  std::optional<Bytes> owned;
  const Bytes* raw = recordBytes(id, owned);
  if (!raw) return std::nullopt;
  RecordView view = parseRecord(id, *raw);
  view.header.compressed.assign(view.compressed, view.compressed + view.compressedSize);
  return std::move(view.header);
}

void ObjectStore::stage(WriteBatch& batch, const ObjectId& id, const StoredObject& object) {
  Bytes r;
  r.reserve(object.compressed.size() + 40);
  r.push_back(object.isDelta ? kRecordDelta : kRecordWhole);
  r.push_back(static_cast<uint8_t>(object.type));
  putVarint(r, object.size);
  if (object.isDelta) {
    r.insert(r.end(), object.base.bytes.begin(), object.base.bytes.end());
    putVarint(r, object.chainWeight);
    putVarint(r, object.deltaSize);
  }
  r.insert(r.end(), object.compressed.begin(), object.compressed.end());
  batch.putNew(key(id), std::move(r));
  known_.insert(id);
}

void ObjectStore::stageRemove(WriteBatch& batch, const ObjectId& id) {
  batch.remove(key(id));
  known_.erase(id);
  retained_.erase(id);
  if (large_ && large_->first == id) large_.reset();
  if (auto it = index_.find(id); it != index_.end()) {
    cacheBytes_ -= it->second->second.data->capacity();
    lru_.erase(it->second);
    index_.erase(it);
  }
}

uint64_t ObjectStore::storedBytes() {
  auto raw = store_.get(kStoredBytesKey);
  uint64_t total = 0;
  size_t pos = 0;
  if (raw && !getVarint(*raw, pos, total)) return 0;
  return total;
}

void ObjectStore::stageStoredBytes(WriteBatch& batch, uint64_t total) {
  Bytes value;
  putVarint(value, total);
  batch.put(kStoredBytesKey, std::move(value));
}

void ObjectStore::requireWithinRepoLimit(uint64_t totalBytes, uint64_t maxRepoBytes) {
  if (totalBytes <= maxRepoBytes) return;
  throwError(ErrorCode::MemoryLimit, "the repository's stored size exceeds the limit of " +
                                         std::to_string(maxRepoBytes) + " bytes");
}

StoredObject ObjectStore::wholeObject(ObjectType type, const Bytes& data) {
  StoredObject out;
  out.type = type;
  out.size = data.size();
  out.compressed = deflateBytes(data.data(), data.size());
  return out;
}

void ObjectStore::clearCache() {
  lru_.clear();
  index_ = {};  // a new map: clear() would keep its buckets
  cacheBytes_ = 0;
  large_.reset();
}

std::optional<ResolvedObject> ObjectStore::cached(const ObjectId& id) {
  if (large_ && large_->first == id) return large_->second;
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ObjectStore::remember(const ObjectId& id, ObjectType type, std::shared_ptr<const Bytes> data) {
  if (data->size() > largeObjectBytes_) {
    large_.emplace(id, ResolvedObject{type, std::move(data)});
    return;
  }
  if (index_.count(id)) return;
  cacheBytes_ += data->capacity();  // what it holds: a buffer handed over may be larger than its object
  lru_.emplace_front(id, ResolvedObject{type, std::move(data)});
  index_[id] = lru_.begin();
  evictOverLimit();
}

void ObjectStore::setCacheLimit(size_t bytes) {
  cacheLimit_ = bytes;
  evictOverLimit();
}

void ObjectStore::evictOverLimit() {
  while (cacheBytes_ > cacheLimit_ && !lru_.empty()) {
    cacheBytes_ -= lru_.back().second.data->capacity();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::optional<ResolvedObject> ObjectStore::read(const ObjectId& id) {
  if (auto hit = cached(id)) return hit;
  std::optional<Bytes> owned;
  const Bytes* raw = recordBytes(id, owned);
  if (!raw) return std::nullopt;
  // Inflated straight from the record's bytes, which stay put while the
  // base is read (retained_ is node-based; `owned` is local).
  const RecordView rec = parseRecord(id, *raw);
  const StoredObject& h = rec.header;
  if (owned && raw == &*owned) known_.insert(id);  // not retained: exists() asks retained_
  Bytes data;
  try {
    if (!h.isDelta) {
      if (budget_) budget_->charge(h.size);
      data = inflateBytes(rec.compressed, rec.compressedSize, h.size);
    } else {
      auto base = read(h.base);
      if (!base) corrupt(id);
      if (budget_) budget_->charge(h.deltaSize + h.size);
      const Bytes delta = inflateBytes(rec.compressed, rec.compressedSize, h.deltaSize);
      data = applyDelta(*base->data, delta.data(), delta.size(), h.size);
      if (data.size() != h.size) corrupt(id);
    }
  } catch (const ArtifactsError& e) {
    if (e.code() != ErrorCode::InvalidInput) throw;  // a bad stream or delta is corruption; a spent budget is not
    corrupt(id);
  }
  auto shared = std::make_shared<const Bytes>(std::move(data));
  remember(id, h.type, shared);
  return ResolvedObject{h.type, shared};
}

}  // namespace oa::git
