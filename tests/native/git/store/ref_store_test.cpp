#include <gtest/gtest.h>

#include "git/store/ref_store.h"
#include "support/memory_kv_store.h"

namespace oa::git {
namespace {

struct RefNameCase {
  std::string name;
  bool valid;
};

class RefNameTest : public ::testing::TestWithParam<RefNameCase> {};

TEST_P(RefNameTest, MirrorsCheckRefFormat) {
  EXPECT_EQ(isValidRefName(GetParam().name), GetParam().valid) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    CheckRefFormat, RefNameTest,
    ::testing::Values(RefNameCase{"refs/heads/main", true}, RefNameCase{"refs/tags/v1.0", true},
                      RefNameCase{"refs/notes/commits", true}, RefNameCase{"refs/pull/1/head", true},
                      RefNameCase{"refs/heads/feature/x-y_z", true}, RefNameCase{"HEAD", false},
                      RefNameCase{"refs/heads/../x", false}, RefNameCase{"refs/heads/a.lock", false},
                      RefNameCase{"refs/heads/a.lock/b", false}, RefNameCase{"refs/heads/a..b", false},
                      RefNameCase{"refs/heads/.hidden", false}, RefNameCase{"refs/heads/x/", false},
                      RefNameCase{"refs/heads/x.", false}, RefNameCase{"refs/heads//x", false},
                      RefNameCase{"refs/heads/a b", false}, RefNameCase{"refs/heads/a~1", false},
                      RefNameCase{"refs/heads/a^", false}, RefNameCase{"refs/heads/a:b", false},
                      RefNameCase{"refs/heads/a?", false}, RefNameCase{"refs/heads/a*", false},
                      RefNameCase{"refs/heads/a[", false}, RefNameCase{"refs/heads/a\\b", false},
                      RefNameCase{"refs/heads/a@{1}", false}, RefNameCase{"heads/main", false},
                      RefNameCase{"refs/heads/\x01", false}, RefNameCase{"refs/", false}, RefNameCase{"refs/x", false},
                      // Names become storage keys that hosts keep as JS strings: only well-formed UTF-8.
                      RefNameCase{"refs/heads/caf\xc3\xa9", true}, RefNameCase{"refs/heads/\xe2\x9c\x93/\xf0\x9f\x8c\x8d", true},
                      RefNameCase{"refs/heads/u\xff", false}, RefNameCase{"refs/heads/u\xc3", false},
                      RefNameCase{"refs/heads/\xc0\xaf", false}, RefNameCase{"refs/heads/\xed\xa0\x80", false},
                      RefNameCase{"refs/heads/\xf4\x90\x80\x80", false}, RefNameCase{"refs/heads/\xe2\x9c", false}));

TEST(RefStore, StagesUpdatesAndListsSorted) {
  MemoryKvStore kv;
  RefStore refs(kv);
  const auto a = *ObjectId::fromHex(std::string(40, 'a'));
  const auto b = *ObjectId::fromHex(std::string(40, 'b'));
  WriteBatch batch;
  refs.stageHead(batch, "refs/heads/main");
  refs.stage(batch, "refs/tags/v1", a);
  refs.stage(batch, "refs/heads/main", b);
  EXPECT_FALSE(refs.get("refs/heads/main")) << "nothing is visible before the batch commits";
  kv.commit(batch);
  EXPECT_EQ(refs.headTarget(), "refs/heads/main");
  EXPECT_EQ(refs.resolve("HEAD"), b);
  const auto all = refs.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "refs/heads/main");
  EXPECT_EQ(all[1].name, "refs/tags/v1");
  EXPECT_EQ(refs.list("refs/tags/").size(), 1u);
  WriteBatch del;
  refs.stage(del, "refs/heads/main", std::nullopt);
  kv.commit(del);
  EXPECT_FALSE(refs.resolve("HEAD")) << "HEAD is unborn once its branch is deleted";
}

TEST(RefStore, HoldsIsTheCompareOfACompareAndSwap) {
  MemoryKvStore kv;
  RefStore refs(kv);
  const auto a = *ObjectId::fromHex(std::string(40, 'a'));
  const auto b = *ObjectId::fromHex(std::string(40, 'b'));
  EXPECT_TRUE(refs.holds("refs/heads/main", ObjectId{})) << "absent: the zero id";
  EXPECT_FALSE(refs.holds("refs/heads/main", a));
  WriteBatch batch;
  refs.stage(batch, "refs/heads/main", a);
  kv.commit(batch);
  EXPECT_TRUE(refs.holds("refs/heads/main", a));
  EXPECT_FALSE(refs.holds("refs/heads/main", b));
  EXPECT_FALSE(refs.holds("refs/heads/main", ObjectId{}));
}

}  // namespace
}  // namespace oa::git
