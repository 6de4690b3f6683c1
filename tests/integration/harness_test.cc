// The harness itself: a private cluster that listens on no TCP port, runs
// as the postgres user, hands out separate databases, survives a restart;
// tests/run cleans up after killed test binaries.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <pqxx/pqxx>

#include "core/subprocess.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::SharedCluster;

TEST(HarnessTest, PrivateClusterOnAUnixSocketOnly) {
  auto* cluster = SharedCluster();
  std::string a = cluster->CreateDatabase(), b = cluster->CreateDatabase();
  EXPECT_NE(a, b);
  pqxx::connection ca(a), cb(b);
  {
    pqxx::work tx(ca);
    tx.exec("CREATE TABLE only_in_a (x int)");
    tx.commit();
  }
  pqxx::read_transaction tb(cb);
  EXPECT_FALSE(
      tb.exec("SELECT to_regclass('only_in_a') IS NOT NULL")[0][0].as<bool>());
  EXPECT_EQ(tb.exec("SHOW listen_addresses")[0][0].as<std::string>(), "");
  EXPECT_EQ(tb.exec("SHOW unix_socket_directories")[0][0].as<std::string>(),
            cluster->socket_dir());
  EXPECT_EQ(cluster->socket_dir().rfind("/tmp/waymark-pg-", 0), 0u);
  if (geteuid() == 0) {
    // PostgreSQL refuses to run as root; the harness runs it as postgres.
    int pid = tb.exec("SELECT pg_backend_pid()")[0][0].as<int>();
    struct stat st;
    ASSERT_EQ(stat(("/proc/" + std::to_string(pid)).c_str(), &st), 0);
    passwd* pw = getpwnam("postgres");
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(st.st_uid, pw->pw_uid);
  }
}

TEST(HarnessTest, StopAndStartKeepTheData) {
  auto* cluster = SharedCluster();
  std::string dsn = cluster->CreateDatabase();
  ASSERT_TRUE(
      cluster
          ->ExecSql(dsn,
                    "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
          .ok());
  cluster->Stop();
  EXPECT_FALSE(cluster->running());
  EXPECT_THROW(pqxx::connection c(dsn), pqxx::broken_connection);
  ASSERT_TRUE(cluster->Start().ok());
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec("SELECT x FROM kept")[0][0].as<int>(), 7);
}

// Authentication is trust, so the socket's directory must keep other local
// users out: theirs would be every database of the tests, the demo and the
// benchmarks (tests/harness for the tests, scripts/pg-cluster for the rest).
TEST(HarnessTest, ClustersAreClosedToOtherLocalUsers) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  auto nobody_connects = [](const std::string& socket_dir) {
    CommandResult r;
    SubprocessOptions o;
    o.argv = {"runuser", "-u",       "nobody",   "--",      "psql",
              "-X",      "-h",       socket_dir, "-U",      "postgres",
              "-d",      "postgres", "-tAc",     "SELECT 1"};
    Status s = RunCommand(o, "", 60000, &r);
    EXPECT_TRUE(s.ok()) << s.message();
    return r.exit_code == 0;
  };
  std::string shared = SharedCluster()->socket_dir();
  struct stat st;
  ASSERT_EQ(stat(shared.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << shared;
  EXPECT_FALSE(nobody_connects(shared));

  // scripts/pg-cluster, in a directory made as `mkdir -p` would (0755).
  test::TempDir tmp;
  std::string dir = tmp / "pg";
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::string script = test::SourceDir() + "/scripts/pg-cluster";
  CommandResult r;
  SubprocessOptions start;
  start.argv = {script, "start", dir};
  ASSERT_TRUE(RunCommand(start, "", 120000, &r).ok());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_FALSE(nobody_connects(dir));
  // Its owner still gets in.
  SubprocessOptions own;
  own.argv = {"runuser", "-u",       "postgres", "--",      "psql",
              "-X",      "-h",       dir,        "-U",      "postgres",
              "-d",      "postgres", "-tAc",     "SELECT 1"};
  ASSERT_TRUE(RunCommand(own, "", 60000, &r).ok());
  EXPECT_EQ(r.out, "1\n") << r.err;
  SubprocessOptions stop;
  stop.argv = {script, "stop", dir};
  ASSERT_TRUE(RunCommand(stop, "", 120000, &r).ok());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// tests/run removes the temporary directories a killed test binary left
// (/tmp/waymark-{pg,test,geo}-<owner pid>-...) once their owner is gone,
// and leaves those of a running one alone.
TEST(HarnessTest, TestsRunRemovesOnlyWhatDeadOwnersLeft) {
  // The pid of a process that has exited and been reaped.
  std::unique_ptr<Subprocess> gone;
  SubprocessOptions t;
  t.argv = {"true"};
  ASSERT_TRUE(Subprocess::Start(t, &gone).ok());
  int code = -1;
  ASSERT_TRUE(gone->Wait(10000, &code).ok());
  const std::string dead = std::to_string(gone->pid());
  const std::string live = std::to_string(getpid());
  const std::string geo = test::SharedGeoFixtures().dir;
  EXPECT_EQ(geo.rfind("/tmp/waymark-geo-" + live + "-", 0), 0u) << geo;
  test::TempDir mine, build;
  std::vector<std::string> left;
  for (const char* kind : {"pg", "test", "geo"}) {
    left.push_back("/tmp/waymark-" + std::string(kind) + "-" + dead +
                   "-harness");
    ASSERT_EQ(mkdir(left.back().c_str(), 0700), 0) << left.back();
  }
  // With no test binaries in `build` it runs none (and fails), but cleans up.
  const std::string source = std::filesystem::absolute(test::SourceDir());
  SubprocessOptions run;
  run.argv = {source + "/tests/run", build.path()};
  run.working_dir = source;
  run.capture_output = true;
  CommandResult r;
  ASSERT_TRUE(RunCommand(run, "", 60000, &r).ok());
  EXPECT_NE(r.out.find("missing test binary"), std::string::npos) << r.out;
  for (const std::string& d : left) {
    EXPECT_FALSE(std::filesystem::exists(d)) << d << " left behind";
    std::filesystem::remove_all(d);
  }
  EXPECT_TRUE(std::filesystem::is_directory(geo));
  EXPECT_TRUE(std::filesystem::is_directory(mine.path()));
}

}  // namespace
}  // namespace waymark
