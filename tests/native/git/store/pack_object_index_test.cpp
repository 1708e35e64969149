// PackObjectIndex (git/store/pack_object_index.h): the per-object state of a
// push's ingest, by id and by pack offset, in about 33 bytes per object.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "git/format/sha1.h"
#include "git/store/pack_object_index.h"

namespace oa::git {
namespace {

ObjectId idOf(uint32_t n) {
  const std::string text = "object " + std::to_string(n);
  return hashObject(ObjectType::Blob, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

TEST(PackObjectIndex, FindsEveryObjectByIdAndByOffset) {
  PackObjectIndex index;
  constexpr uint32_t kCount = 100000;
  for (uint32_t i = 0; i < kCount; ++i) {
    const auto origin = i % 3 == 0 ? PackObjectIndex::Origin::AlreadyStored : PackObjectIndex::Origin::Written;
    index.add(12 + uint64_t{i} * 37, idOf(i), i % 51, origin, ObjectType::Blob);
  }
  EXPECT_EQ(index.size(), kCount);
  for (uint32_t i = 0; i < kCount; i += 7) {
    EXPECT_TRUE(index.contains(idOf(i)));
    EXPECT_EQ(index.chainWeight(idOf(i)), i % 51);
    EXPECT_EQ(index.idAt(12 + uint64_t{i} * 37), idOf(i));
    EXPECT_FALSE(index.idAt(13 + uint64_t{i} * 37).has_value()) << "inside an entry is no entry";
  }
  EXPECT_FALSE(index.contains(idOf(kCount)));
  EXPECT_EQ(index.chainWeight(idOf(kCount)), 0u);
  size_t written = 0, stored = 0;
  index.forEach(PackObjectIndex::Origin::Written, [&](const ObjectId&) { ++written; });
  index.forEach(PackObjectIndex::Origin::AlreadyStored, [&](const ObjectId&) { ++stored; });
  EXPECT_EQ(written + stored, kCount);
  EXPECT_EQ(stored, (kCount + 2) / 3);
  // The whole point: compact. Entries 28 B, slots 4 B at most 3/4 full, vectors doubling.
  EXPECT_LE(index.memoryBytes(), size_t{kCount} * 70) << index.memoryBytes() / kCount << " B per object";
}

TEST(PackObjectIndex, LateAndRepeatedEntries) {
  PackObjectIndex index;
  index.add(12, idOf(1), 0, PackObjectIndex::Origin::Written, ObjectType::Blob);
  index.add(100, idOf(2), 3, PackObjectIndex::Origin::Written, ObjectType::Blob);
  // A REF_DELTA at 50 resolved after its base at 100 arrived: out of order.
  index.add(50, idOf(3), 4, PackObjectIndex::Origin::Written, ObjectType::Blob);
  index.add(200, idOf(4), 0, PackObjectIndex::Origin::Written, ObjectType::Blob);
  // A second copy of object 1: its offset is an entry, its id answers as the first.
  index.add(300, idOf(1), 9, PackObjectIndex::Origin::Repeated, ObjectType::Blob);
  EXPECT_EQ(index.idAt(12), idOf(1));
  EXPECT_EQ(index.idAt(50), idOf(3));
  EXPECT_EQ(index.idAt(100), idOf(2));
  EXPECT_EQ(index.idAt(200), idOf(4));
  EXPECT_EQ(index.idAt(300), idOf(1));
  EXPECT_FALSE(index.idAt(150).has_value());
  EXPECT_EQ(index.chainWeight(idOf(1)), 0u);
  EXPECT_EQ(index.chainWeight(idOf(3)), 4u);
  std::set<ObjectId> written;
  index.forEach(PackObjectIndex::Origin::Written, [&](const ObjectId& id) { EXPECT_TRUE(written.insert(id).second); });
  EXPECT_EQ(written.size(), 4u) << "a repeated object is written once";
}

}  // namespace
}  // namespace oa::git
