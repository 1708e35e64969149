// Reading a remote's capabilities: v0/v1 words and v2 lines.
#include <gtest/gtest.h>

#include "git/protocol/capabilities.h"

namespace oa::git {
namespace {

TEST(Capabilities, ValuesOfWordsAndLines) {
  const std::vector<std::string> v0 = {"multi_ack", "side-band-64k", "symref=HEAD:refs/heads/main", "agent=git/2.39.5"};
  EXPECT_EQ(capabilityValue(v0, "side-band-64k"), "");
  EXPECT_EQ(capabilityValue(v0, "symref"), "HEAD:refs/heads/main");
  EXPECT_EQ(capabilityValue(v0, "agent"), "git/2.39.5");
  EXPECT_EQ(capabilityValue(v0, "side-band"), std::nullopt) << "a prefix of another capability is not it";
  EXPECT_TRUE(hasCapability(v0, "multi_ack"));
  EXPECT_FALSE(hasCapability(v0, "multi"));
  EXPECT_FALSE(hasCapability(v0, "shallow"));

  const std::vector<std::string> v2 = {"agent=git/2.39.5", "ls-refs=unborn", "fetch=shallow wait-for-done", "object-info"};
  EXPECT_TRUE(offersFeature(v2, "fetch", "shallow"));
  EXPECT_TRUE(offersFeature(v2, "fetch", "wait-for-done"));
  EXPECT_FALSE(offersFeature(v2, "fetch", "filter"));
  EXPECT_FALSE(offersFeature(v2, "fetch", "shall"));
  EXPECT_TRUE(offersFeature(v2, "ls-refs", "unborn"));
  EXPECT_FALSE(offersFeature(v2, "object-info", ""));
  EXPECT_FALSE(offersFeature(v2, "nope", "shallow"));
}

TEST(Capabilities, OurAdvertisementsNameWhatTheFetchClientLooksFor) {
  const auto v0 = uploadPackCapabilities("refs/heads/main");
  EXPECT_EQ(capabilityValue(v0, "symref"), "HEAD:refs/heads/main");
  for (const char* cap : {"shallow", "side-band-64k", "ofs-delta", "include-tag", "no-progress", "agent"}) {
    EXPECT_TRUE(hasCapability(v0, cap)) << cap;
  }
  const auto v2 = protocolV2Capabilities();
  EXPECT_TRUE(offersFeature(v2, "fetch", "shallow"));
  EXPECT_TRUE(offersFeature(v2, "ls-refs", "unborn"));
  EXPECT_EQ(capabilityValue(v2, "object-format"), "sha1");
}

}  // namespace
}  // namespace oa::git
