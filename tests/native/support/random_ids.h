// Random object ids for the tests of id tables (ObjectIdSet, ObjectIdPositions).
#pragma once

#include <random>

#include "git/format/object_id.h"

namespace oa::testing {

inline git::ObjectId randomId(std::mt19937& rng) {
  git::ObjectId id;
  for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
  return id;
}

}  // namespace oa::testing
