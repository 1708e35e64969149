#include <gtest/gtest.h>

#include "base/time_format.h"

namespace oa {
namespace {

TEST(IsoTimestamp, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(formatIsoTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatIsoTimestamp(1779119626833), "2026-05-18T15:53:46.833Z");  // spec §1.2 example
  EXPECT_EQ(formatIsoTimestamp(951782400000), "2000-02-29T00:00:00.000Z");    // leap day
  EXPECT_EQ(formatIsoTimestamp(4102444799999), "2099-12-31T23:59:59.999Z");
  EXPECT_EQ(formatIsoTimestamp(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace oa
