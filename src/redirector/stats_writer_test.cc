#include "redirector/stats_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace waymark {
namespace {

// n downloads of one file, waiting in a worker's counts.
DownloadCounts Batch(const std::string& path, long long n) {
  DownloadCounts counts(100);
  for (long long i = 0; i < n; ++i)
    counts.Add(DownloadKey{"2026-12-01", path, 1, "DE"});
  return counts;
}

// A database stand-in: refuses the first `refusals` writes, can be held.
struct FakeDb {
  std::mutex mu;
  std::vector<DownloadCount> written;
  int refusals = 0;
  int attempts = 0;
  // Refuses for their data (as PostgreSQL does an invalid UTF-8 name) every
  // batch holding a path that starts with this; "" never.
  std::string bad_prefix;
  // After this many successful writes the database goes away (-1: never).
  int writes_before_outage = -1;
  long long rejected = 0;
  std::atomic<bool> hold{false};
  std::vector<std::string> logs;
  long long flushed = 0;
  int failed = 0;

  StatsWriter::Callbacks Callbacks() {
    StatsWriter::Callbacks cb;
    cb.write = [this](const std::vector<DownloadCount>& b) {
      while (hold) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard<std::mutex> lock(mu);
      ++attempts;
      if (refusals > 0) {
        --refusals;
        return Status::Database("database away");
      }
      if (writes_before_outage == 0) return Status::Database("database away");
      for (const DownloadCount& c : b) {
        if (!bad_prefix.empty() && c.key.path.rfind(bad_prefix, 0) == 0)
          return Status::InvalidArgument(
              "invalid byte sequence for encoding \"UTF8\"");
      }
      if (writes_before_outage > 0) --writes_before_outage;
      written.insert(written.end(), b.begin(), b.end());
      return Status::OK();
    };
    cb.log = [this](const std::string& m) {
      std::lock_guard<std::mutex> lock(mu);
      logs.push_back(m);
    };
    cb.flushed = [this](long long n) { flushed += n; };
    cb.failed = [this] { ++failed; };
    cb.rejected = [this](long long n) { rejected += n; };
    return cb;
  }
};

TEST(StatsWriterTest, WritesHandedOverBatchesOnItsThread) {
  FakeDb db;
  StatsWriter w(db.Callbacks(), 1);
  auto b = Batch("a.iso", 3);
  ASSERT_TRUE(w.TryHandOver(&b));
  EXPECT_EQ(b.entries(), 0u);
  EXPECT_EQ(b.downloads(), 0);
  auto last = Batch("b.iso", 2);
  EXPECT_EQ(w.Finish(&last, 5000), 0);
  EXPECT_EQ(last.entries(), 0u);
  ASSERT_EQ(db.written.size(), 2u);
  EXPECT_EQ(db.written[0].key.path, "a.iso");
  EXPECT_EQ(db.written[1].key.path, "b.iso");
  EXPECT_EQ(db.flushed, 5);
  EXPECT_TRUE(w.idle());
}

TEST(StatsWriterTest, TakesNoSecondBatchWhileBusyAndNeverWaitsForTheDatabase) {
  FakeDb db;
  db.hold = true;  // the "database" does not answer
  StatsWriter w(db.Callbacks(), 1);
  auto b = Batch("a.iso", 1);
  ASSERT_TRUE(w.TryHandOver(&b));
  auto start = std::chrono::steady_clock::now();
  auto b2 = Batch("b.iso", 4);
  EXPECT_FALSE(w.TryHandOver(&b2));
  EXPECT_EQ(b2.downloads(), 4) << "a refused batch stays with the caller";
  EXPECT_FALSE(w.idle());
  EXPECT_EQ(w.pending(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(100));
  db.hold = false;
  DownloadCounts none(100);
  EXPECT_EQ(w.Finish(&none, 5000), 0);
  EXPECT_TRUE(w.TryHandOver(&b2));
  EXPECT_EQ(w.Finish(&none, 5000), 0);
  EXPECT_EQ(db.flushed, 5);
}

TEST(StatsWriterTest, KeepsARefusedBatchAndWritesItWhenTheDatabaseIsBack) {
  FakeDb db;
  db.refusals = 2;
  StatsWriter w(db.Callbacks(), 1);
  auto b = Batch("a.iso", 7);
  ASSERT_TRUE(w.TryHandOver(&b));
  // Retries after 1 s, then 2 s: Finish cuts the pauses short.
  DownloadCounts none(100);
  EXPECT_EQ(w.Finish(&none, 10000), 0);
  EXPECT_EQ(db.attempts, 3);
  EXPECT_EQ(db.failed, 2);
  ASSERT_EQ(db.written.size(), 1u);
  EXPECT_EQ(db.written[0].downloads, 7);
  ASSERT_EQ(db.logs.size(), 2u)
      << "one line when it starts failing, one when it works again";
  EXPECT_NE(db.logs[0].find("cannot write download statistics"),
            std::string::npos);
  EXPECT_NE(db.logs[0].find("database away"), std::string::npos);
  EXPECT_NE(db.logs[1].find("written again (7 downloads)"), std::string::npos);
}

TEST(StatsWriterTest, FinishSaysHowManyDownloadsItCouldNotWrite) {
  FakeDb db;
  db.refusals = 1000000;
  StatsWriter w(db.Callbacks(), 1);
  auto b = Batch("a.iso", 7);
  ASSERT_TRUE(w.TryHandOver(&b));
  auto last = Batch("b.iso", 5);
  EXPECT_EQ(w.Finish(&last, 300), 12);
  EXPECT_TRUE(db.written.empty());
}

// 40 files with 2 downloads each, and two bad names among them.
DownloadCounts MixedBatch() {
  DownloadCounts counts(100);
  for (int i = 0; i < 40; ++i) {
    std::string path = "f" + std::to_string(i) + ".iso";
    if (i == 7) path = "bad\xff\xfe.deb";
    if (i == 31) path = "bad\nsecond.deb";
    for (int n = 0; n < 2; ++n)
      counts.Add(DownloadKey{"2026-12-01", path, 1, "DE"});
  }
  return counts;
}

TEST(StatsWriterTest, ABatchRejectedForItsDataIsSplitAndOnlyTheBadRowsDropped) {
  FakeDb db;
  db.bad_prefix = "bad";
  StatsWriter w(db.Callbacks(), 1);
  auto b = MixedBatch();
  ASSERT_TRUE(w.TryHandOver(&b));
  DownloadCounts none(100);
  EXPECT_EQ(w.Finish(&none, 5000), 0);
  EXPECT_EQ(db.written.size(), 38u);
  long long written = 0;
  for (const DownloadCount& c : db.written) {
    EXPECT_NE(c.key.path.substr(0, 3), "bad");
    written += c.downloads;
  }
  EXPECT_EQ(written, 76);
  EXPECT_EQ(db.flushed, 76);
  EXPECT_EQ(db.rejected, 4);
  EXPECT_EQ(db.failed, 0) << "a rejection is no outage: no pause, no retry";
  EXPECT_EQ(w.pending(), 0);
  ASSERT_EQ(db.logs.size(), 2u);
  std::sort(db.logs.begin(), db.logs.end());
  // Named, escaped: one line each, no raw bytes.
  EXPECT_NE(db.logs[0].find("'bad\\x0Asecond.deb'"), std::string::npos)
      << db.logs[0];
  EXPECT_NE(db.logs[1].find("dropped 2 download count(s) of "
                            "'bad\\xFF\\xFE.deb' (2026-12-01, mirror 1, DE)"),
            std::string::npos)
      << db.logs[1];
  for (const std::string& l : db.logs)
    EXPECT_EQ(l.find('\n'), std::string::npos) << l;
  // Later batches are written as usual.
  auto next = Batch("a.iso", 3);
  EXPECT_EQ(w.Finish(&next, 5000), 0);
  EXPECT_EQ(db.flushed, 79);
}

TEST(StatsWriterTest, AnOutageDuringASplitKeepsWhatIsNotWrittenYet) {
  FakeDb db;
  db.bad_prefix = "bad";
  db.writes_before_outage =
      1;  // one half is written, then the database is away
  StatsWriter w(db.Callbacks(), 1);
  auto b = MixedBatch();
  ASSERT_TRUE(w.TryHandOver(&b));
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (db.failed == 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(db.failed, 1);
  long long written = db.flushed, rejected = db.rejected;
  EXPECT_GT(written, 0);
  EXPECT_EQ(w.pending(), 80 - written - rejected)
      << "the rest waits for the database";
  {
    std::lock_guard<std::mutex> lock(db.mu);
    db.writes_before_outage = -1;  // back
  }
  DownloadCounts none(100);
  EXPECT_EQ(w.Finish(&none, 10000), 0);
  EXPECT_EQ(db.flushed, 76);
  EXPECT_EQ(db.rejected, 4);
  EXPECT_EQ(db.written.size(), 38u) << "nothing written twice";
}

TEST(StatsWriterTest, RefusalsAreLoggedAtMostOnceAMinute) {
  FakeDb db;
  db.refusals = 3;
  StatsWriter w(db.Callbacks(), 1);
  auto b = Batch("a.iso", 1);
  ASSERT_TRUE(w.TryHandOver(&b));
  DownloadCounts none(100);
  EXPECT_EQ(w.Finish(&none, 10000), 0);
  EXPECT_EQ(db.failed, 3);
  ASSERT_EQ(db.logs.size(), 2u) << "the first refusal, then the success";
  // A new outage after a success is reported at once.
  db.refusals = 1;
  auto c = Batch("b.iso", 1);
  EXPECT_EQ(w.Finish(&c, 10000), 0);
  ASSERT_EQ(db.logs.size(), 4u);
  EXPECT_NE(db.logs[2].find("cannot write download statistics"),
            std::string::npos);
}

}  // namespace
}  // namespace waymark
