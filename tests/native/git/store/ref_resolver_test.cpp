// The one rule for revision names (ref_resolver.h), as a table: which refs a
// name may mean, and what it resolves to in a repo where a branch and a tag
// share a name.
#include <gtest/gtest.h>

#include "git/store/ref_resolver.h"
#include "support/memory_kv_store.h"

namespace oa::git {
namespace {

using Names = std::vector<std::string>;

struct CandidateCase {
  std::string name;
  Names anyRef;
  Names branchesAndTags;
};

class RefCandidatesTest : public ::testing::TestWithParam<CandidateCase> {};

TEST_P(RefCandidatesTest, InOrder) {
  const auto& c = GetParam();
  EXPECT_EQ(refCandidates(c.name), c.anyRef) << c.name;
  EXPECT_EQ(refCandidates(c.name, RefScope::BranchesAndTags), c.branchesAndTags) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Names, RefCandidatesTest,
    ::testing::Values(
        CandidateCase{"HEAD", {"HEAD"}, {"HEAD"}},
        CandidateCase{"main", {"refs/heads/main", "refs/tags/main"}, {"refs/heads/main", "refs/tags/main"}},
        CandidateCase{"feature/x", {"refs/heads/feature/x", "refs/tags/feature/x"},
                      {"refs/heads/feature/x", "refs/tags/feature/x"}},
        CandidateCase{"refs/heads/main", {"refs/heads/main"}, {"refs/heads/main"}},
        CandidateCase{"refs/tags/v1", {"refs/tags/v1"}, {"refs/tags/v1"}},
        CandidateCase{"refs/notes/x", {"refs/notes/x"}, {}},
        CandidateCase{"refs/pull/1/head", {"refs/pull/1/head"}, {}},
        CandidateCase{std::string(40, 'a'), {}, {}},  // an object id, not a ref
        CandidateCase{"heads/main", {"refs/heads/heads/main", "refs/tags/heads/main"},
                      {"refs/heads/heads/main", "refs/tags/heads/main"}},
        // Not well-formed ref names: nothing to look up.
        CandidateCase{"", {}, {}}, CandidateCase{"main..side", {}, {}}, CandidateCase{"main~1", {}, {}},
        CandidateCase{"main^", {}, {}}, CandidateCase{"a b", {}, {}}, CandidateCase{"refs/heads/", {}, {}},
        CandidateCase{"refs/main", {}, {}}, CandidateCase{"x.lock", {}, {}}));

struct ResolveCase {
  std::string name;
  std::optional<char> any;              // the id ('a'...) resolved with RefScope::AnyRef
  std::optional<char> branchesAndTags;  // with RefScope::BranchesAndTags
};

class ResolveRevisionTest : public ::testing::TestWithParam<ResolveCase> {
 protected:
  static ObjectId id(char c) { return *ObjectId::fromHex(std::string(40, c)); }

  void SetUp() override {
    WriteBatch batch;
    refs.stageHead(batch, "refs/heads/main");
    refs.stage(batch, "refs/heads/main", id('a'));
    refs.stage(batch, "refs/heads/dup", id('b'));
    refs.stage(batch, "refs/tags/dup", id('c'));
    refs.stage(batch, "refs/tags/v1", id('d'));
    refs.stage(batch, "refs/notes/x", id('e'));
    kv.commit(batch);
  }

  MemoryKvStore kv;
  RefStore refs{kv};
};

TEST_P(ResolveRevisionTest, Resolves) {
  const auto& c = GetParam();
  auto expected = [](std::optional<char> c) { return c ? std::optional<ObjectId>(id(*c)) : std::nullopt; };
  EXPECT_EQ(resolveRevision(refs, c.name), expected(c.any)) << c.name;
  EXPECT_EQ(resolveRevision(refs, c.name, RefScope::BranchesAndTags), expected(c.branchesAndTags)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Repo, ResolveRevisionTest,
    ::testing::Values(ResolveCase{"HEAD", 'a', 'a'}, ResolveCase{"main", 'a', 'a'},
                      ResolveCase{"refs/heads/main", 'a', 'a'},
                      ResolveCase{"dup", 'b', 'b'},  // the branch wins over the tag
                      ResolveCase{"refs/tags/dup", 'c', 'c'}, ResolveCase{"v1", 'd', 'd'},
                      ResolveCase{"refs/notes/x", 'e', std::nullopt},
                      ResolveCase{std::string(40, 'f'), 'f', 'f'},  // ids are not checked for existence
                      ResolveCase{"nope", std::nullopt, std::nullopt},
                      ResolveCase{"refs/heads/nope", std::nullopt, std::nullopt},
                      ResolveCase{"heads/main", std::nullopt, std::nullopt},
                      ResolveCase{"MAIN", std::nullopt, std::nullopt},
                      ResolveCase{"main~1", std::nullopt, std::nullopt}));

TEST(ResolveRevision, AnUnbornHeadResolvesToNothing) {
  MemoryKvStore kv;
  RefStore refs(kv);
  WriteBatch batch;
  refs.stageHead(batch, "refs/heads/main");
  kv.commit(batch);
  EXPECT_EQ(resolveRevision(refs, "HEAD"), std::nullopt);
}

}  // namespace
}  // namespace oa::git
