#include "redirector/stats_writer.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

constexpr size_t kBound = 1 << 20;

// n downloads of one file, waiting in a worker's counts.
DownloadCounts Batch(const std::string& path, long long n) {
  DownloadCounts counts(kBound);
  for (long long i = 0; i < n; ++i)
    counts.Add(DownloadKey{"2026-12-01", path, 1, "DE"});
  return counts;
}

// A database stand-in: refuses the first `refusals` writes, can be held;
// records batch ids as WriteDownloadBatch() does.
struct FakeDb {
  std::mutex mu;
  std::vector<DownloadCount> written;
  std::vector<std::string> ids;  // in the order they were written
  int refusals = 0;
  // The next this many writes commit, but their caller hears a failure
  // (the acknowledgement is lost).
  int lost_acks = 0;
  int already = 0;  // writes of an id that was there
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
    cb.write = [this](const CountsBatch& batch, bool* was_there) {
      while (hold) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::lock_guard<std::mutex> lock(mu);
      const std::vector<DownloadCount>& b = batch.rows;
      ++attempts;
      *was_there = false;
      if (refusals > 0) {
        --refusals;
        return Status::Database("database away");
      }
      if (writes_before_outage == 0) return Status::Database("database away");
      if (std::find(ids.begin(), ids.end(), batch.id) != ids.end()) {
        ++already;
        *was_there = true;
        return Status::OK();
      }
      for (const DownloadCount& c : b) {
        if (!bad_prefix.empty() && c.key.path.rfind(bad_prefix, 0) == 0)
          return Status::InvalidArgument(
              "invalid byte sequence for encoding \"UTF8\"");
      }
      if (writes_before_outage > 0) --writes_before_outage;
      written.insert(written.end(), b.begin(), b.end());
      ids.push_back(batch.id);
      if (lost_acks > 0) {
        --lost_acks;
        return Status::Database("server closed the connection unexpectedly");
      }
      return Status::OK();
    };
    cb.log = [this](const std::string& m) {
      std::lock_guard<std::mutex> lock(mu);
      logs.push_back(m);
    };
    cb.flushed = [this](long long n) { flushed += n; };
    cb.failed = [this] { ++failed; };
    cb.rejected = [this](long long n) { rejected += n; };
    cb.spooled = [this](long long n) { spooled += n; };
    return cb;
  }

  long long Written() {
    std::lock_guard<std::mutex> lock(mu);
    long long n = 0;
    for (const DownloadCount& c : written) n += c.downloads;
    return n;
  }
  bool Logged(const std::string& part) {
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& l : logs)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
  std::atomic<long long> spooled{0};
};

// Waits up to 15 s for `ok`.
bool WaitFor(const std::function<bool()>& ok) {
  return test::Eventually(ok, 15);
}

// The names in a spool directory.
std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(e->d_name);
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

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
  DownloadCounts none(kBound);
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
  EXPECT_TRUE(WaitFor([&] { return w.failing(); }));
  // Retries after 1 s, then 2 s.
  EXPECT_TRUE(WaitFor([&] { return w.idle(); }));
  EXPECT_FALSE(w.failing());
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
  EXPECT_EQ(w.Finish(&last, 300), 12) << "with no spool, they are lost";
  EXPECT_TRUE(db.written.empty());
}

// 40 files with 2 downloads each, and two bad names among them.
DownloadCounts MixedBatch() {
  DownloadCounts counts(kBound);
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
  DownloadCounts none(kBound);
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
  EXPECT_TRUE(WaitFor([&] { return w.idle(); }));
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
  EXPECT_TRUE(WaitFor([&] { return db.Written() == 1; }));
  EXPECT_EQ(db.failed, 3);
  ASSERT_EQ(db.logs.size(), 2u) << "the first refusal, then the success";
  // A new outage after a success is reported at once.
  db.refusals = 1;
  auto c = Batch("b.iso", 1);
  ASSERT_TRUE(WaitFor([&] { return w.TryHandOver(&c); }));
  EXPECT_TRUE(WaitFor([&] { return db.Written() == 2; }));
  ASSERT_EQ(db.logs.size(), 4u);
  EXPECT_NE(db.logs[2].find("cannot write download statistics"),
            std::string::npos);
}

