// A PostgreSQL primary and a hot standby that streams from it, for the
// tests of several nodes (tests/integration/replica_test.cc): real
// streaming replication on unix sockets only, each server in its own
// temporary directory (its socket, its data, its log).
//
// The primary runs with wal_level=replica and WAL senders, and its
// pg_hba.conf lets the local socket replicate; the standby is a base
// backup taken with `pg_basebackup -R` (primary_conninfo and
// standby.signal written by it), started with hot_standby_feedback. Both
// are stopped and removed when the ReplicaCluster is destroyed; neither is
// the shared cluster of postgres_cluster.h, which other tests use.
//
// Starting one costs an initdb, a base backup and two server starts (a few
// seconds): a test suite starts one in SetUpTestSuite() and gives each
// test its own database (CreateDatabase()); a test that promotes the
// standby or stops the primary starts its own.
#ifndef WAYMARK_TESTS_HARNESS_REPLICA_CLUSTER_H_
#define WAYMARK_TESTS_HARNESS_REPLICA_CLUSTER_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "tests/harness/postgres_cluster.h"

namespace waymark {
namespace test {

class ReplicaCluster {
 public:
  // Starts the primary, then the standby; returns once the standby
  // accepts (read-only) connections.
  static Status Start(std::unique_ptr<ReplicaCluster>* out);

  ReplicaCluster(const ReplicaCluster&) = delete;
  ReplicaCluster& operator=(const ReplicaCluster&) = delete;
  // Stops the standby, then the primary.
  ~ReplicaCluster() = default;

  PostgresCluster* primary() { return primary_.get(); }
  PostgresCluster* standby() { return standby_.get(); }

  // A new empty database, made on the primary and already replayed on the
  // standby; returns its name (PrimaryDsn(name), StandbyDsn(name)).
  std::string CreateDatabase();
  std::string PrimaryDsn(const std::string& db) const {
    return primary_->Dsn(db);
  }
  std::string StandbyDsn(const std::string& db) const {
    return standby_->Dsn(db);
  }

  // Waits until the standby has replayed everything the primary had
  // written when called (its current WAL position).
  Status WaitForReplay(int timeout_ms = 30000);
  // pg_wal_replay_pause() on the standby: no WAL record that reaches it
  // afterwards is replayed (it keeps receiving them) until ResumeReplay().
  Status PauseReplay();
  Status ResumeReplay();
  // `pg_ctl promote` on the standby: it becomes a primary of its own.
  Status Promote() { return standby_->Promote(); }
  // Fast shutdown of the primary, and its restart with its data.
  void StopPrimary() { primary_->Stop(); }
  Status StartPrimary() { return primary_->Start(); }

 private:
  ReplicaCluster() = default;

  // Declared in this order so that the standby stops first.
  std::unique_ptr<PostgresCluster> primary_;
  std::unique_ptr<PostgresCluster> standby_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_REPLICA_CLUSTER_H_
