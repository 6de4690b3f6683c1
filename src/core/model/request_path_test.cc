#include "core/model/request_path.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(RequestPathTest, Accepted) {
  const std::pair<std::string, std::string> cases[] = {
      {"/releases/server/jellyfin_10.7.2-1_all.deb",
       "releases/server/jellyfin_10.7.2-1_all.deb"},
      {"releases/a.deb", "releases/a.deb"},
      {"//releases///a.deb", "releases/a.deb"},
      {"/releases/a%20b.deb", "releases/a b.deb"},
      {"/caf%C3%A9/x", "caf\xC3\xA9/x"},
      {"/a/.hidden", "a/.hidden"},
      {"/a/..b/c...", "a/..b/c..."},
      {"/a/b/", "a/b"},
      {"/a%2Fb//c%2f", "a/b/c"},
      {"/.../a.", ".../a."},
      {"/" + std::string(4000, 'x'), std::string(4000, 'x')},
  };
  for (const auto& [in, want] : cases) {
    std::string got;
    Status s = ParseRequestPath(in, &got);
    ASSERT_TRUE(s.ok()) << in << ": " << s.message();
    EXPECT_EQ(got, want);
  }
}

TEST(RequestPathTest, Rejected) {
  const std::pair<std::string, std::string> cases[] = {
      {"/releases/../etc/passwd", "'.' or '..' segment in path"},
      {"/..", "'.' or '..' segment in path"},
      {"/a/%2e%2e/b", "'.' or '..' segment in path"},
      {"/a/%2E%2e", "'.' or '..' segment in path"},
      {"/a/./b", "'.' or '..' segment in path"},
      {"/a%00b", "control byte in path"},
      {std::string("/a\0b", 4), "control byte in path"},
      {"/a%0d%0aLocation:%20x", "control byte in path"},
      {"/a\nb", "control byte in path"},
      {"/a%7f", "control byte in path"},
      // A bad escape or byte anywhere is named before a dot segment.
      {"/../a%zz", "invalid percent-encoding"},
      {"/a/./b%00", "control byte in path"},
      {"/a/.%2fb", "'.' or '..' segment in path"},
      {"/a/..", "'.' or '..' segment in path"},
      {"/a%", "invalid percent-encoding"},
      {"/a%4", "invalid percent-encoding"},
      {"/a%zz", "invalid percent-encoding"},
      {"/a%%41", "invalid percent-encoding"},
      {"/" + std::string(4096, 'x'), "path longer than 4096 bytes"},
      {"/", "empty path"},
      {"", "empty path"},
      {"///", "empty path"},
  };
  for (const auto& [in, why] : cases) {
    std::string got = "untouched";
    Status s = ParseRequestPath(in, &got);
    EXPECT_TRUE(s.IsInvalidArgument()) << in;
    EXPECT_EQ(s.message(), why) << in;
    EXPECT_EQ(got, "untouched");
  }
}

}  // namespace
}  // namespace waymark
