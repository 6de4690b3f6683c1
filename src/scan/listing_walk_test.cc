#include "scan/listing_walk.h"

#include <gtest/gtest.h>

#include <chrono>
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

// Admits an entry `name` of `type` that the listing of `dir` (at `depth`)
// names: its path relative to the base, or "" when it is refused.
std::string AdmitPath(ListingWalk* walk, const std::string& dir, int depth,
                      EntryType type, const std::string& name) {
  ListingEntry e = Entry(type, name);
  bool admitted = false;
  Status s = walk->Admit(dir, depth, &e, &admitted);
  EXPECT_TRUE(s.ok()) << s.message();
  return admitted ? e.path : "";
}

// One walk for a test; a test may change limits_ before using it.
class ListingWalkTest : public ::testing::Test {
 protected:
  ListLimits limits_;
  ListStats stats_;
  ListingWalk walk_{limits_, &stats_};
  std::string dir_;
  int depth_ = 0;
};

TEST_F(ListingWalkTest, StartsAtTheBaseAndEndsWhenNothingIsQueued) {
  ASSERT_TRUE(walk_.Next(&dir_, &depth_));
  EXPECT_EQ(dir_, "");
  EXPECT_EQ(depth_, 0);
  EXPECT_FALSE(walk_.Next(&dir_, &depth_));
}

TEST_F(ListingWalkTest, AdmitsGoodNamesWithPathsRelativeToTheBase) {
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
      {"pub", EntryType::kFile, "caf\xc3\xa9 au lait",
       "pub/caf\xc3\xa9 au lait"},
      // "pub/" and 4092 bytes: the longest path.
      {"pub", EntryType::kFile, std::string(kMaxListingPath - 4, 'y'),
       "pub/" + std::string(kMaxListingPath - 4, 'y')},
  };
  for (const auto& c : cases) {
    ListLimits limits;
    ListStats stats;
    ListingWalk walk(limits, &stats);
    EXPECT_EQ(AdmitPath(&walk, c.dir, 1, c.type, c.name), c.path);
    EXPECT_EQ(stats.entries, 1) << c.path;
    EXPECT_EQ(stats.rejected, 0) << c.path;
  }
}

TEST_F(ListingWalkTest, RefusesHostileNamesWithAReason) {
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
      {"pub", std::string(kMaxListingPath - 3, 'x'),
       "name longer than 4096 bytes"},
  };
  for (const auto& c : cases) {
    ListLimits limits;
    ListStats stats;
    ListingWalk walk(limits, &stats);
    std::string dir;
    int depth = 0;
    ASSERT_TRUE(walk.Next(&dir, &depth));
    EXPECT_EQ(AdmitPath(&walk, c.dir, 0, EntryType::kDirectory, c.name), "")
        << c.why;
    EXPECT_EQ(stats.entries, 0) << c.why;
    EXPECT_EQ(stats.rejected, 1) << c.why;
    ASSERT_EQ(stats.reject_samples.size(), 1u) << c.why;
    EXPECT_EQ(stats.reject_samples[0], c.why);
    EXPECT_FALSE(walk.Next(&dir, &depth))
        << "refused directory queued: " << c.why;
  }
}

TEST_F(ListingWalkTest, QueuesDirectoriesBreadthFirstAndListsEachOnce) {
  ASSERT_TRUE(walk_.Next(&dir_, &depth_));
  for (const char* name : {"a", "b", "a"})
    EXPECT_EQ(AdmitPath(&walk_, dir_, depth_, EntryType::kDirectory, name),
              name);
  EXPECT_EQ(AdmitPath(&walk_, dir_, depth_, EntryType::kFile, "f"), "f");
  ASSERT_TRUE(walk_.Next(&dir_, &depth_));
  EXPECT_EQ(dir_, "a");
  EXPECT_EQ(depth_, 1);
  EXPECT_EQ(AdmitPath(&walk_, dir_, depth_, EntryType::kDirectory, "c"), "a/c");
  std::vector<std::pair<std::string, int>> rest;
  while (walk_.Next(&dir_, &depth_)) rest.emplace_back(dir_, depth_);
  const std::vector<std::pair<std::string, int>> want = {{"b", 1}, {"a/c", 2}};
  EXPECT_EQ(rest, want);
  EXPECT_EQ(stats_.entries, 5);
}

