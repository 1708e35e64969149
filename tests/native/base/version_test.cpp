#include <gtest/gtest.h>

#include "open_artifacts/version.h"

TEST(Version, LinksLibgit2OneFive) { EXPECT_EQ(oa::libgit2Version().rfind("1.5.", 0), 0u) << oa::libgit2Version(); }
