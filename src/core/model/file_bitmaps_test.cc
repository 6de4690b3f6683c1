#include "core/model/file_bitmaps.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace waymark {
namespace {

TEST(FileBitmaps, BitsAreNumberedLikeGetBit) {
  FileBitmaps b;
  std::string chunk(1024, '\0');
  chunk[101] = 0x01;  // bit 808 = byte 101, least significant bit
  chunk[0] = static_cast<char>(0x80);  // bit 7
  b.Set(4, {std::string(), chunk});
  EXPECT_TRUE(b.Holds(4, 8192 + 808));
  EXPECT_TRUE(b.Holds(4, 8192 + 7));
  EXPECT_FALSE(b.Holds(4, 8192 + 809));
  EXPECT_FALSE(b.Holds(4, 808)) << "chunk 0 has no row";
  EXPECT_FALSE(b.Holds(4, 3 * 8192)) << "past the last chunk";
  EXPECT_FALSE(b.Holds(5, 8192 + 808)) << "unknown mirror";
  EXPECT_FALSE(b.Holds(4, -1));
  EXPECT_EQ(b.bytes(), 2u * 8192 * 8)
      << "a 64-bit row per file of the two chunks";
  b.Erase(4);
  EXPECT_FALSE(b.Holds(4, 8192 + 808));
}

// Rows of bits per file, a slot per mirror: every mirror keeps its own
// answers whatever happens to the others, past 64 mirrors too.
TEST(FileBitmaps, ManyMirrorsReplacedAndErased) {
  FileBitmaps b;
  auto holding = [](std::initializer_list<int> files) {
    std::vector<std::string> chunks;
    for (int f : files) SetFileBit(&chunks, f);
    return chunks;
  };
  // Mirror m holds files m and m + 1000, and 20000 for even ids.
  for (int m = 1; m <= 150; ++m)
    b.Set(m, m % 2 ? holding({m, m + 1000}) : holding({m, m + 1000, 20000}));
  for (int m = 1; m <= 150; ++m) {
    SCOPED_TRACE(m);
    EXPECT_TRUE(b.Holds(m, m));
    EXPECT_TRUE(b.Holds(m, m + 1000));
    EXPECT_FALSE(b.Holds(m, m + 1));
    EXPECT_EQ(b.Holds(m, 20000), m % 2 == 0);
  }
  // A rescan replaces the mirror's bits, and only its own.
  b.Set(70, holding({5}));
  EXPECT_TRUE(b.Holds(70, 5));
  EXPECT_FALSE(b.Holds(70, 70));
  EXPECT_FALSE(b.Holds(70, 20000));
  EXPECT_TRUE(b.Holds(69, 69));
  EXPECT_TRUE(b.Holds(71, 71));
  // An erased mirror's slot goes to the next new one, empty.
  b.Erase(3);
  EXPECT_FALSE(b.Holds(3, 3));
  b.Set(500, holding({7}));
  EXPECT_TRUE(b.Holds(500, 7));
  EXPECT_FALSE(b.Holds(500, 3));
  EXPECT_FALSE(b.Holds(500, 1003));
  EXPECT_TRUE(b.Holds(4, 1004));
  EXPECT_EQ(b.bytes(), 3u * 8192 * 8 * 3)
      << "3 chunks of files, 3 words for 150 slots";
  // Holders() names the same mirrors as asking each one.
  std::vector<int> ids{500};
  for (int m = 1; m <= 150; ++m) ids.push_back(m);
  MirrorIdSet holders;
  for (int f : {-1, 0, 3, 5, 7, 69, 70, 149, 150, 1003, 1004, 1150, 20000,
                24575, 24576}) {
    SCOPED_TRACE(f);
    b.Holders(f, &holders);
    for (int m : ids) EXPECT_EQ(holders.count(m) == 1, b.Holds(m, f)) << m;
  }
  b.Holders(20000, &holders);
  EXPECT_TRUE(holders.count(2) && holders.count(150) && !holders.count(3) &&
              !holders.count(1));
  b.Holders(7, &holders);
  EXPECT_TRUE(holders.count(7) && holders.count(500) && !holders.count(3))
      << "slot reused";
}

}  // namespace
}  // namespace waymark
