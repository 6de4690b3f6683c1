// Download counts through a database outage, end to end (nginx with
// origin.conf, the redirector, the shared PostgreSQL stopped and started):
// what a worker holds stays within redirector.stats_max_pending_bytes, the
// overflow goes to the spool (within redirector.spool_max_bytes) and
// arrives once the database is back, what fits nowhere is dropped,
// counted and logged; a redirector stopped and started while the database
// is away loses none of its counts, and counts none twice.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"

namespace waymark {
namespace {

using test::Eventually;
using test::RedirectorStack;

constexpr char kDe[] = "20.10.0.5";

// One value of the redirector's ?metrics (asked from loopback); -1 when
// it is not there.
long long Metric(RedirectorStack* stack, const std::string& name) {
  test::HttpResponse r = stack->Request("/mirrorstats?metrics", "");
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0)
      return std::stoll(line.substr(name.size() + 1));
  return -1;
}

// The files of the spool directory and the bytes they take; `.bad` ones
// too.
struct SpoolUse {
  int files = 0;
  long long bytes = 0;
};
SpoolUse Spool(const std::string& dir) {
  SpoolUse u;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      struct stat st;
      std::string path = dir + "/" + e->d_name;
      if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        ++u.files;
        u.bytes += st.st_size;
      }
    }
    closedir(d);
  }
  return u;
}

