#include "core/strings.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(StringsTest, SuggestClosestFindsTyposOnly) {
  std::vector<std::string> words = {"mirror", "db", "help", "version"};
  EXPECT_EQ(SuggestClosest("mirorr", words), "mirror");
  EXPECT_EQ(SuggestClosest("hlep", words), "help");
  EXPECT_EQ(SuggestClosest("frobnicate", words), "");
}

TEST(StringsTest, ParseInt64RejectsJunk) {
  long long n;
  EXPECT_TRUE(ParseInt64("42", &n));
  EXPECT_EQ(n, 42);
  EXPECT_TRUE(ParseInt64("-7", &n));
  EXPECT_EQ(n, -7);
  for (const char* bad : {"", "-", "4 2", "42x", "0x10", "+1", "99999999999999999999"}) {
    EXPECT_FALSE(ParseInt64(bad, &n)) << bad;
  }
}

TEST(StringsTest, PrintableKeepsOneLine) {
  EXPECT_EQ(Printable("a\nb\x01\x7f"), "a\\x0Ab\\x01\\x7F");
  EXPECT_EQ(Printable("plain text"), "plain text");
}

TEST(StringsTest, SplitAndJoin) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(SplitWhitespace("  a \t b  "), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(Trim("  x \n"), "x");
}

}  // namespace
}  // namespace waymark
