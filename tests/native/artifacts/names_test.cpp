#include <gtest/gtest.h>

#include "open_artifacts/errors.h"
#include "artifacts/names.h"

namespace oa {
namespace {

struct NameCase {
  std::string name;
  bool valid;
};

class RepoNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(RepoNameTest, FollowsSpecPattern) {
  const auto& c = GetParam();
  EXPECT_EQ(isValidRepoName(c.name), c.valid) << "'" << c.name << "'";
  if (c.valid) {
    EXPECT_NO_THROW(requireValidRepoName(c.name));
  } else {
    try {
      requireValidRepoName(c.name);
      ADD_FAILURE() << "accepted '" << c.name << "'";
    } catch (const ArtifactsError& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidRepoName);
      EXPECT_EQ(errorNumericCode(e.code()), 10101);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Spec41, RepoNameTest,
    ::testing::Values(NameCase{"a", true}, NameCase{"A", true}, NameCase{"0", true}, NameCase{"my-repo", true},
                      NameCase{"my_repo.v2", true}, NameCase{"Repo-01_x.y", true}, NameCase{std::string(63, 'a'), true},
                      NameCase{"a" + std::string(62, '-'), true}, NameCase{"", false},
                      NameCase{std::string(64, 'a'), false}, NameCase{".hidden", false}, NameCase{"-dash", false},
                      NameCase{"_under", false}, NameCase{"has space", false}, NameCase{"slash/name", false},
                      NameCase{"caf\xc3\xa9", false}, NameCase{"\xe2\x9c\x93", false}, NameCase{"tab\tname", false},
                      NameCase{"name\n", false}, NameCase{"a:b", false}, NameCase{"a@b", false},
                      NameCase{std::string("nul\0x", 5), false}));

TEST(NamespaceName, LengthTwoToSixtyThree) {
  EXPECT_FALSE(isValidNamespaceName(""));
  EXPECT_FALSE(isValidNamespaceName("a"));
  EXPECT_TRUE(isValidNamespaceName("ab"));
  EXPECT_TRUE(isValidNamespaceName("default"));
  EXPECT_TRUE(isValidNamespaceName(std::string(63, 'n')));
  EXPECT_FALSE(isValidNamespaceName(std::string(64, 'n')));
  EXPECT_FALSE(isValidNamespaceName("-x"));
  EXPECT_FALSE(isValidNamespaceName("a b"));
}

TEST(RepoNameKey, IsCaseInsensitive) {
  EXPECT_EQ(repoNameKey("MyRepo"), repoNameKey("myrepo"));
  EXPECT_EQ(repoNameKey("MY-REPO.1"), "my-repo.1");
  EXPECT_NE(repoNameKey("a-b"), repoNameKey("a_b"));
}

class BranchNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(BranchNameTest, MirrorsCheckRefFormat) {
  EXPECT_EQ(isValidBranchName(GetParam().name), GetParam().valid) << "'" << GetParam().name << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Spec45, BranchNameTest,
    ::testing::Values(NameCase{"main", true}, NameCase{"trunk", true}, NameCase{"feature/x", true},
                      NameCase{"release-1.0", true}, NameCase{"a/b/c", true}, NameCase{std::string(256, 'b'), true},
                      NameCase{std::string(257, 'b'), false}, NameCase{"", false}, NameCase{"@", false},
                      NameCase{"-x", false}, NameCase{".x", false}, NameCase{"x/", false}, NameCase{"x.", false},
                      NameCase{"x.lock", false}, NameCase{"a/b.lock/c", false}, NameCase{"a..b", false},
                      NameCase{"a//b", false}, NameCase{"a@{b", false}, NameCase{"a/.b", false},
                      NameCase{"a b", false}, NameCase{"a\tb", false}, NameCase{"a~b", false}, NameCase{"a^b", false},
                      NameCase{"a:b", false}, NameCase{"a?b", false}, NameCase{"a*b", false}, NameCase{"a[b", false},
                      NameCase{"a\\b", false}, NameCase{"a\x7f" "b", false}));

}  // namespace
}  // namespace oa
