// ObjectIdPositions: every id of the list is found at its (first) position,
// ids not in it are not found, also when all ids share their first bytes
// (one long probe run) and for lists around the table's growth points.
#include "git/store/object_id_positions.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "support/random_ids.h"

namespace oa::git {
namespace {

using oa::testing::randomId;

TEST(ObjectIdPositions, FindsEveryIdAtItsPositionAndNothingElse) {
  std::mt19937 rng(7);
  for (size_t n : {0, 1, 11, 12, 13, 24, 25, 1000, 49152, 49153}) {
    std::vector<ObjectId> ids;
    for (size_t i = 0; i < n; ++i) ids.push_back(randomId(rng));
    const ObjectIdPositions positions(ids);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(positions.find(ids[i]), i) << n;
    for (int i = 0; i < 200; ++i) EXPECT_EQ(positions.find(randomId(rng)), ObjectIdPositions::kNone) << n;
  }
}

TEST(ObjectIdPositions, IdsSharingTheirFirstBytesAndRepeatedIds) {
  std::mt19937 rng(8);
  std::vector<ObjectId> ids;
  for (int i = 0; i < 3000; ++i) {
    ObjectId id = randomId(rng);
    for (size_t b = 0; b < 8; ++b) id.bytes[b] = 0xa5;  // the bytes the slot is hashed from
    ids.push_back(id);
  }
  ids.push_back(ids[10]);  // a repeat keeps the first position
  ids.push_back(ObjectId{});  // the zero id is an id like any other
  const ObjectIdPositions positions(ids);
  for (size_t i = 0; i < 3000; ++i) ASSERT_EQ(positions.find(ids[i]), i);
  EXPECT_EQ(positions.find(ids[10]), 10u);
  EXPECT_EQ(positions.find(ObjectId{}), 3001u);
  ObjectId absent = ids[0];
  absent.bytes[19] ^= 1;
  EXPECT_EQ(positions.find(absent), ObjectIdPositions::kNone);
}

}  // namespace
}  // namespace oa::git