// The primary committed a batch, but the acknowledgement never reached the
// writer: it sends the same batch, with the same id, again, and the
// primary recognises it.
TEST(StatsWriterTest, ALostCommitAcknowledgementCountsNothingTwice) {
  FakeDb db;
  db.lost_acks = 1;
  StatsWriter w(db.Callbacks(), 1);
  auto b = Batch("a.iso", 7);
  ASSERT_TRUE(w.TryHandOver(&b));
  EXPECT_TRUE(WaitFor([&] { return w.idle(); }));
  EXPECT_EQ(db.attempts, 2);
  EXPECT_EQ(db.already, 1);
  EXPECT_EQ(db.Written(), 7) << "counted once";
  ASSERT_EQ(db.ids.size(), 1u);
  EXPECT_EQ(db.ids[0].size(), 32u);
  EXPECT_EQ(db.flushed, 7);
  EXPECT_TRUE(db.Logged("was on the primary already"));
  // The next batch has an id of its own.
  auto c = Batch("a.iso", 2);
  ASSERT_TRUE(w.TryHandOver(&c));
  EXPECT_TRUE(WaitFor([&] { return db.Written() == 9; }));
  ASSERT_EQ(db.ids.size(), 2u);
  EXPECT_NE(db.ids[0], db.ids[1]);
}

// The parts of a split batch have ids derived from the batch's, so that a
// part whose acknowledgement is lost is not written twice either.
TEST(StatsWriterTest, ThePartsOfASplitBatchHaveIdsOfTheirOwn) {
  FakeDb db;
  db.bad_prefix = "bad";
  StatsWriter w(db.Callbacks(), 1);
  // The first part written: its acknowledgement is lost.
  db.lost_acks = 1;
  auto b = MixedBatch();
  ASSERT_TRUE(w.TryHandOver(&b));
  EXPECT_TRUE(WaitFor([&] { return w.idle(); }));
  EXPECT_EQ(db.Written(), 76);
  EXPECT_EQ(db.written.size(), 38u) << "no row twice";
  EXPECT_EQ(db.rejected, 4);
  EXPECT_EQ(db.already, 1);
  std::set<std::string> ids(db.ids.begin(), db.ids.end());
  EXPECT_EQ(ids.size(), db.ids.size());
  const std::string root = db.ids[0].substr(0, 32);
  for (const std::string& id : db.ids) {
    EXPECT_EQ(id.substr(0, 32), root) << id;
    EXPECT_GT(id.size(), 32u) << "a part: " << id;
  }
}

// The primary away: once the worker asks (it is nearly full), the batch in
// hand goes to the spool and the writer takes the next; once the primary
// is back, the spool file is delivered and deleted.
TEST(StatsWriterTest, SpoolsOnRequestAndDeliversTheFileOnceThePrimaryIsBack) {
  test::TempDir dir;
  CountsSpool spool(dir.path(), 1 << 20);
  FakeDb db;
  db.refusals = 1000000;
  StatsWriter w(db.Callbacks(), 1, &spool);
  auto a = Batch("a.iso", 3);
  ASSERT_TRUE(w.TryHandOver(&a));
  ASSERT_TRUE(WaitFor([&] { return w.failing(); }));
  EXPECT_GT(w.held_bytes(), 0u);
  w.RequestSpool();
  ASSERT_TRUE(WaitFor([&] { return w.idle(); }));
  EXPECT_EQ(w.held_bytes(), 0u);
  EXPECT_EQ(db.spooled, 3);
  EXPECT_EQ(Files(dir.path()).size(), 1u);
  auto b = Batch("b.iso", 4);
  ASSERT_TRUE(w.TryHandOver(&b));
  {
    std::lock_guard<std::mutex> lock(db.mu);
    db.refusals = 0;  // back
  }
  EXPECT_TRUE(WaitFor([&] { return db.Written() == 7; })) << db.Written();
  EXPECT_TRUE(WaitFor([&] { return Files(dir.path()).empty(); }));
  EXPECT_EQ(db.flushed, 7);
  EXPECT_TRUE(WaitFor(
      [&] { return db.Logged("delivered 3 download counts from the spool"); }));
}

