#include "core/listing_walk.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace waymark {
namespace {

ListingEntry Entry(EntryType type, const std::string& name) {
  ListingEntry e;
  e.type = type;
  e.path = name;
  return e;
}

TEST(ListingWalkTest, StartsAtTheBaseAndEndsWhenNothingIsQueued) {
  ListLimits limits;
  ListStats stats;
  ListingWalk walk(limits, &stats);
  std::string dir = "unset";
  int depth = -1;
  ASSERT_TRUE(walk.Next(&dir, &depth));
  EXPECT_EQ(dir, "");
  EXPECT_EQ(depth, 0);
  EXPECT_FALSE(walk.Next(&dir, &depth));
}

TEST(ListingWalkTest, AdmitsGoodNamesWithPathsRelativeToTheBase) {
  struct Case {
    std::string dir;
    EntryType type;
    std::string name;
    std::string path;
  };
  const Case cases[] = {
      {"", EntryType::kFile, "a.iso", "a.iso"},
      {"pub", EntryType::kFile, "a.iso", "pub/a.iso"},
      {"pub/x", EntryType::kDirectory, "y", "pub/x/y"},
      {"", EntryType::kOther, "fifo", "fifo"},
      {"pub", EntryType::kFile, "caf\xc3\xa9 au lait", "pub/caf\xc3\xa9 au lait"},
      // "pub/" and 4092 bytes: the longest path.
      {"pub", EntryType::kFile, std::string(kMaxListingPath - 4, 'y'),
       "pub/" + std::string(kMaxListingPath - 4, 'y')},
  };
  for (const auto& c : cases) {
    ListLimits limits;
    ListStats stats;
    ListingWalk walk(limits, &stats);
    ListingEntry e = Entry(c.type, c.name);
    bool admitted = false;
    ASSERT_TRUE(walk.Admit(c.dir, 1, &e, &admitted).ok()) << c.path;
    EXPECT_TRUE(admitted) << c.path;
    EXPECT_EQ(e.path, c.path);
    EXPECT_EQ(stats.entries, 1) << c.path;
    EXPECT_EQ(stats.rejected, 0) << c.path;
  }
}

TEST(ListingWalkTest, RefusesHostileNamesWithAReason) {
  struct Case {
    std::string dir;
    std::string name;
    std::string why;
  };
  const Case cases[] = {
      {"", "a/b", "name with '/'"},
      {"pub", "../etc", "name with '/'"},
      {"", "/etc", "name with '/'"},
      {"", "..", "name with a '.' or '..' segment"},
      {"pub", ".", "name with a '.' or '..' segment"},
      {"", "", "empty name"},
      {"pub", "a\nb", "name with CR or LF"},
      {"", "a\tb", "name with a control character"},
      // "pub/" and 4093 bytes: one byte too long.
      {"pub", std::string(kMaxListingPath - 3, 'x'), "name longer than 4096 bytes"},
  };
  for (const auto& c : cases) {
    ListLimits limits;
    ListStats stats;
    ListingWalk walk(limits, &stats);
    std::string dir;
    int depth = 0;
    ASSERT_TRUE(walk.Next(&dir, &depth));
    ListingEntry e = Entry(EntryType::kDirectory, c.name);
    bool admitted = true;
    ASSERT_TRUE(walk.Admit(c.dir, 0, &e, &admitted).ok()) << c.why;
    EXPECT_FALSE(admitted) << c.why;
    EXPECT_EQ(stats.entries, 0) << c.why;
    EXPECT_EQ(stats.rejected, 1) << c.why;
    ASSERT_EQ(stats.reject_samples.size(), 1u) << c.why;
    EXPECT_EQ(stats.reject_samples[0], c.why);
    EXPECT_FALSE(walk.Next(&dir, &depth)) << "refused directory queued: " << c.why;
  }
}

TEST(ListingWalkTest, QueuesDirectoriesBreadthFirstAndListsEachOnce) {
  ListLimits limits;
  ListStats stats;
  ListingWalk walk(limits, &stats);
  std::string dir;
  int depth = 0;
  ASSERT_TRUE(walk.Next(&dir, &depth));
  bool admitted = false;
  for (const char* name : {"a", "b", "a"}) {
    ListingEntry e = Entry(EntryType::kDirectory, name);
    ASSERT_TRUE(walk.Admit(dir, depth, &e, &admitted).ok());
    EXPECT_TRUE(admitted);
  }
  ListingEntry file = Entry(EntryType::kFile, "f");
  ASSERT_TRUE(walk.Admit(dir, depth, &file, &admitted).ok());
  EXPECT_TRUE(admitted);
  ASSERT_TRUE(walk.Next(&dir, &depth));
  EXPECT_EQ(dir, "a");
  EXPECT_EQ(depth, 1);
  ListingEntry sub = Entry(EntryType::kDirectory, "c");
  ASSERT_TRUE(walk.Admit(dir, depth, &sub, &admitted).ok());
  EXPECT_EQ(sub.path, "a/c");
  std::vector<std::pair<std::string, int>> rest;
  while (walk.Next(&dir, &depth)) rest.emplace_back(dir, depth);
  const std::vector<std::pair<std::string, int>> want = {{"b", 1}, {"a/c", 2}};
  EXPECT_EQ(rest, want);
  EXPECT_EQ(stats.entries, 5);
}

TEST(ListingWalkTest, RefusesDirectoriesDeeperThanMaxDepthButCountsThem) {
  ListLimits limits;
  limits.max_depth = 2;
  ListStats stats;
  ListingWalk walk(limits, &stats);
  bool admitted = false;
  ListingEntry deep = Entry(EntryType::kDirectory, "c");
  ASSERT_TRUE(walk.Admit("a/b", 2, &deep, &admitted).ok());
  EXPECT_FALSE(admitted);
  EXPECT_EQ(stats.entries, 1);
  ASSERT_EQ(stats.reject_samples.size(), 1u);
  EXPECT_EQ(stats.reject_samples[0], "directory deeper than scan.max_depth");
  // Files at that depth are not limited, nor directories one level up.
  ListingEntry file = Entry(EntryType::kFile, "f");
  ASSERT_TRUE(walk.Admit("a/b", 2, &file, &admitted).ok());
  EXPECT_TRUE(admitted);
  ListingEntry ok = Entry(EntryType::kDirectory, "b2");
  ASSERT_TRUE(walk.Admit("a", 1, &ok, &admitted).ok());
  EXPECT_TRUE(admitted);
  std::string dir;
  int depth = 0;
  ASSERT_TRUE(walk.Next(&dir, &depth));  // the base
  ASSERT_TRUE(walk.Next(&dir, &depth));
  EXPECT_EQ(dir, "a/b2");
  EXPECT_EQ(depth, 2);
  EXPECT_FALSE(walk.Next(&dir, &depth));
}

TEST(ListingWalkTest, FailsOnceEntriesPassMaxEntries) {
  ListLimits limits;
  limits.max_entries = 2;
  ListStats stats;
  ListingWalk walk(limits, &stats);
  bool admitted = false;
  // A refused name does not count.
  ListingEntry bad = Entry(EntryType::kFile, "..");
  ASSERT_TRUE(walk.Admit("", 0, &bad, &admitted).ok());
  for (const char* name : {"a", "b"}) {
    ListingEntry e = Entry(EntryType::kFile, name);
    ASSERT_TRUE(walk.Admit("", 0, &e, &admitted).ok()) << name;
    EXPECT_TRUE(admitted) << name;
  }
  ListingEntry third = Entry(EntryType::kFile, "c");
  Status s = walk.Admit("", 0, &third, &admitted);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(admitted);
  EXPECT_EQ(s.message(), "listing has more than scan.max_entries (2) entries");
}

}  // namespace
}  // namespace waymark
