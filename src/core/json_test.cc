#include "core/json.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(JsonTest, StringOrNull) {
  EXPECT_TRUE(StringOrNull("").is_null());
  EXPECT_EQ(StringOrNull("fra1"), "fra1");
  EXPECT_EQ(StringOrNull(" "), " ");
}

TEST(JsonTest, OrNull) {
  EXPECT_TRUE(OrNull(std::optional<long long>()).is_null());
  EXPECT_EQ(OrNull(std::optional<long long>(0)), 0);
  EXPECT_EQ(OrNull(std::optional<double>(50.5)), 50.5);
}

TEST(JsonTest, TextIsIndentedWithFinalNewline) {
  nlohmann::json j = {{"b", nullptr}, {"a", 1}};
  EXPECT_EQ(JsonText(j), "{\n  \"a\": 1,\n  \"b\": null\n}\n");
  EXPECT_EQ(JsonText(nlohmann::json::array()), "[]\n");
}

TEST(JsonTest, TextEscapesQuotesAndControlsAndKeepsUtf8) {
  nlohmann::json j = "a \"b\" \\ c\n\t\x01 caf\xC3\xA9 \xE2\x82\xAC";
  EXPECT_EQ(JsonText(j),
            "\"a \\\"b\\\" \\\\ c\\n\\t\\u0001 caf\xC3\xA9 \xE2\x82\xAC\"\n");
}

// A file name in Latin-1 (or any bytes) must not make the output throw or
// be invalid: each invalid byte becomes U+FFFD.
TEST(JsonTest, TextReplacesInvalidUtf8) {
  const std::string kFffd = "\xEF\xBF\xBD";
  struct Case {
    std::string in, out;
  } cases[] = {
      {"caf\xE9.iso", "caf" + kFffd + ".iso"},         // Latin-1 e-acute
      {"\xFF\xFE", kFffd + kFffd},                     // never valid
      {"a\xC3", "a" + kFffd},                          // truncated sequence
      {"\xC0\xAF", kFffd + kFffd},                     // overlong '/'
      {"\xED\xA0\x80x", kFffd + kFffd + kFffd + "x"},  // a surrogate
  };
  for (const Case& c : cases) {
    nlohmann::json j = {{"path", c.in}};
    std::string text;
    ASSERT_NO_THROW(text = JsonText(j)) << c.in;
    EXPECT_EQ(text, "{\n  \"path\": \"" + c.out + "\"\n}\n") << c.in;
    nlohmann::json back = nlohmann::json::parse(text);  // valid JSON
    EXPECT_EQ(back["path"], c.out);
  }
}

}  // namespace
}  // namespace waymark
