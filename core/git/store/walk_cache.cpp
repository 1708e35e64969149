#include "git/store/walk_cache.h"
#include "base/storage_keys.h"

#include <algorithm>

#include "git/format/sha1.h"

namespace oa::git {

namespace {
const std::string& kKey = keys::kWalkCacheKey;
// 1: without types; 2: lists cut at a chain of 16 tags were kept.
constexpr uint8_t kVersion = 3;
constexpr uint8_t kTypesChecked = 0x80;  // or-ed into the version byte

void updateSorted(Sha1& sha, std::vector<ObjectId> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const uint32_t n = static_cast<uint32_t>(ids.size());
  sha.update(&n, sizeof n);
  for (const auto& id : ids) sha.update(id.bytes.data(), id.bytes.size());
}

// Identifies what the answer depends on: the set of wants, and the repo's
// own shallow boundary (order and duplicates do not matter).
ObjectId requestDigest(const WalkRequest& request) {
  Sha1 sha;
  updateSorted(sha, request.wants);
  updateSorted(sha, std::vector<ObjectId>(request.repoShallows.begin(), request.repoShallows.end()));
  return sha.finish();
}

void putU32(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

bool getU32(const Bytes& in, size_t& pos, uint32_t& v) {
  if (pos + 4 > in.size()) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | in[pos++];
  return true;
}

bool getIds(const Bytes& in, size_t& pos, uint32_t n, std::vector<ObjectId>& out) {
  if (n > (in.size() - pos) / 20) return false;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i, pos += 20) out.push_back(ObjectId::fromRaw(in.data() + pos));
  return true;
}

// No haves, shallow or deepen options: the answer depends on the wants alone.
bool plainRequest(const WalkRequest& r) {
  return !r.wants.empty() && r.haves.empty() && r.clientShallows.empty() && r.depth == 0 && !r.deepenRelative &&
         r.deepenSince == 0 && r.deepenNot.empty() && !r.verifyBlobs && !r.commitsOnly;
}

bool dropsWholeTypes(const ObjectFilter& f) {
  return f.kind == ObjectFilter::Kind::BlobNone || (f.kind == ObjectFilter::Kind::TreeDepth && f.value == 0);
}
}  // namespace

bool WalkCache::cacheable(const WalkRequest& r) { return plainRequest(r) && r.filter.kind == ObjectFilter::Kind::None; }

bool WalkCache::answersFiltered(const WalkRequest& r) {
  return plainRequest(r) && (r.filter.kind == ObjectFilter::Kind::None || dropsWholeTypes(r.filter));
}

bool WalkCache::walkUnfiltered(const WalkRequest& r) {
  return plainRequest(r) && r.filter.kind == ObjectFilter::Kind::BlobNone;
}

WalkResult WalkCache::applyFilter(WalkResult result, const ObjectFilter& filter) {
  if (!dropsWholeTypes(filter)) return result;
  const bool keepTrees = filter.kind == ObjectFilter::Kind::BlobNone;
  // As the walk does (object_walk.cpp): a blob a want names is sent whatever
  // the filter; a tree a want names is walked as a root tree.
  const std::unordered_set<ObjectId> wanted(result.wantedBlobs.begin(), result.wantedBlobs.end());
  size_t kept = 0;
  for (size_t i = 0; i < result.objects.size(); ++i) {
    const ObjectType t = result.types[i];
    if (t == ObjectType::Blob && !wanted.count(result.objects[i])) continue;
    if (t == ObjectType::Tree && !keepTrees) continue;
    result.objects[kept] = result.objects[i];
    result.types[kept++] = t;
  }
  result.objects.resize(kept);
  result.types.resize(kept);
  return result;
}

// Layout: version (| kTypesChecked), wants digest (20), commit count, shallow count, wanted
// blob count, object count (u32 each), then the shallow ids, the wanted
// blobs, the object ids (20 bytes each) and the object types (1 byte each),
// commits first. Only lists that hold a
// commit are kept: a partial clone fetching blobs by id leaves a clone's list be.
std::optional<WalkResult> WalkCache::find(const WalkRequest& request, bool typesCheckedOnly) {
  if (!answersFiltered(request)) return std::nullopt;
  const auto raw = store_.get(kKey);
  if (!raw || raw->size() < 1 + 20 + 16 || ((*raw)[0] & ~kTypesChecked) != kVersion) return std::nullopt;
  if (typesCheckedOnly && !((*raw)[0] & kTypesChecked)) return std::nullopt;
  if (ObjectId::fromRaw(raw->data() + 1) != requestDigest(request)) return std::nullopt;
  size_t pos = 21;
  uint32_t commits = 0, shallow = 0, wantedBlobs = 0, objects = 0;
  WalkResult out;
  if (!getU32(*raw, pos, commits) || !getU32(*raw, pos, shallow) || !getU32(*raw, pos, wantedBlobs) ||
      !getU32(*raw, pos, objects)) {
    return std::nullopt;
  }
  if (!getIds(*raw, pos, shallow, out.shallow) || !getIds(*raw, pos, wantedBlobs, out.wantedBlobs) ||
      !getIds(*raw, pos, objects, out.objects) ||
      raw->size() - pos != objects || commits > objects) {
    return std::nullopt;  // a damaged entry is a miss; the walk rewrites it
  }
  out.types.reserve(objects);
  for (; pos < raw->size(); ++pos) {
    const auto t = static_cast<ObjectType>((*raw)[pos]);
    const bool known = t == ObjectType::Commit || t == ObjectType::Tree || t == ObjectType::Blob || t == ObjectType::Tag;
    if (!known || (out.types.size() < commits) != (t == ObjectType::Commit)) return std::nullopt;
    out.types.push_back(t);
  }
  out.commitCount = commits;
  return applyFilter(std::move(out), request.filter);
}

void WalkCache::remember(const WalkRequest& request, const WalkResult& result) {
  if (auto entry = entryFor(request, result)) store(std::move(*entry));
}

std::optional<Bytes> WalkCache::entryFor(const WalkRequest& request, const WalkResult& result, bool typesChecked) {
  if (!cacheable(request) || result.commitCount == 0 || !result.unshallow.empty() || result.tagChainCut ||
      result.objects.size() > UINT32_MAX || result.types.size() != result.objects.size()) {
    return std::nullopt;
  }
  Bytes value;
  value.reserve(1 + 20 + 16 + 20 * (result.shallow.size() + result.wantedBlobs.size()) + 21 * result.objects.size());
  value.push_back(typesChecked ? kVersion | kTypesChecked : kVersion);
  const ObjectId digest = requestDigest(request);
  value.insert(value.end(), digest.bytes.begin(), digest.bytes.end());
  putU32(value, static_cast<uint32_t>(result.commitCount));
  putU32(value, static_cast<uint32_t>(result.shallow.size()));
  putU32(value, static_cast<uint32_t>(result.wantedBlobs.size()));
  putU32(value, static_cast<uint32_t>(result.objects.size()));
  for (const auto& id : result.shallow) value.insert(value.end(), id.bytes.begin(), id.bytes.end());
  for (const auto& id : result.wantedBlobs) value.insert(value.end(), id.bytes.begin(), id.bytes.end());
  for (const auto& id : result.objects) value.insert(value.end(), id.bytes.begin(), id.bytes.end());
  for (const auto t : result.types) value.push_back(static_cast<uint8_t>(t));
  return value;
}

void WalkCache::store(Bytes&& entry) {
  WriteBatch batch;
  batch.put(kKey, std::move(entry));
  try {
    store_.commitMoved(std::move(batch));
  } catch (...) {
    // Best effort: the next clone walks again.
  }
}

}  // namespace oa::git
