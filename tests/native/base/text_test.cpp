#include <gtest/gtest.h>

#include "base/text.h"

namespace oa {
namespace {

TEST(Text, StartsWith) {
  EXPECT_TRUE(startsWith("refs/heads/main", "refs/"));
  EXPECT_TRUE(startsWith("refs/", "refs/"));
  EXPECT_TRUE(startsWith("x", ""));
  EXPECT_TRUE(startsWith("", ""));
  EXPECT_FALSE(startsWith("ref", "refs/"));
  EXPECT_FALSE(startsWith("xrefs/", "refs/"));
}

TEST(Text, EndsWith) {
  EXPECT_TRUE(endsWith("repo.git", ".git"));
  EXPECT_TRUE(endsWith(".git", ".git"));
  EXPECT_TRUE(endsWith("x", ""));
  EXPECT_FALSE(endsWith("git", ".git"));
  EXPECT_FALSE(endsWith("repo.gitx", ".git"));
  EXPECT_FALSE(endsWith("", "x"));
}

}  // namespace
}  // namespace oa