TEST_F(ListingWalkTest, RefusesDirectoriesDeeperThanMaxDepthButCountsThem) {
  limits_.max_depth = 2;
  EXPECT_EQ(AdmitPath(&walk_, "a/b", 2, EntryType::kDirectory, "c"), "");
  EXPECT_EQ(stats_.entries, 1);
  ASSERT_EQ(stats_.reject_samples.size(), 1u);
  EXPECT_EQ(stats_.reject_samples[0], "directory deeper than scan.max_depth");
  // Files at that depth are not limited, nor directories one level up.
  EXPECT_EQ(AdmitPath(&walk_, "a/b", 2, EntryType::kFile, "f"), "a/b/f");
  EXPECT_EQ(AdmitPath(&walk_, "a", 1, EntryType::kDirectory, "b2"), "a/b2");
  ASSERT_TRUE(walk_.Next(&dir_, &depth_));  // the base
  ASSERT_TRUE(walk_.Next(&dir_, &depth_));
  EXPECT_EQ(dir_, "a/b2");
  EXPECT_EQ(depth_, 2);
  EXPECT_FALSE(walk_.Next(&dir_, &depth_));
}

TEST_F(ListingWalkTest, FailsOnceEntriesPassMaxEntries) {
  limits_.max_entries = 2;
  // A refused name does not count.
  EXPECT_EQ(AdmitPath(&walk_, "", 0, EntryType::kFile, ".."), "");
  EXPECT_EQ(AdmitPath(&walk_, "", 0, EntryType::kFile, "a"), "a");
  EXPECT_EQ(AdmitPath(&walk_, "", 0, EntryType::kDirectory, "b"), "b");
  ListingEntry third = Entry(EntryType::kFile, "c");
  bool admitted = true;
  Status s = walk_.Admit("", 0, &third, &admitted);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(admitted);
  EXPECT_EQ(s.message(), "listing has more than scan.max_entries (2) entries");
}

// A listing that is taken apart after scan.timeout has passed fails there,
// not only while waiting for the mirror (a 40k-entry page once ran 27 s
// past a 10 s timeout and reported success).
TEST_F(ListingWalkTest, FailsOnceTheDeadlineHasPassedWhileAdmitting) {
  // Before the deadline: many entries pass.
  limits_.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  for (int i = 0; i < 5000; ++i)
    ASSERT_EQ(
        AdmitPath(&walk_, "", 0, EntryType::kFile, "f" + std::to_string(i)),
        "f" + std::to_string(i));
  limits_.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  Status s;
  int admitted_after = 0;
  for (int i = 0; i < 2048 && s.ok(); ++i) {
    ListingEntry e = Entry(EntryType::kFile, "g" + std::to_string(i));
    bool admitted = false;
    s = walk_.Admit("", 0, &e, &admitted);
    if (admitted) ++admitted_after;
  }
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "listing took longer than scan.timeout");
  EXPECT_LT(admitted_after, 1024);  // caught within 1024 entries
}

// A mirror answering every directory with long-named subdirectories
// grows the queue without end; the walk stops at scan.max_listing_bytes.
TEST_F(ListingWalkTest, FailsOnceItsMemoryPassesMaxListingBytes) {
  limits_.max_listing_bytes = 1 << 20;
  const std::string name(2000, 'd');
  Status s;
  int admitted = 0;
  for (int i = 0; i < 2000 && s.ok(); ++i) {
    ListingEntry e = Entry(EntryType::kDirectory, name + std::to_string(i));
    bool ok = false;
    s = walk_.Admit("", 0, &e, &ok);
    if (ok) ++admitted;
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "listing needs more than scan.max_listing_bytes (1 MiB): 509 "
            "directories to list, 0 listed");
  EXPECT_EQ(admitted, 507);  // the base and 508 queued, the last over the limit
  EXPECT_LE(walk_.bytes(), (1u << 20) + 2100u);
}

TEST_F(ListingWalkTest, TheAnswerAtHandCountsTowardsMaxListingBytes) {
  limits_.max_listing_bytes = 1 << 20;
  size_t room = (1u << 20) - walk_.bytes();  // the base is queued
  EXPECT_TRUE(walk_.CheckMemory(room).ok());
  EXPECT_EQ(walk_.CheckMemory(room + 1).message(),
            "listing needs more than scan.max_listing_bytes (1 MiB): 1 "
            "directories to list, 0 listed");
  // Listed directories stay counted (the visited set), queued ones move there.
  std::string dir;
  int depth;
  ASSERT_TRUE(walk_.Next(&dir, &depth));
  size_t listed = walk_.bytes();
  EXPECT_GT(listed, 0u);
  EXPECT_EQ(AdmitPath(&walk_, "", 0, EntryType::kDirectory, "a"), "a");
  EXPECT_GT(walk_.bytes(), listed);
}

}  // namespace
}  // namespace waymark
