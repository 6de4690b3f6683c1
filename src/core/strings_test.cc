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
  for (const char* bad :
       {"", "-", "4 2", "42x", "0x10", "+1", "99999999999999999999"}) {
    EXPECT_FALSE(ParseInt64(bad, &n)) << bad;
  }
}

TEST(StringsTest, PrintableKeepsOneLine) {
  EXPECT_EQ(Printable("a\nb\x01\x7f"), "a\\x0Ab\\x01\\x7F");
  EXPECT_EQ(Printable("plain text"), "plain text");
}

TEST(StringsTest, SplitAndJoin) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(SplitWhitespace("  a \t b  "),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(Trim("  x \n"), "x");
}

TEST(Utf8, WellFormedAndNot) {
  const struct {
    std::string in;
    bool valid;
  } cases[] = {
      {"", true},
      {"plain ascii/path.iso", true},
      {"caf\xc3\xa9", true},        // U+00E9
      {"\xe2\x82\xac", true},       // U+20AC
      {"\xf0\x9f\x93\xa6", true},   // U+1F4E6
      {"\xef\xbf\xbe", true},       // U+FFFE: UTF-8, if not XML
      {"caf\xe9", false},           // Latin-1
      {"\x80", false},              // a stray continuation byte
      {"\xc0\xaf", false},          // overlong '/'
      {"\xe0\x80\xaf", false},      // overlong, three bytes
      {"\xed\xa0\x80", false},      // a surrogate
      {"\xf4\x90\x80\x80", false},  // past U+10FFFF
      {"\xe2\x82", false},          // cut short
      {"\xff", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(IsValidUtf8(c.in), c.valid) << Printable(c.in);
}

}  // namespace
}  // namespace waymark
