#include "core/model/file_index.h"

#include <gtest/gtest.h>

#include <cstring>

namespace waymark {
namespace {

TEST(FileIndex, FindsFilesAndAliasesAndNothingElse) {
  FileIndex idx;
  std::string sha(32, '\0');
  sha[0] = '\x2d';
  sha[31] = '\x81';
  idx.AddFile(9000, "releases/server/jellyfin 10.9.deb", 4096, sha);
  idx.AddFile(3, "debian/dists/stable/Release", 10, "");
  for (int i = 10; i < 5000; ++i)
    idx.AddFile(i, "pool/f" + std::to_string(i) + ".deb", i, "");
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
  EXPECT_EQ(r.path, "releases/server/jellyfin 10.9.deb")
      << "an alias gives its target's path";
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

TEST(FileIndex, SerializedIndexFindsTheSameAndBadBytesAreRefused) {
  FileIndex idx;
  std::string sha(32, '\x11');
  for (int i = 1; i < 3000; ++i)
    idx.AddFile(i, "pool/f" + std::to_string(i) + ".deb", i * 10, sha);
  idx.AddAlias("latest.deb", 7);
  idx.Finish();
  idx.gen = 42;
  std::string bytes = idx.Serialize();

  FileIndex copy;
  Status s = FileIndex::Deserialize(bytes, &copy);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(copy.gen, 42);
  EXPECT_EQ(copy.files(), 2999u);
  EXPECT_EQ(copy.aliases(), 1u);
  FileRecord r;
  for (int i = 1; i < 3000; ++i) {
    ASSERT_TRUE(copy.Find("pool/f" + std::to_string(i) + ".deb", &r)) << i;
    ASSERT_EQ(r.id, i);
    ASSERT_EQ(r.size, i * 10);
    ASSERT_EQ(r.sha256.Hex(), std::string(64, '1'));
  }
  ASSERT_TRUE(copy.Find("latest.deb", &r));
  EXPECT_EQ(r.path, "pool/f7.deb");
  EXPECT_FALSE(copy.Find("pool/f3000.deb", &r));

  FileIndex empty;
  empty.Finish();
  ASSERT_TRUE(FileIndex::Deserialize(empty.Serialize(), &copy).ok());
  EXPECT_FALSE(copy.Find("pool/f1.deb", &r))
      << "the empty index replaced the other";

  EXPECT_FALSE(FileIndex::Deserialize("", &copy).ok());
  EXPECT_FALSE(
      FileIndex::Deserialize(bytes.substr(0, bytes.size() - 1), &copy).ok());
  EXPECT_FALSE(FileIndex::Deserialize(bytes + "x", &copy).ok());
  std::string wrong_magic = bytes;
  wrong_magic[0] = 'X';
  EXPECT_FALSE(FileIndex::Deserialize(wrong_magic, &copy).ok());
  // An entry whose path would lie beyond the arena (the arena's size is the
  // third count).
  std::string short_arena = bytes;
  uint64_t arena;
  std::memcpy(&arena, short_arena.data() + 8 + 16, 8);
  arena -= 1;
  std::memcpy(&short_arena[8 + 16], &arena, 8);
  short_arena.erase(8 + 40, 1);
  EXPECT_FALSE(FileIndex::Deserialize(short_arena, &copy).ok());
}

}  // namespace
}  // namespace waymark
