#include "core/model/file_index.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(FileIndex, FindsFilesAndAliasesAndNothingElse) {
  FileIndex idx;
  std::string sha(32, '\0');
  sha[0] = '\x2d';
  sha[31] = '\x81';
  idx.AddFile(9000, "releases/server/jellyfin 10.9.deb", 4096, sha);
  idx.AddFile(3, "debian/dists/stable/Release", 10, "");
  for (int i = 10; i < 5000; ++i) idx.AddFile(i, "pool/f" + std::to_string(i) + ".deb", i, "");
  idx.AddAlias("releases/latest.deb", 9000);
  idx.AddAlias("releases/dangling.deb", 12345);  // no such file: ignored
  idx.Finish();
  EXPECT_EQ(idx.files(), 4992u);
  EXPECT_EQ(idx.aliases(), 1u);

  FileRecord r;
  ASSERT_TRUE(idx.Find("releases/server/jellyfin 10.9.deb", &r));
  EXPECT_EQ(r.id, 9000);
  EXPECT_EQ(r.size, 4096);
  ASSERT_TRUE(r.sha256.known);
  EXPECT_EQ(r.sha256.Hex().size(), 64u);
  EXPECT_EQ(r.sha256.Hex().substr(0, 2), "2d");
  EXPECT_EQ(r.sha256.Hex().substr(62), "81");
  ASSERT_TRUE(idx.Find("releases/latest.deb", &r));
  EXPECT_EQ(r.id, 9000);
  EXPECT_EQ(r.path, "releases/server/jellyfin 10.9.deb") << "an alias gives its target's path";
  ASSERT_TRUE(idx.Find("debian/dists/stable/Release", &r));
  EXPECT_FALSE(r.sha256.known);
  EXPECT_EQ(r.sha256.Hex(), "");
  for (int i = 10; i < 5000; ++i) {
    ASSERT_TRUE(idx.Find("pool/f" + std::to_string(i) + ".deb", &r)) << i;
    ASSERT_EQ(r.id, i);
  }
  EXPECT_FALSE(idx.Find("pool/f5000.deb", &r));
  EXPECT_FALSE(idx.Find("releases/dangling.deb", &r));
  EXPECT_FALSE(idx.Find("", &r));
  EXPECT_FALSE(idx.Find("releases/server/jellyfin 10.9.deb/", &r));
  EXPECT_FALSE(idx.Find(std::string("releases/latest.deb\0x", 21), &r));
  EXPECT_GT(idx.bytes(), 0u);
}

TEST(FileIndex, EmptyIndexFindsNothing) {
  FileIndex idx;
  FileRecord r;
  EXPECT_FALSE(idx.Find("x", &r));
  idx.Finish();
  EXPECT_FALSE(idx.Find("x", &r));
}

}  // namespace
}  // namespace waymark
