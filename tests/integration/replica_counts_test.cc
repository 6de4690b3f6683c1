// Download counts of a redirector node on a hot standby (README, "Several
// nodes"), on real streaming replication (tests/harness/replica_cluster.h):
// the node reads its standby and writes its counts to the primary, each
// download once; while the primary is stopped it keeps redirecting, holds
// the counts in memory and then in its spool, and delivers them all once
// the primary is back, also across a restart of the redirector; after a
// failover (the standby promoted) a multi-host primary_dsn finds the new
// primary without a restart.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/replica_cluster.h"
#include "tests/harness/replica_suite.h"

namespace waymark {
namespace {

using test::Eventually;
using test::QueryRows;
using test::RedirectorStack;
using test::ReplicaCluster;

constexpr char kDe[] = "20.10.0.5";

int SpoolFiles(const std::string& dir) {
  int n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name).find(".spool") != std::string::npos) ++n;
    closedir(d);
  }
  return n;
}

std::string File(int i) {
  return "/releases/file-" + std::to_string(i) + ".iso";
}

// A standby node: the redirector reads `read_dsn` and writes `write_dsn`,
// with 400 files in the inventory, no mirror (every download goes to the
// fallback) and counts handed over every second.
Status StartNode(ReplicaCluster* rc, const std::string& read_dsn,
                 const std::string& write_dsn, std::vector<std::string> lines,
                 std::unique_ptr<RedirectorStack>* node) {
  test::StackOptions o;
  o.workers = 2;
  o.https = false;
  o.dsn = read_dsn;
  o.primary_dsn = write_dsn;
  o.redirector_config = {"fallback = https://origin.example.org/master/",
                         "stats_flush_interval = 1s"};
  o.redirector_config.insert(o.redirector_config.end(), lines.begin(),
                             lines.end());
  Status s = RedirectorStack::Create(o, node);
  if (!s.ok()) return s;
  s = (*node)->Sql(
      "INSERT INTO files (id, path, size, mtime) SELECT g, 'releases/file-' "
      "|| g || '.iso', 100, now() FROM generate_series(1, 400) g");
  if (!s.ok()) return s;
  s = rc->WaitForReplay();
  if (!s.ok()) return s;
  return (*node)->Serve();
}

long long Number(const std::string& dsn, const std::string& sql) {
  std::string n = QueryRows(dsn, sql);
  return n.empty() ? -1 : std::stoll(n);
}

