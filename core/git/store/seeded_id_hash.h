// The slot of an object id in a flat table of 2^(64 - shift) slots, by a hash
// seeded per table. Ids come from pushed objects: ids ground to share their
// first bytes would pile into one run of slots under the bytes themselves,
// and cannot be aimed at a seed they do not know.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>

#include "git/format/object_id.h"

namespace oa::git {

class SeededIdHash {
 public:
  SeededIdHash() {
    std::random_device random;
    seed_ = (uint64_t{random()} << 32) ^ random();
  }

  size_t slot(const ObjectId& id, unsigned shift) const { return static_cast<size_t>(mix(id, 0) >> shift); }
  // The same mix of the 8 bytes at `at` (a Bloom filter's probes take other bytes).
  uint64_t mix(const ObjectId& id, size_t at) const {
    uint64_t v;
    std::memcpy(&v, id.bytes.data() + at, sizeof v);
    return (v ^ seed_) * 0x9E3779B97F4A7C15ull;  // Fibonacci hashing
  }
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
};

}  // namespace oa::git
