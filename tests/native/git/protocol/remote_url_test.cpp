// One rule for import's remote URLs: trailing slashes and a ".git" suffix.
#include <gtest/gtest.h>

#include "git/protocol/remote_url.h"

namespace oa::git {
namespace {

struct UrlCase {
  std::string given;
  std::string base;
  std::string withDotGit;
};

class RemoteUrlTest : public ::testing::TestWithParam<UrlCase> {};

TEST_P(RemoteUrlTest, BaseAndDotGit) {
  const auto& c = GetParam();
  EXPECT_EQ(remoteBaseUrl(c.given), c.base) << c.given;
  EXPECT_EQ(remoteUrlWithDotGit(c.given), c.withDotGit) << c.given;
}

INSTANTIATE_TEST_SUITE_P(
    Urls, RemoteUrlTest,
    ::testing::Values(UrlCase{"https://h/o/r", "https://h/o/r", "https://h/o/r.git"},
                      UrlCase{"https://h/o/r/", "https://h/o/r", "https://h/o/r.git"},
                      UrlCase{"https://h/o/r///", "https://h/o/r", "https://h/o/r.git"},
                      UrlCase{"https://h/o/r.git", "https://h/o/r.git", "https://h/o/r.git"},
                      UrlCase{"https://h/o/r.git/", "https://h/o/r.git", "https://h/o/r.git"},
                      UrlCase{"https://h/o/r.gitx", "https://h/o/r.gitx", "https://h/o/r.gitx.git"},
                      UrlCase{"", "", ".git"}));

}  // namespace
}  // namespace oa::git
