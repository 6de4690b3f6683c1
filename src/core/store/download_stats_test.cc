#include "core/store/download_stats.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(GlobToLike, StarsAndQuestionMarksBecomeLikeWildcards) {
  struct {
    const char* glob;
    const char* like;
  } cases[] = {
      {"releases/*.iso", "releases/%.iso"},
      {"a?c", "a_c"},
      {"100%_done", "100\\%\\_done"},
      {"back\\slash", "back\\\\slash"},
      {"*", "%"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(GlobToLike(c.glob), c.like) << c.glob;
}

}  // namespace
}  // namespace waymark
