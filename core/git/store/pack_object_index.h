// What a push's ingest must remember of each object of the pack it has read:
// its id (for "is this in the pack?"), its pack offset (an OFS_DELTA names
// its base by offset), its delta chain weight (the next delta on it extends
// the chain), whether the ingest wrote it or found it stored already, and
// for the clone list a push can leave (pushed_clone_list.h) its type and
// whether another object of the pack links to it.
// That is all the per-object state of an ingest, so it is kept compact: 28
// bytes per object in pack order, and a 4-byte slot per object (at most 3/4
// full) of an open-addressing table over them, about 33 bytes per object
// where node-based maps took over 100. The entries sit in fixed blocks, not
// one doubling array: a wasm heap never shrinks, and each doubling would
// leave the old array behind as a hole.
//
// Bounded (issue 12): given a store and a memory cap, the index keeps the
// newest entries in memory and, past the cap, writes its oldest quarter to
// the store ("spills" it, keys::kSpillPrefix), a value per block keyed by the
// block's last offset, so that one scan finds the block of any offset. The
// memory table is rebuilt over what stays (once per quarter). The caller
// commits the spilled objects' records first, so for an id not in memory:
//   - maybeSpilled() answers from a fixed-size Bloom filter over the spilled
//     ids: no means not in the pack; yes means ask storage (the record);
//   - contains() is exact: it reads the spilled blocks (rare: a ref's tip,
//     a fork's hidden base);
//   - chainWeight() is the record's (the caller reads it), idAt() reads the
//     block (one scan, the last block read stays loaded).
// git writes delta bases just before their deltas, so the lookups that go to
// storage are few. Nothing spills below the cap (every small push). A crash
// leaves a spill's rows behind, under a per-ingest prefix nothing else reads
// (deleting the repo removes them); dropSpill() removes them otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/seeded_id_hash.h"
#include "git/store/work_budget.h"
#include "open_artifacts/storage.h"

namespace oa::git {

class PackObjectIndex {
 public:
  enum class Origin : uint8_t {
    Written,        // stored by this ingest
    AlreadyStored,  // in the pack, but found stored: relied on, not written
    Repeated,       // a second copy of an object earlier in the pack (its offset only)
  };

  // Unbounded, all in memory.
  PackObjectIndex();
  // At most about `maxMemoryBytes` in memory (memoryBytes()); the rest in
  // `spill`, in blocks of 2^blockBits entries.
  PackObjectIndex(KvStore& spill, size_t maxMemoryBytes, unsigned blockBits = 12);

