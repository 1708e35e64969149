#include <gtest/gtest.h>

#include <unordered_set>

#include "git/format/object_id.h"

namespace oa::git {
namespace {

constexpr const char* kHex = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";

TEST(ObjectId, ParsesAndPrintsLowercaseHex) {
  const auto id = ObjectId::fromHex(kHex);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->bytes[0], 0xe6);
  EXPECT_EQ(id->bytes[19], 0x91);
  EXPECT_EQ(id->hex(), kHex);
  EXPECT_FALSE(id->isZero());
  EXPECT_EQ(ObjectId::fromRaw(id->bytes.data()), *id);
}

TEST(ObjectId, RejectsAnythingButFortyLowercaseHexDigits) {
  const std::string good = kHex;
  const std::string cases[] = {
      "",                                         // empty
      good.substr(0, 39),                         // short
      good + "0",                                 // long
      "E69DE29BB2D1D6434B8B29AE775AD8C2E48C5391",  // uppercase
      "g69de29bb2d1d6434b8b29ae775ad8c2e48c5391",  // not hex
      " 69de29bb2d1d6434b8b29ae775ad8c2e48c5391",  // space
      std::string("e69de29bb2d1d6434b8b29ae775ad8c2e48c539\0", 40),  // NUL
  };
  for (const auto& s : cases) EXPECT_FALSE(ObjectId::fromHex(s)) << s;
}

TEST(ObjectId, ZeroComparisonAndHashing) {
  const ObjectId zero;
  EXPECT_TRUE(zero.isZero());
  EXPECT_EQ(zero.hex(), std::string(40, '0'));
  EXPECT_EQ(ObjectId::fromHex(std::string(40, '0')), zero);

  const auto a = *ObjectId::fromHex("0000000000000000000000000000000000000001");
  const auto b = *ObjectId::fromHex("1000000000000000000000000000000000000000");
  EXPECT_TRUE(zero < a);
  EXPECT_TRUE(a < b);  // bytewise, most significant byte first
  EXPECT_FALSE(b < a);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, *ObjectId::fromHex("0000000000000000000000000000000000000001"));

  std::unordered_set<ObjectId> set{zero, a, b, a};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.count(b));
}

TEST(ObjectType, NamesMatchGit) {
  const std::pair<ObjectType, const char*> cases[] = {
      {ObjectType::Commit, "commit"}, {ObjectType::Tree, "tree"},           {ObjectType::Blob, "blob"},
      {ObjectType::Tag, "tag"},       {ObjectType::OfsDelta, "ofs-delta"}, {ObjectType::RefDelta, "ref-delta"},
  };
  for (const auto& [type, name] : cases) EXPECT_STREQ(objectTypeName(type), name);
  EXPECT_EQ(static_cast<int>(ObjectType::OfsDelta), 6);
  EXPECT_EQ(static_cast<int>(ObjectType::RefDelta), 7);
}

TEST(ObjectType, OnlyRealObjectTypesParse) {
  EXPECT_EQ(objectTypeFromName("commit"), ObjectType::Commit);
  EXPECT_EQ(objectTypeFromName("tree"), ObjectType::Tree);
  EXPECT_EQ(objectTypeFromName("blob"), ObjectType::Blob);
  EXPECT_EQ(objectTypeFromName("tag"), ObjectType::Tag);
  for (const char* bad : {"ofs-delta", "ref-delta", "Blob", "blob ", "", "object"}) {
    EXPECT_FALSE(objectTypeFromName(bad)) << bad;
  }
  EXPECT_TRUE(isDeltaType(ObjectType::OfsDelta));
  EXPECT_TRUE(isDeltaType(ObjectType::RefDelta));
  EXPECT_FALSE(isDeltaType(ObjectType::Tag));
}

}  // namespace
}  // namespace oa::git
