#include "redirector/stats_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace waymark {
namespace {

// n downloads of one file, waiting in a worker's counts.
DownloadCounts Batch(const std::string& path, long long n) {
  DownloadCounts counts(100);
  for (long long i = 0; i < n; ++i) counts.Add(DownloadKey{"2026-12-01", path, 1, "DE"});
  return counts;
}

// A database stand-in: refuses the first `refusals` writes, can be held.
struct FakeDb {
  std::mutex mu;
  std::vector<DownloadCount> written;
  int refusals = 0;
  int attempts = 0;
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
      written.insert(written.end(), b.begin(), b.end());
      return Status::OK();
    };
    cb.log = [this](const std::string& m) {
      std::lock_guard<std::mutex> lock(mu);
      logs.push_back(m);
    };
    cb.flushed = [this](long long n) { flushed += n; };
    cb.failed = [this] { ++failed; };
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
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
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
  ASSERT_EQ(db.logs.size(), 2u) << "one line when it starts failing, one when it works again";
  EXPECT_NE(db.logs[0].find("cannot write download statistics"), std::string::npos);
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

}  // namespace
}  // namespace waymark
