#include "scan/listing_match.h"

#include <gtest/gtest.h>

#include "core/model/file_bitmaps.h"

namespace waymark {
namespace {

ListingEntry File(const std::string& path, long long size, long long mtime,
                  long long slack = 0) {
  ListingEntry e;
  e.type = EntryType::kFile;
  e.path = path;
  e.size = size;
  e.mtime = mtime;
  e.mtime_slack = slack;
  return e;
}

TEST(ListingMatcherTest, SizeMtimeAndLagDecide) {
  InventorySnapshot inv;
  inv.Add(0, "pub/a.iso", 100, 10000);
  inv.Add(8191, "pub/b.iso", 200, 10000);
  inv.Add(8192, "dists/stable/Release", 50, 10000);
  inv.Add(9000, "pub/c.iso", 300, 10000);
  inv.Add(9001, "pub/d.iso", 400, 10000);
  inv.Finish();
  MatchPolicy policy;
  policy.mtime_tolerance = 300;
  ASSERT_TRUE(
      ParseAllowedLag({"dists/=1h", "/dists/stable/=2h"}, &policy).ok());
  EXPECT_EQ(policy.LagFor("dists/stable/Release"), 7200);
  EXPECT_EQ(policy.LagFor("dists/x"), 3600);
  EXPECT_EQ(policy.LagFor("pub/x"), 0);
  ListingMatcher m(&inv, &policy);
  m.Add(File("pub/a.iso", 100, 10000));        // same
  m.Add(File("pub/b.iso", 200, 10000 - 300));  // within tolerance
  m.Add(File("dists/stable/Release", 50,
             10000 - 7000));                   // within the prefix's lag
  m.Add(File("pub/c.iso", 301, 10000));        // wrong size
  m.Add(File("pub/d.iso", 400, 10000 - 301));  // too old
  m.Add(File("pub/d.iso", 400, 10000));        // listed twice: first counts
  m.Add(File("pub/unknown", 1, 1));
  ListingEntry dir;
  dir.type = EntryType::kDirectory;
  dir.path = "pub";
  m.Add(dir);
  EXPECT_EQ(m.entries(), 8);
  EXPECT_EQ(m.files_matched(), 3);
  EXPECT_EQ(m.bytes_matched(), 350);
  EXPECT_TRUE(FileBit(m.chunks(), 0));
  EXPECT_TRUE(FileBit(m.chunks(), 8191));
  EXPECT_TRUE(FileBit(m.chunks(), 8192));
  EXPECT_FALSE(FileBit(m.chunks(), 9000));
  EXPECT_FALSE(FileBit(m.chunks(), 9001));
  ASSERT_EQ(m.chunks().size(), 2u);
  EXPECT_EQ(m.chunks()[0].size(), 1024u);
  // get_bit order: bit 8191 is the top bit of the chunk's last byte.
  EXPECT_EQ(static_cast<unsigned char>(m.chunks()[0][1023]), 0x80);
  EXPECT_EQ(static_cast<unsigned char>(m.chunks()[0][0]), 0x01);
  auto problems = m.problems();
  ASSERT_EQ(problems.size(), 2u);
  std::map<int, std::string> by_id;
  for (const auto& p : problems) by_id[p.file_id] = p.problem;
  EXPECT_EQ(by_id[9000], "wrong_size");
  EXPECT_EQ(by_id[9001], "too_old");
}

TEST(ListingMatcherTest, SlackOfTheListingAndApproximateSizes) {
  InventorySnapshot inv;
  inv.Add(1, "a", 4404019, 100000);
  inv.Finish();
  MatchPolicy policy;
  policy.mtime_tolerance = 0;
  ListingMatcher m(&inv, &policy);
  ListingEntry approx = File("a", 4404019, 100000);
  approx.size_exact = false;
  EXPECT_TRUE(m.WantsExactSize(approx));
  approx.size = 1000;
  EXPECT_FALSE(m.WantsExactSize(approx));
  m.Add(approx);  // never counted without an exact size
  EXPECT_EQ(m.files_matched(), 0);
  m.Add(File("a", 4404019, 100000 - 86400, 86400));  // day-precision listing
  EXPECT_EQ(m.files_matched(), 1);
}

TEST(ParseAllowedLagTest, Errors) {
  MatchPolicy p;
  EXPECT_EQ(
      ParseAllowedLag({"dists/"}, &p).message(),
      "scan.allowed_lag: 'dists/' is not PREFIX=DURATION (e.g. dists/=6h)");
  EXPECT_FALSE(ParseAllowedLag({"dists/=soon"}, &p).ok());
}

}  // namespace
}  // namespace waymark
