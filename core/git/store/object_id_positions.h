// Where each id of a list of object ids is in it: a table of 4-byte slots
// (open addressing, linear probing, at most 3/4 full) holding positions in
// the caller's list, not the ids themselves. For a clone's pack of 167k
// objects that is 1 MiB, where a node-based map from id to position took
// about 8 MiB.
#pragma once

#include <cstdint>
#include <vector>

#include "git/format/object_id.h"
#include "git/store/seeded_id_hash.h"

namespace oa::git {

class ObjectIdPositions {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Indexes `ids`, which must stay alive and unchanged while this is used.
  // A repeated id keeps its first position.
  explicit ObjectIdPositions(const std::vector<ObjectId>& ids) : ids_(ids) {
    size_t slots = 16;
    while (slots * 3 < ids.size() * 4) slots *= 2;
    slots_.assign(slots, 0);
    for (shift_ = 64; slots > 1; slots /= 2) --shift_;
    const size_t mask = slots_.size() - 1;
    for (uint32_t i = 0; i < ids.size(); ++i) {
      size_t s = slotOf(ids[i]);
      while (slots_[s] != 0 && !(ids_[slots_[s] - 1] == ids[i])) s = (s + 1) & mask;
      if (slots_[s] == 0) slots_[s] = i + 1;
    }
  }

  // The position of `id` in the list, or kNone.
  uint32_t find(const ObjectId& id) const {
    const size_t mask = slots_.size() - 1;
    for (size_t s = slotOf(id);; s = (s + 1) & mask) {
      const uint32_t slot = slots_[s];
      if (slot == 0) return kNone;
      if (ids_[slot - 1] == id) return slot - 1;
    }
  }

 private:
  size_t slotOf(const ObjectId& id) const { return hash_.slot(id, shift_); }

  const std::vector<ObjectId>& ids_;
  std::vector<uint32_t> slots_;  // position + 1 (0: empty)
  SeededIdHash hash_;
  unsigned shift_;
};

}  // namespace oa::git
