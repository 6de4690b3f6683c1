#include "core/clock.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(FormatUtcTest, EachFormat) {
  const long long t = 1763538768;  // 2025-11-19 07:52:48 UTC
  EXPECT_EQ(FormatUtc(t), "2025-11-19T07:52:48Z");
  EXPECT_EQ(FormatUtc(t, UtcFormat::kIso8601), "2025-11-19T07:52:48Z");
  EXPECT_EQ(FormatUtc(t, UtcFormat::kDateTime), "2025-11-19 07:52:48");
  EXPECT_EQ(FormatUtc(t, UtcFormat::kDate), "2025-11-19");
  EXPECT_EQ(FormatUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(951782400, UtcFormat::kDate), "2000-02-29");  // leap day
}

}  // namespace
}  // namespace waymark
