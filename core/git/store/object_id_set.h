// A set of object ids in one flat table (open addressing, linear probing).
// An object walk looks up every entry of every tree it reads (millions in a
// large clone): a node-based std::unordered_set costs an allocation per id
// and a chain of dependent loads per lookup, this table one probe of adjacent
// slots. Ids are uniform hashes, so their first bytes pick the slot. It grows
// at 3/4 full (20 bytes a slot: 27-53 bytes an id) and frees only on clear().
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "git/format/object_id.h"

namespace oa::git {

class ObjectIdSet {
 public:
  // True when `id` was not in the set.
  bool insert(const ObjectId& id) {
    if (isFree(id)) {
      if (hasZero_) return false;
      hasZero_ = true;
    } else {
      if ((size_ + 1) * 4 > slots_.size() * 3) grow();
      ObjectId* slot = find(id);
      if (!isFree(*slot)) return false;
      *slot = id;
    }
    ++size_;
    return true;
  }

  // True when `id` was in the set.
  bool erase(const ObjectId& id) {
    if (isFree(id)) {
      if (!hasZero_) return false;
      hasZero_ = false;
      --size_;
      return true;
    }
    if (slots_.empty()) return false;
    ObjectId* slot = find(id);
    if (isFree(*slot)) return false;
    // Backward shift: later ids of the run that may live in the freed slot
    // (it lies on their probe path) move up, so no lookup stops early.
    const size_t mask = slots_.size() - 1;
    size_t hole = static_cast<size_t>(slot - slots_.data());
    for (size_t i = (hole + 1) & mask; !isFree(slots_[i]); i = (i + 1) & mask) {
      const size_t home = static_cast<size_t>(word(slots_[i], 0)) & mask;
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = ObjectId{};
    --size_;
    return true;
  }

  bool contains(const ObjectId& id) const {
    if (isFree(id)) return hasZero_;
    return !slots_.empty() && !isFree(*find(id));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    std::vector<ObjectId>().swap(slots_);
    hasZero_ = false;
    size_ = 0;
  }

 private:
  // Word loads, not memcmp or ObjectId::isZero(): in wasm those are calls.
  static uint64_t word(const ObjectId& id, size_t at) {
    uint64_t w = 0;
    std::memcpy(&w, id.bytes.data() + at, at < 16 ? 8 : 4);
    return w;
  }
  static bool same(const ObjectId& a, const ObjectId& b) {
    return word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, 16) == word(b, 16);
  }
  static bool isFree(const ObjectId& id) { return (word(id, 0) | word(id, 8) | word(id, 16)) == 0; }

  // The slot holding `id`, or the free slot where it would go.
  ObjectId* find(const ObjectId& id) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = static_cast<size_t>(word(id, 0)) & mask;; i = (i + 1) & mask) {
      const ObjectId& slot = slots_[i];
      if (same(slot, id) || isFree(slot)) return const_cast<ObjectId*>(&slot);
    }
  }

  void grow() {
    std::vector<ObjectId> old(slots_.empty() ? 64 : slots_.size() * 2);
    old.swap(slots_);
    for (const ObjectId& id : old) {
      if (!isFree(id)) *find(id) = id;
    }
  }

  std::vector<ObjectId> slots_;  // size a power of two; the zero id marks a free slot
  bool hasZero_ = false;         // the zero id itself, which cannot mark its own slot
  size_t size_ = 0;
};

}  // namespace oa::git
