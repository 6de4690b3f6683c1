// The harness itself: a private cluster that listens on no TCP port, runs
// as the postgres user, hands out separate databases, survives a restart.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/harness/postgres_cluster.h"

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
  EXPECT_FALSE(tb.exec("SELECT to_regclass('only_in_a') IS NOT NULL")[0][0].as<bool>());
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
  ASSERT_TRUE(cluster->ExecSql(dsn, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)").ok());
  cluster->Stop();
  EXPECT_FALSE(cluster->running());
  EXPECT_THROW(pqxx::connection c(dsn), pqxx::broken_connection);
  ASSERT_TRUE(cluster->Start().ok());
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  EXPECT_EQ(tx.exec("SELECT x FROM kept")[0][0].as<int>(), 7);
}

}  // namespace
}  // namespace waymark
