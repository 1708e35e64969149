// Turns a pushed (possibly thin) pack into object records as it streams in:
// each entry is inflated, resolved against its base (earlier in the pack, or
// already stored), hashed, and stored keeping its delta form and compressed
// bytes. Batches are committed as they fill, so memory stays bounded and
// objects are durable before any ref can point at them.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "git/object_store.h"
#include "git/pack_parser.h"
#include "kv_store.h"

namespace oa::git {

struct IngestLimits {
  uint64_t maxObjectSize = 32ull << 20;       // resolved size of any object (spec §6.6: 32 MB)
  uint64_t maxDeferredBytes = 64ull << 20;    // REF_DELTAs waiting for a base later in the pack
};

class PackIngest {
 public:
  // `recordLinks`: keep links() for a connectivity check (a push). An import
  // walks the result instead, so it does not hold every object's links.
  PackIngest(KvStore& store, ObjectStore& objects, IngestLimits limits = {}, bool recordLinks = true);

  // Feeds pack bytes. Throws ArtifactsError(InvalidInput / MemoryLimit) on a
  // bad pack; objects stored before the error stay as unreachable records.
  void write(const uint8_t* data, size_t n);
  // Verifies the trailer, resolves deferred deltas, commits the last batch.
  void finish();

  // What each object of the pack refers to (see object_links.h); an object
  // whose content did not parse as its type maps to nullopt.
  const std::unordered_map<ObjectId, std::optional<std::vector<ObjectId>>>& links() const { return links_; }
  // Pack entries read so far (progress of an import).
  uint32_t entriesRead() const { return parser_.entriesParsed(); }
  // Entries the pack header announces (0 until its 12 bytes arrived).
  uint32_t entriesAnnounced() const { return parser_.objectCount(); }

 private:
  void onEntry(PackEntry&& entry);
  // Resolves, hashes and stages one object whose base (if any) is available.
  void store(const PackEntry& entry, ObjectType type, const Bytes& data, const ObjectId* base, uint32_t baseDepth);
  bool tryResolveDelta(PackEntry& entry, const ObjectId& base);
  void flush();

  KvStore& kv_;
  ObjectStore& objects_;
  IngestLimits limits_;
  PackParser parser_;
  WriteBatch batch_;
  size_t batchBytes_ = 0;
  uint32_t stored_ = 0;
  std::unordered_map<uint64_t, ObjectId> idAtOffset_;
  std::unordered_map<ObjectId, uint32_t> depthOf_;     // delta depth of this pack's objects
  std::unordered_map<ObjectId, std::optional<std::vector<ObjectId>>> links_;
  std::unordered_map<ObjectId, std::vector<PackEntry>> deferred_;  // by missing base id
  uint64_t deferredBytes_ = 0;
  // A repo with no objects yet (an initial push) needs no per-object
  // "already stored?" lookups: that is most of the storage reads of a push.
  bool storeWasEmpty_ = false;
  bool recordLinks_;
};

}  // namespace oa::git
