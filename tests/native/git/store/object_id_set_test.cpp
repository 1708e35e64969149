// ObjectIdSet against std::unordered_set as the model: inserts, lookups and
// erases of random ids, of ids that share their first bytes (one long probe
// run, the worst case of linear probing and of erase's backward shift), and
// of the zero id, which the table cannot keep in a slot.
#include "git/store/object_id_set.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>
#include <vector>

#include "support/random_ids.h"

namespace oa::git {
namespace {

using oa::testing::randomId;

// Ids whose first 8 bytes (the slot) are equal: they all probe from one slot.
ObjectId collidingId(std::mt19937& rng) {
  ObjectId id = randomId(rng);
  for (size_t i = 0; i < 8; ++i) id.bytes[i] = 0x5a;
  return id;
}

void expectSameAs(const ObjectIdSet& set, const std::unordered_set<ObjectId>& model,
                  const std::vector<ObjectId>& probes) {
  EXPECT_EQ(set.size(), model.size());
  for (const auto& id : probes) EXPECT_EQ(set.contains(id), model.count(id) == 1) << id.hex();
}

TEST(ObjectIdSet, MatchesAHashSetThroughInsertsAndErases) {
  std::mt19937 rng(12);
  for (bool colliding : {false, true}) {
    ObjectIdSet set;
    std::unordered_set<ObjectId> model;
    std::vector<ObjectId> ids;
    for (int i = 0; i < 3000; ++i) ids.push_back(colliding && i % 3 == 0 ? collidingId(rng) : randomId(rng));
    ids.push_back(ObjectId{});  // the zero id
    for (const auto& id : ids) EXPECT_EQ(set.insert(id), model.insert(id).second);
    for (const auto& id : ids) EXPECT_FALSE(set.insert(id));  // again: already there
    std::vector<ObjectId> probes = ids;
    for (int i = 0; i < 500; ++i) probes.push_back(colliding ? collidingId(rng) : randomId(rng));
    expectSameAs(set, model, probes);
    // Erase every other id (the zero id, last, too), then some that were never in.
    for (size_t i = 0; i < ids.size(); i += 2) EXPECT_EQ(set.erase(ids[i]), model.erase(ids[i]) == 1);
    EXPECT_FALSE(set.contains(ObjectId{}));
    for (size_t i = ids.size(); i < probes.size(); ++i) EXPECT_FALSE(set.erase(probes[i]));
    expectSameAs(set, model, probes);
    // Erased ids can come back.
    for (size_t i = 0; i < ids.size(); i += 4) EXPECT_EQ(set.insert(ids[i]), model.insert(ids[i]).second);
    expectSameAs(set, model, probes);
  }
}

TEST(ObjectIdSet, ClearEmptiesIt) {
  std::mt19937 rng(7);
  ObjectIdSet set;
  EXPECT_FALSE(set.contains(ObjectId{}));
  EXPECT_FALSE(set.erase(randomId(rng)));
  const ObjectId id = randomId(rng);
  EXPECT_TRUE(set.insert(id));
  EXPECT_TRUE(set.insert(ObjectId{}));
  EXPECT_EQ(set.size(), 2u);
  set.clear();
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.contains(id));
  EXPECT_FALSE(set.contains(ObjectId{}));
  EXPECT_TRUE(set.insert(id));
}

}  // namespace
}  // namespace oa::git