// One primary with its standby for the suite's tests that keep them as
// they are (each with a database of its own); the promotion test starts
// its own.
class ReplicaCountsTest : public test::ReplicaSuite {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_) << "cannot start the replicas: " << start_error_;
    db_ = cluster_->CreateDatabase();
  }
  void TearDown() override {
    if (cluster_ && !cluster_->primary()->running()) {
      Status s = cluster_->StartPrimary();
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }

  void Start(std::vector<std::string> lines = {}) {
    Status s = StartNode(cluster_.get(), cluster_->StandbyDsn(db_),
                         cluster_->PrimaryDsn(db_), std::move(lines), &node_);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  long long OnPrimary() {
    return Number(cluster_->PrimaryDsn(db_),
                  "SELECT coalesce(sum(downloads), 0) FROM download_counts");
  }

  std::string db_;
  std::unique_ptr<RedirectorStack> node_;
};

TEST_F(ReplicaCountsTest, DownloadsThroughTheStandbyNodeCountOnThePrimaryOnce) {
  ASSERT_NO_FATAL_FAILURE(Start());
  for (int i = 1; i <= 20; ++i)
    ASSERT_EQ(node_->Request(File(i % 5 + 1), kDe).status, 302) << i;
  EXPECT_TRUE(Eventually([&] { return OnPrimary() == 20; })) << OnPrimary();
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(OnPrimary(), 20) << "each once";
  EXPECT_EQ(Number(cluster_->PrimaryDsn(db_),
                   "SELECT count(DISTINCT node) FROM download_batches"),
            1);
  EXPECT_EQ(node_->redirector_log().find("cannot write download statistics"),
            std::string::npos)
      << node_->redirector_log();
}

// The primary stopped for 30 s while clients keep downloading through the
// standby node: every request is redirected, none fails; with a small
// memory bound (room for about 200 of the 400 files' counts; the worker
// asks for the spool at half of it) the overflow is on disk meanwhile,
// and nothing is dropped; the redirector restarted while the primary is
// still away loses nothing; every download arrives once the primary is
// back, once.
TEST_F(ReplicaCountsTest, APrimaryAwayFor30sUnderLoadLosesNoCount) {
  ASSERT_NO_FATAL_FAILURE(Start({"stats_max_pending_bytes = 64K"}));
  ASSERT_EQ(node_->Request(File(1), kDe).status, 302);
  ASSERT_TRUE(Eventually([&] { return OnPrimary() == 1; }));
  cluster_->StopPrimary();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::atomic<long long> made{1}, bad{0};
  int spool_seen = 0;
  std::thread load([&] {
    for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
      if (node_->Request(File(i % 400 + 1), kDe).status == 302) {
        ++made;
      } else {
        ++bad;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(10));
  spool_seen = SpoolFiles(node_->spool_dir());
  load.join();
  EXPECT_EQ(bad, 0) << "every request while the primary is away: 302";
  EXPECT_GT(spool_seen, 0) << "the overflow went to disk";
  test::HttpResponse metrics = node_->Request("/mirrorstats?metrics", "");
  EXPECT_NE(metrics.body.find("\nwaymark_stats_dropped_total 0\n"),
            std::string::npos)
      << metrics.body;
  long long counted_before_restart = made;
  // Restarted, still without a primary: the spool and what the workers
  // held survive.
  ASSERT_TRUE(node_->SignalRedirector(SIGTERM).ok());
  int code = -1;
  ASSERT_TRUE(node_->WaitRedirector(5000, &code).ok());
  Status s = node_->RestartRedirector();
  ASSERT_TRUE(s.ok()) << s.message();
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(node_->Request(File(i), kDe).status, 302);
    ++made;
  }
  EXPECT_GT(SpoolFiles(node_->spool_dir()), 0);
  s = cluster_->StartPrimary();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Eventually([&] { return OnPrimary() == made; }, 90))
      << OnPrimary() << " of " << made << " (" << counted_before_restart
      << " before the restart)\n"
      << test::ReadFile(node_->spool_dir() + "/../redirector.log.1")
      << node_->redirector_log();
  EXPECT_TRUE(Eventually([&] { return SpoolFiles(node_->spool_dir()) == 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(OnPrimary(), made) << "nothing twice";
}

// A failover: the primary is lost and the standby promoted. The node's
// primary_dsn names both servers (libpq tries them in turn and keeps the
// one that takes writes): its counts go to the new primary, with no
// restart.
TEST(ReplicaCountsFailoverTest, CountsFindThePromotedStandbyWithoutARestart) {
  std::unique_ptr<ReplicaCluster> rc;
  Status s = ReplicaCluster::Start(&rc);
  ASSERT_TRUE(s.ok()) << s.message();
  std::string db = rc->CreateDatabase();
  std::string both = "host=" + rc->primary()->socket_dir() + "," +
                     rc->standby()->socket_dir() + " dbname=" + db +
                     " user=postgres target_session_attrs=read-write";
  std::unique_ptr<RedirectorStack> node;
  s = StartNode(rc.get(), rc->StandbyDsn(db), both, {}, &node);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(node->Request(File(1), kDe).status, 302);
  auto counted = [&](const std::string& dsn) {
    return Number(dsn,
                  "SELECT coalesce(sum(downloads), 0) FROM download_counts");
  };
  ASSERT_TRUE(Eventually([&] { return counted(rc->PrimaryDsn(db)) == 1; }));
  ASSERT_TRUE(rc->WaitForReplay().ok());
  rc->StopPrimary();
  for (int i = 1; i <= 7; ++i)
    ASSERT_EQ(node->Request(File(i), kDe).status, 302) << i;
  ASSERT_TRUE(rc->Promote().ok());
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(node->Request(File(i), kDe).status, 302) << i;
  EXPECT_TRUE(Eventually([&] { return counted(rc->StandbyDsn(db)) == 11; }, 60))
      << counted(rc->StandbyDsn(db));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(counted(rc->StandbyDsn(db)), 11) << "nothing twice";
}

}  // namespace
}  // namespace waymark