// A stopping worker while the primary is away: nothing waits, all of it
// is in the spool, and another writer (after a restart) delivers it.
TEST(StatsWriterTest, FinishSpoolsWhatThePrimaryDidNotTakeAndAnotherDelivers) {
  test::TempDir dir;
  CountsSpool spool(dir.path(), 1 << 20);
  {
    FakeDb away;
    away.refusals = 1000000;
    StatsWriter w(away.Callbacks(), 1, &spool);
    auto a = Batch("a.iso", 3);
    ASSERT_TRUE(w.TryHandOver(&a));
    ASSERT_TRUE(WaitFor([&] { return w.failing(); }));
    auto last = Batch("b.iso", 5);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(w.Finish(&last, 5000), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::milliseconds(500))
        << "no wait for a primary that refuses";
    EXPECT_EQ(away.spooled, 8);
    EXPECT_TRUE(w.Stop(std::chrono::milliseconds(2000)));
  }
  ASSERT_EQ(Files(dir.path()).size(), 1u);
  FakeDb back;
  StatsWriter w(back.Callbacks(), 1, &spool);
  EXPECT_TRUE(WaitFor([&] { return back.Written() == 8; }));
  EXPECT_TRUE(WaitFor([&] { return Files(dir.path()).empty(); }));
}

// A spool file that is not one (cut short, changed, hostile) is set aside
// with one line; the others are delivered.
TEST(StatsWriterTest, ABadSpoolFileIsSetAsideAndTheRestDelivered) {
  test::TempDir dir;
  CountsSpool spool(dir.path(), 1 << 20);
  CountsBatch good;
  good.id = NewBatchId();
  good.rows = {{{"2026-12-01", "a.iso", 1, "DE"}, 2}};
  good.downloads = 2;
  ASSERT_TRUE(spool.Put({&good}).ok());
  std::string text = EncodeSpool({&good});
  dir.Write("counts-00000000000000000001-1-aaaaaaaa.spool",
            text.substr(0, text.size() - 5));
  dir.Write("counts-00000000000000000002-1-aaaaaaaa.spool",
            std::string(5000, '\xff'));
  FakeDb db;
  StatsWriter w(db.Callbacks(), 1, &spool);
  EXPECT_TRUE(WaitFor([&] { return db.Written() == 2; }));
  EXPECT_TRUE(WaitFor([&] { return Files(dir.path()).size() == 2; }));
  std::vector<std::string> left = Files(dir.path());
  EXPECT_EQ(left[0], "counts-00000000000000000001-1-aaaaaaaa.spool.bad");
  EXPECT_EQ(left[1], "counts-00000000000000000002-1-aaaaaaaa.spool.bad");
  EXPECT_TRUE(
      db.Logged("counts-00000000000000000001-1-aaaaaaaa.spool set "
                "aside as "));
  EXPECT_TRUE(db.Logged("cut short"));
}

// The spool full: the batch stays in memory (the worker then drops new
// counts at its bound), and the reason is logged.
TEST(StatsWriterTest, AFullSpoolKeepsTheBatchInMemory) {
  test::TempDir dir;
  CountsSpool spool(dir.path(), 100);
  FakeDb db;
  db.refusals = 1000000;
  StatsWriter w(db.Callbacks(), 1, &spool);
  auto a = Batch("a.iso", 3);
  ASSERT_TRUE(w.TryHandOver(&a));
  ASSERT_TRUE(WaitFor([&] { return w.failing(); }));
  w.RequestSpool();
  EXPECT_TRUE(WaitFor([&] {
    return db.Logged(
        "cannot put 3 download counts "
        "in the spool");
  }));
  EXPECT_FALSE(w.idle());
  EXPECT_EQ(w.pending(), 3);
  EXPECT_TRUE(Files(dir.path()).empty());
  EXPECT_TRUE(db.Logged("is full"));
}

}  // namespace
}  // namespace waymark