  // The object at pack `offset`. Entries arrive in offset order except the
  // few REF_DELTAs that waited for a base later in the pack. When full(),
  // the caller commits what it staged and calls spillOldest() first.
  // `linked`: an object read before it links to this one.
  void add(uint64_t offset, const ObjectId& id, uint32_t chainWeight, Origin origin, ObjectType type,
           bool linked = false);
  // An object read now links to `id`: marks it, if it is held in memory,
  // and gives its type (nullopt otherwise: not in the pack yet, or spilled).
  std::optional<ObjectType> markLinked(const ObjectId& id);
  bool full() const { return spill_ && size_ - (spilledBlocks_ << blockBits_) >= maxInMemory_; }
  void spillOldest();
  bool spilled() const { return spilledBlocks_ > 0; }
  // Bytes of the spilled blocks (what a walk over every entry reads back).
  uint64_t spilledBytes() const { return uint64_t{spilledBlocks_} * blockEntries() * sizeof(Entry); }
  // The id of the object at `offset`, if an object of the pack starts there.
  std::optional<ObjectId> idAt(uint64_t offset) const;
  // In the pack (exact; may read spilled blocks).
  bool contains(const ObjectId& id) const { return containsInMemory(id) || (maybeSpilled(id) && spillHolds(id)); }
  bool containsInMemory(const ObjectId& id) const { return find(id) != kNone; }
  // False: not among the spilled entries. True: probably is.
  bool maybeSpilled(const ObjectId& id) const;
  // The chain weight of an object held in memory (0 otherwise).
  uint32_t chainWeight(const ObjectId& id) const;
  size_t size() const { return size_; }
  // Calls f(id) for every object of the pack with that origin (spilled ones too).
  template <typename F>
  void forEach(Origin origin, F&& f) const {
    using Fn = std::remove_reference_t<F>;
    forEach(origin, [](void* fn, const ObjectId& id) { (*static_cast<Fn*>(fn))(id); },
            const_cast<void*>(static_cast<const void*>(&f)));
  }
  // The same, one body for every caller (the wasm's size).
  void forEach(Origin origin, void (*call)(void*, const ObjectId&), void* f) const;
  // What the index holds of an object, for the clone list.
  struct Held {
    const ObjectId& id;
    ObjectType type;
    Origin origin;
    bool linked;  // another object of the pack links to it (markLinked(), add())
  };
  std::optional<Held> heldInMemory(const ObjectId& id) const {
    const uint32_t i = find(id);
    if (i == kNone) return std::nullopt;
    return held(at(i));
  }
  // Calls f(Held) for every entry held in memory, in pack order (all of
  // them unless spilled()).
  template <typename F>
  void forEachInMemory(F&& f) const {
    for (uint32_t i = firstInMemory(); i < size_; ++i) f(held(at(i)));
  }
  // Removes the spilled blocks from storage (what spilled is forgotten).
  void dropSpill();
  // Every spilled block a lookup (idAt(), contains()) reads is charged here,
  // its bytes as work: a crafted pack of small deltas on far, spilled bases
  // (or a ref command per spilled object) would otherwise read a block each.
  // Walks over every entry (forEach(), dropSpill()) are not: they read each
  // block once, and cleaning up must not fail for a spent budget.
  void setWorkBudget(WorkBudget* budget) { budget_ = budget; }
  // Bytes held (for tests and benchmarks).
  size_t memoryBytes() const {
    return blocks_.size() * blockEntries() * sizeof(Entry) + blocks_.capacity() * sizeof(blocks_[0]) +
           slots_.capacity() * sizeof(uint32_t) + (filter_ ? filterWords_ * 8 : 0) +
           (loaded_ ? blockEntries() * sizeof(Entry) : 0) + lateOffsets_.size() * kLateEntryBytes;
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kLateEntryBytes = 48;  // a node of lateOffsets_, about
  static constexpr unsigned kFilterProbes = 3;
  struct Entry {
    ObjectId id;
    uint8_t weight;  // chain weights never exceed kMaxChainWeight (object_store.h)
    uint8_t bits;    // origin (bits 0-1), type (2-4), linked (5)
    uint16_t offsetHigh;  // top bit: added out of offset order (a late entry)
    uint32_t offsetLow;
    uint64_t offset() const { return (uint64_t{offsetHigh & 0x7fffu} << 32) | offsetLow; }
    bool late() const { return offsetHigh & 0x8000u; }
    Origin origin() const { return static_cast<Origin>(bits & 3u); }
    ObjectType type() const { return static_cast<ObjectType>(bits >> 2 & 7u); }
    bool linked() const { return bits & 0x20u; }
  };
  static Held held(const Entry& e) { return Held{e.id, e.type(), e.origin(), e.linked()}; }
  static_assert(sizeof(Entry) == 28, "an entry is 28 bytes");

  size_t blockEntries() const { return size_t{1} << blockBits_; }
  const Entry& at(uint32_t i) const {
    return blocks_[(i >> blockBits_) - spilledBlocks_][i & (blockEntries() - 1)];
  }
  uint32_t firstInMemory() const { return spilledBlocks_ << blockBits_; }
  // Spilled blocks (pack_object_index_spill.cpp), read into loaded_ (all
  // blocks are full): the one after the key `cursor` (empty: the first),
  // which moves on to it; the one holding `offset` if any entry does.
  const Entry* nextSpilled(std::string& cursor) const;
  const Entry* spilledBlockOf(uint64_t offset) const;
  bool spillHolds(const ObjectId& id) const;
  // The b-th spilled block, read by its key (the block's last offset, then b).
  const Entry* spilledBlock(uint32_t b) const;
  std::string spillKey(uint64_t lastOffset, uint32_t b) const;
  // A lookup read a spilled block (not a walk over all of them): charged.
  void chargeBlockRead() const;
  uint64_t filterBit(const ObjectId& id, unsigned probe) const;
  void rebuildTable();
  [[gnu::noinline]] void addLate(uint64_t offset, uint32_t index);

  uint32_t find(const ObjectId& id) const;
  size_t slotOf(const ObjectId& id) const;
  void insertSlot(uint32_t index);
  void grow();

  std::vector<std::unique_ptr<Entry[]>> blocks_;  // the entries from firstInMemory() on
  uint32_t size_ = 0;
  // Index + 1 of an entry (0: empty). Linear probing from a seeded hash:
  // ids come from the client, and a hash it cannot predict keeps crafted
  // ids from piling into one run of slots.
  std::vector<uint32_t> slots_;
  uint32_t inTable_ = 0;
  SeededIdHash hash_;
  unsigned shift_;
  // Offsets of entries added out of offset order (binary search skips them).
  std::unordered_map<uint64_t, uint32_t> lateOffsets_;

  // Spilling (none without a store).
  KvStore* spill_ = nullptr;
  unsigned blockBits_ = 12;
  uint32_t maxInMemory_ = 0;  // entries, a whole number of blocks
  size_t maxLate_ = SIZE_MAX;
  uint32_t spilledBlocks_ = 0;
  std::string spillPrefix_;
  size_t filterWords_ = 0;
  std::unique_ptr<uint64_t[]> filter_;     // Bloom filter of the spilled ids, from the first spill on
  mutable std::unique_ptr<Entry[]> loaded_;  // the spilled block read last
  std::vector<uint64_t> spilledLastOffsets_;  // of each spilled block: part of its key
  WorkBudget* budget_ = nullptr;
};

}  // namespace oa::git
