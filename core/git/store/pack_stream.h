// Streams a pack of the given objects straight from their stored records:
// stored deltas are reused (as OFS_DELTA behind their base, or REF_DELTA
// against an object the client has when thin packs are allowed); only a delta
// whose base is in neither place is resolved and recompressed. Memory holds
// one object at a time plus the id bookkeeping.
#pragma once

#include <memory>
#include <unordered_set>
#include <vector>

#include "git/store/object_id_positions.h"
#include "git/store/object_store.h"

namespace oa::git {

class PackWriter;

struct PackStats {
  uint32_t total = 0;
  uint32_t deltas = 0;
  uint32_t reused = 0;       // entries copied from storage as they were
  uint32_t reusedDeltas = 0;
};

class PackStream {
 public:
  // `clientHas`: objects the client is known to have; thin packs may use them
  // as REF_DELTA bases (pass an empty set when thin packs are not allowed).
  PackStream(ObjectStore& objects, std::vector<ObjectId> ids, std::unordered_set<ObjectId> clientHas,
             bool allowOfsDelta);
  ~PackStream();

  // Appends the next part of the pack (at least one object, or the trailer).
  // False once the whole pack has been produced.
  bool next(Bytes& out);
  const PackStats& stats() const { return stats_; }

 private:
  // Writes ids_[at] (after its base, when that is in the pack and not written yet).
  void emit(uint32_t at, int depth);

  ObjectStore& objects_;
  std::vector<ObjectId> ids_;
  ObjectIdPositions positions_;  // of ids_: "is it in the pack?", and where its offset is
  std::vector<uint64_t> offsets_;  // of each of ids_ in the pack; 0 until written (no entry starts at 0)
  std::unordered_set<ObjectId> clientHas_;
  bool allowOfsDelta_;
  std::unique_ptr<PackWriter> writer_;
  size_t cursor_ = 0;
  bool finished_ = false;
  PackStats stats_;
};

}  // namespace oa::git
