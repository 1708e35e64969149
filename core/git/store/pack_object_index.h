// What a push's ingest must remember of each object of the pack it has read:
// its id (for "is this in the pack?"), its pack offset (an OFS_DELTA names
// its base by offset), its delta chain weight (the next delta on it extends
// the chain), and whether the ingest wrote it or found it stored already.
// That is all the per-object state of an ingest, so it is kept compact: 28
// bytes per object in pack order, and a 4-byte slot per object (at most 3/4
// full) of an open-addressing table over them, about 33 bytes per object
// where node-based maps took over 100. The entries sit in fixed blocks, not
// one doubling array: a wasm heap never shrinks, and each doubling would
// leave the old array behind as a hole.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "git/format/object_id.h"

namespace oa::git {

class PackObjectIndex {
 public:
  enum class Origin : uint8_t {
    Written,        // stored by this ingest
    AlreadyStored,  // in the pack, but found stored: relied on, not written
    Repeated,       // a second copy of an object earlier in the pack (its offset only)
  };

  PackObjectIndex();

  // The object at pack `offset`. Entries arrive in offset order except the
  // few REF_DELTAs that waited for a base later in the pack.
  void add(uint64_t offset, const ObjectId& id, uint32_t chainWeight, Origin origin);
  // The id of the object at `offset`, if an object of the pack starts there.
  std::optional<ObjectId> idAt(uint64_t offset) const;
  bool contains(const ObjectId& id) const { return find(id) != kNone; }
  // The chain weight of an object of the pack (0 when absent).
  uint32_t chainWeight(const ObjectId& id) const;
  size_t size() const { return size_; }
  // Calls f(id) for every object of the pack with that origin.
  template <typename F>
  void forEach(Origin origin, F&& f) const {
    for (uint32_t i = 0; i < size_; ++i) {
      if (at(i).origin == origin) f(at(i).id);
    }
  }
  // Bytes held (for tests and benchmarks).
  size_t memoryBytes() const {
    return blocks_.size() * kBlockEntries * sizeof(Entry) + blocks_.capacity() * sizeof(blocks_[0]) +
           slots_.capacity() * sizeof(uint32_t);
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Entry {
    ObjectId id;
    uint8_t weight;  // chain weights never exceed kMaxChainWeight (object_store.h)
    Origin origin;
    uint16_t offsetHigh;
    uint32_t offsetLow;
    uint64_t offset() const { return (uint64_t{offsetHigh} << 32) | offsetLow; }
  };
  static_assert(sizeof(Entry) == 28, "an entry is 28 bytes");
  static constexpr unsigned kBlockBits = 12;  // 4,096 entries, 112 KiB a block
  static constexpr uint32_t kBlockEntries = 1u << kBlockBits;

  const Entry& at(uint32_t i) const { return blocks_[i >> kBlockBits][i & (kBlockEntries - 1)]; }

  uint32_t find(const ObjectId& id) const;
  size_t slotOf(const ObjectId& id) const;
  void grow();

  std::vector<std::unique_ptr<Entry[]>> blocks_;
  uint32_t size_ = 0;
  // Index + 1 of an entry (0: empty). Linear probing from a seeded hash:
  // ids come from the client, and a hash it cannot predict keeps crafted
  // ids from piling into one run of slots.
  std::vector<uint32_t> slots_;
  uint64_t seed_;
  unsigned shift_;
  // Offsets of entries added out of offset order (binary search skips them).
  std::unordered_map<uint64_t, uint32_t> lateOffsets_;
};

}  // namespace oa::git