class CountsTest : public ::testing::Test {
 protected:
  // A stack whose inventory holds `files` files with long paths (about
  // 270 bytes) and no mirror: every GET of one is a download, sent to the
  // fallback.
  void Start(int workers, std::vector<std::string> lines, int files) {
    test::StackOptions o;
    o.workers = workers;
    o.https = false;
    o.redirector_config = {"fallback = https://origin.example.org/master/",
                           "stats_flush_interval = 1s"};
    o.redirector_config.insert(o.redirector_config.end(), lines.begin(),
                               lines.end());
    Status s = RedirectorStack::Create(o, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
    s = stack_->Sql(
        "INSERT INTO files (id, path, size, mtime) SELECT g, 'releases/' || "
        "repeat('d', 250) || '/file-' || g || '.iso', 100, now() FROM "
        "generate_series(1, " +
        std::to_string(files) + ") g");
    ASSERT_TRUE(s.ok()) << s.message();
    s = stack_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
  }
  void TearDown() override {
    if (!test::SharedCluster()->running()) {
      Status s = test::SharedCluster()->Start();
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }

  static std::string File(int i) {
    return "/releases/" + std::string(250, 'd') + "/file-" + std::to_string(i) +
           ".iso";
  }
  long long Counted() {
    std::string n = test::QueryRows(
        stack_->dsn(),
        "SELECT coalesce(sum(downloads), 0) FROM download_counts");
    return n.empty() ? -1 : std::stoll(n);
  }

  std::unique_ptr<RedirectorStack> stack_;
};

// Many distinct long known paths while the database is away, with a small
// memory bound and a smaller spool: the worker's counts stay within the
// bound, the spool within its own, the rest is dropped, counted and
// logged; once the database is back everything that was kept arrives.
TEST_F(CountsTest, MemoryAndSpoolStayWithinTheirBoundsThroughAnOutage) {
  const long long kMemory = 256 << 10, kDisk = 128 << 10;
  ASSERT_NO_FATAL_FAILURE(Start(
      1, {"stats_max_pending_bytes = 256K", "spool_max_bytes = 128K"}, 3000));
  ASSERT_EQ(stack_->Request(File(1), kDe).status, 302);
  ASSERT_TRUE(Eventually([&] { return Counted() == 1; }));
  test::SharedCluster()->Stop();
  long long peak_memory = 0, peak_disk = 0;
  for (int i = 1; i <= 3000; ++i) {
    EXPECT_EQ(stack_->Request(File(i), kDe).status, 302) << i;
    if (i % 100 == 0) {
      peak_memory = std::max(
          peak_memory, Metric(stack_.get(), "waymark_stats_pending_bytes"));
      peak_disk = std::max(peak_disk, Spool(stack_->spool_dir()).bytes);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  peak_memory = std::max(peak_memory,
                         Metric(stack_.get(), "waymark_stats_pending_bytes"));
  SpoolUse spool = Spool(stack_->spool_dir());
  peak_disk = std::max(peak_disk, spool.bytes);
  long long dropped = Metric(stack_.get(), "waymark_stats_dropped_total");
  long long spooled = Metric(stack_.get(), "waymark_stats_spooled_total");
  long long counted = Metric(stack_.get(), "waymark_downloads_counted_total");
  EXPECT_GT(peak_memory, kMemory / 2) << "the bound was reached";
  EXPECT_LE(peak_memory, kMemory);
  EXPECT_GT(spool.files, 0);
  EXPECT_LE(peak_disk, kDisk);
  EXPECT_GT(spooled, 0);
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(counted + dropped, 3001) << "every download counted or dropped";
  std::string log = stack_->redirector_log();
  EXPECT_NE(
      log.find(" download counts went to the spool in " + stack_->spool_dir()),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("download counts: more than "
                     "redirector.stats_max_pending_bytes waited"),
            std::string::npos)
      << log;
  // Drops are logged once per flush interval, not once per request.
  size_t drop_lines = 0;
  for (size_t at = log.find("download counts: more than");
       at != std::string::npos;
       at = log.find("download counts: more than", at + 1))
    ++drop_lines;
  EXPECT_LT(drop_lines, 20u) << log;

  Status s = test::SharedCluster()->Start();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Eventually([&] { return Counted() == counted; }, 90))
      << Counted() << " of " << counted;
  EXPECT_TRUE(
      Eventually([&] { return Spool(stack_->spool_dir()).files == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(Counted(), counted) << "nothing twice";
  EXPECT_EQ(Metric(stack_.get(), "waymark_stats_pending"), 0);
}

// The redirector stopped (SIGTERM: a fast stop) while the database is away:
// the workers put their counts in the spool; started again, still without
// a database, they deliver them once it is back, each once.
TEST_F(CountsTest, CountsOutliveARestartWhileTheDatabaseIsAway) {
  ASSERT_NO_FATAL_FAILURE(Start(2, {}, 20));
  ASSERT_EQ(stack_->Request(File(1), kDe).status, 302);
  ASSERT_TRUE(Eventually([&] { return Counted() == 1; }));
  test::SharedCluster()->Stop();
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(stack_->Request(File(i), kDe).status, 302) << i;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Spool(stack_->spool_dir()).files, 0)
      << "in memory while there is room";
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(stack_->SignalRedirector(SIGTERM).ok());
  int code = -1;
  ASSERT_TRUE(stack_->WaitRedirector(5000, &code).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_GE(Spool(stack_->spool_dir()).files, 1);
  std::string log = stack_->redirector_log();
  EXPECT_NE(log.find("download counts the primary has not taken yet are in "
                     "the spool"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("neither written nor spooled"), std::string::npos) << log;

  Status s = stack_->RestartRedirector();
  ASSERT_TRUE(s.ok()) << s.message();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_GE(Spool(stack_->spool_dir()).files, 1) << "kept while it is away";
  s = test::SharedCluster()->Start();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Eventually([&] { return Counted() == 11; }, 60)) << Counted();
  EXPECT_TRUE(
      Eventually([&] { return Spool(stack_->spool_dir()).files == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(Counted(), 11) << "nothing twice";
  EXPECT_EQ(test::QueryRows(stack_->dsn(),
                            "SELECT count(*) > 0 FROM download_batches"),
            "t\n");
}

// -t and the start say in one line when the spool cannot be used; the
// redirector runs all the same.
TEST(CountsConfigTest, AnUnusableSpoolIsSaidInOneLine) {
  test::TempDir dir;
  test::WriteFile(dir / "file", "x");
  std::string conf =
      dir.Write("bad.conf",
                "[database]\ndsn = " + test::SharedCluster()->CreateDatabase() +
                    "\n[redirector]\nspool_dir = " + (dir / "file/spool") +
                    "\nstats_max_pending = 100\n[geoip]\nmmdb = " +
                    test::SharedGeoFixtures().city_mmdb + "\n");
  CommandResult r = test::RunBinary("waymark-redirector", {"-t", "-c", conf});
  EXPECT_NE(
      r.out.find("spool: redirector.spool_dir: " + (dir / "file/spool") + ": "),
      std::string::npos)
      << r.out << r.err;
  EXPECT_NE(
      r.err.find(conf + ":5: redirector.stats_max_pending is retired and "
                        "ignored; pending download counts are bounded in bytes "
                        "now: redirector.stats_max_pending_bytes"),
      std::string::npos)
      << r.err;
  conf = dir.Write(
      "good.conf",
      "[database]\ndsn = " + test::SharedCluster()->CreateDatabase() +
          "\n[redirector]\nspool_dir = " + (dir / "spool") +
          "\n[geoip]\nmmdb = " + test::SharedGeoFixtures().city_mmdb + "\n");
  r = test::RunBinary("waymark-redirector", {"-t", "-c", conf});
  EXPECT_NE(r.out.find("spool: " + (dir / "spool") + " ok\n"),
            std::string::npos)
      << r.out << r.err;
}

}  // namespace
}  // namespace waymark
