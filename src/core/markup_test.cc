#include "core/markup.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(EscapeXml, MarkupCharactersBecomeEntities) {
  struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"plain", "plain"},
      {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"a & b", "a &amp; b"},
      {"say \"hi\" 'x'", "say &quot;hi&quot; &#39;x&#39;"},
      {"]]>", "]]&gt;"},
      {"tab\there", "tab\there"},
      {"bell\x07", "bell\xEF\xBF\xBD"},
      {"del\x7f", "del\xEF\xBF\xBD"},
      {"caf\xC3\xA9", "caf\xC3\xA9"},            // valid two-byte UTF-8 kept
      {"\xE2\x82\xAC 5", "\xE2\x82\xAC 5"},      // euro sign kept
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},  // four-byte kept
  };
  for (const auto& c : cases) EXPECT_EQ(EscapeXml(c.in), c.out) << c.in;
}

TEST(ValidUtf8, InvalidSequencesAreReplaced) {
  struct {
    std::string in;
    std::string out;
  } cases[] = {
      {"ok", "ok"},
      {"\xFF", "\xEF\xBF\xBD"},
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                  // overlong '/'
      {"\xE0\x80\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // overlong
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // surrogate
      {"a\xC3", "a\xEF\xBF\xBD"},                                // truncated
      {"\xF4\x90\x80\x80",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // > U+10FFFF
      {"\x80x", "\xEF\xBF\xBDx"},  // lone continuation
  };
  for (const auto& c : cases) EXPECT_EQ(ValidUtf8(c.in), c.out) << c.in;
  EXPECT_EQ(EscapeXml("\xFF<"), "\xEF\xBF\xBD&lt;");
}

// Whatever bytes come in, the output has no markup character left raw and
// is valid UTF-8 (escaping it again changes only entities' ampersands).
TEST(EscapeXml, AnyBytesGiveSafeText) {
  unsigned x = 7;
  for (int round = 0; round < 2000; ++round) {
    std::string in;
    for (int i = 0; i < 40; ++i) {
      x = x * 1103515245 + 12345;
      in += static_cast<char>(x >> 16);
    }
    std::string out = EscapeXml(in);
    EXPECT_EQ(out.find_first_of("<>\"'"), std::string::npos);
    EXPECT_EQ(ValidUtf8(out), out);
    for (char c : out) {
      unsigned char u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 || c == '\t' || c == '\n' || c == '\r')
          << static_cast<int>(u);
    }
  }
}

}  // namespace
}  // namespace waymark
