#include "redirector/download_counts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace waymark {
namespace {

TEST(DownloadCounts, AtTheBoundOnlyNewKeysAreDropped) {
  DownloadKey a{"2026-12-01", "x", 1, "DE"}, b{"2026-12-01", "y", 1, "DE"},
      d{"2026-12-01", "z", 0, "--"};
  DownloadCounts c(2 * DownloadCounts::EntryBytes(a));
  EXPECT_TRUE(c.Add(a));
  EXPECT_TRUE(c.Add(b));
  EXPECT_FALSE(c.Add(d)) << "a third key";
  EXPECT_TRUE(c.Add(a)) << "a key already counted still counts";
  EXPECT_EQ(c.entries(), 2u);
  EXPECT_EQ(c.downloads(), 3);
  EXPECT_EQ(c.bytes(), 2 * DownloadCounts::EntryBytes(a));
  EXPECT_EQ(c.TakeDropped(), 1);
  EXPECT_EQ(c.TakeDropped(), 0);
  EXPECT_FALSE(c.Add(d));
  EXPECT_EQ(c.dropped_total(), 2);
}

// What an entry is charged: a fixed part no smaller than what the map and
// the writer's row take, and the heap blocks of long strings by capacity.
TEST(DownloadCounts, AnEntryIsChargedItsNodeItsRowAndItsLongStrings) {
  DownloadKey small{"2026-12-01", "a.iso", 1, "DE"};
  const size_t fixed = DownloadCounts::EntryBytes(small);
  EXPECT_GE(fixed, sizeof(DownloadCounts::Map::value_type) + 2 * sizeof(void*) +
                       sizeof(void*) + sizeof(DownloadCount));
  DownloadKey long_path = small;
  long_path.path = std::string(1000, 'p');
  size_t with_path = DownloadCounts::EntryBytes(long_path);
  EXPECT_GE(with_path, fixed + long_path.path.capacity() + 1);
  EXPECT_LE(with_path, fixed + long_path.path.capacity() + 1 + 32);
  // Capacity, not length: a string that once held more still holds it.
  DownloadKey shrunk = long_path;
  shrunk.path.reserve(4000);
  shrunk.path.resize(10);
  EXPECT_GE(DownloadCounts::EntryBytes(shrunk), fixed + 4000);
}

// Many distinct long paths: what the counts are charged never passes the
// bound, and is within the estimate of what they really hold.
TEST(DownloadCounts, LongDistinctPathsStayWithinTheBound) {
  const size_t bound = 1 << 20;
  DownloadCounts c(bound);
  int added = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string path = "releases/" + std::string(400, 'x') + std::to_string(i);
    if (c.Add(DownloadKey{"2026-12-01", path, 1, "DE"})) ++added;
    ASSERT_LE(c.bytes(), bound);
  }
  EXPECT_GT(added, 1000);
  EXPECT_LT(added, 20000);
  EXPECT_EQ(c.TakeDropped(), 20000 - added);
  // The strings alone take about added * 420 bytes: charged more than that.
  EXPECT_GT(c.bytes(), static_cast<size_t>(added) * 420);
  // A smaller bound (the writer holds the rest) keeps new keys out.
  c.set_max_bytes(c.bytes());
  EXPECT_FALSE(c.Add(DownloadKey{"2026-12-01", "new.iso", 1, "DE"}));
  EXPECT_TRUE(c.Add(DownloadKey{
      "2026-12-01", "releases/" + std::string(400, 'x') + "0", 1, "DE"}))
      << "a key already there still counts";
}

TEST(DownloadCounts, SwapOutHandsEverythingOverAndKeepsCounting) {
  DownloadKey a{"2026-12-01", "x", 1, "DE"}, b{"2026-12-01", "y", 2, "FR"};
  DownloadCounts c(3 * DownloadCounts::EntryBytes(a));
  c.Add(a);
  c.Add(a);
  c.Add(b);
  DownloadCounts::Map out;
  out.emplace(b, 99);  // stale contents of the spare are dropped, not merged
  size_t bytes = 0;
  EXPECT_EQ(c.SwapOut(&out, &bytes), 3);
  EXPECT_EQ(bytes, 2 * DownloadCounts::EntryBytes(a));
  EXPECT_EQ(c.entries(), 0u);
  EXPECT_EQ(c.downloads(), 0);
  EXPECT_EQ(c.bytes(), 0u);
  auto batch = DownloadCounts::TakeRows(&out);
  EXPECT_TRUE(out.empty()) << "the rows took the keys";
  std::sort(batch.begin(), batch.end(),
            [](const DownloadCount& l, const DownloadCount& r) {
              return l.key < r.key;
            });
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].key.path, "x");
  EXPECT_EQ(batch[0].downloads, 2);
  EXPECT_EQ(batch[1].key.path, "y");
  EXPECT_EQ(batch[1].downloads, 1);
  // The bound holds for what comes after.
  for (const char* p : {"p", "q", "r", "s"})
    c.Add(DownloadKey{"2026-12-01", p, 1, "DE"});
  EXPECT_EQ(c.entries(), 3u);
  EXPECT_EQ(c.TakeDropped(), 1);
}

}  // namespace
}  // namespace waymark
