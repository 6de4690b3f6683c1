// Several nodes on PostgreSQL streaming replication (README, "Several
// nodes"), on a real primary and a real hot standby made with
// `pg_basebackup -R` (tests/harness/replica_cluster.h): the harness itself.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "tests/harness/postgres_cluster.h"
#include "tests/harness/replica_cluster.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::QueryRows;
using test::ReplicaCluster;

// The harness: streaming (not a copy), read-only, pause and resume, the
// standby outliving its primary's restart, promotion.
TEST(ReplicaHarnessTest, StreamsPausesOutlivesItsPrimaryAndPromotes) {
  std::unique_ptr<ReplicaCluster> rc;
  Status s = ReplicaCluster::Start(&rc);
  ASSERT_TRUE(s.ok()) << s.message();
  std::string db = rc->CreateDatabase();
  std::string primary = rc->PrimaryDsn(db), standby = rc->StandbyDsn(db);
  EXPECT_NE(rc->primary()->socket_dir(), rc->standby()->socket_dir());
  EXPECT_EQ(QueryRows(rc->PrimaryDsn("postgres"),
                      "SELECT state FROM pg_stat_replication"),
            "streaming\n");
  EXPECT_EQ(QueryRows(standby, "SELECT pg_is_in_recovery(), status, "
                               "current_setting('hot_standby_feedback') "
                               "FROM pg_stat_wal_receiver"),
            "t|streaming|on\n");

  ASSERT_TRUE(
      rc->primary()
          ->ExecSql(primary, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
          .ok());
  ASSERT_TRUE(rc->WaitForReplay().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT x FROM t"), "1\n");
  s = rc->standby()->ExecSql(standby, "INSERT INTO t VALUES (9)");
  EXPECT_NE(s.message().find("read-only transaction"), std::string::npos)
      << s.message();

  // Paused: what the primary writes arrives and waits.
  ASSERT_TRUE(rc->PauseReplay().ok());
  ASSERT_TRUE(rc->primary()->ExecSql(primary, "INSERT INTO t VALUES (2)").ok());
  EXPECT_TRUE(test::Eventually([&] {
    return QueryRows(standby, "SELECT pg_last_wal_receive_lsn() > "
                              "pg_last_wal_replay_lsn()") == "t\n";
  }));
  EXPECT_EQ(QueryRows(standby, "SELECT pg_is_wal_replay_paused()"), "t\n");
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "1\n");
  ASSERT_TRUE(rc->ResumeReplay().ok());
  ASSERT_TRUE(rc->WaitForReplay().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "2\n");

  // The primary stopped: the standby keeps answering; restarted, the
  // standby streams from it again.
  rc->StopPrimary();
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "2\n");
  ASSERT_TRUE(rc->StartPrimary().ok());
  ASSERT_TRUE(rc->primary()->ExecSql(primary, "INSERT INTO t VALUES (3)").ok());
  ASSERT_TRUE(rc->WaitForReplay().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "3\n");

  // Promoted: a primary of its own, which takes writes.
  ASSERT_TRUE(rc->Promote().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT pg_is_in_recovery()"), "f\n");
  EXPECT_TRUE(rc->standby()->ExecSql(standby, "INSERT INTO t VALUES (4)").ok());
}

} // namespace
} // namespace waymark
