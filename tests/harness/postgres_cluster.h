// A real, private PostgreSQL cluster for integration tests: initdb into a
// fresh temporary directory, the server on a unix socket in that directory
// only (no TCP), run as user postgres when the tests run as root. It is torn
// down (server stopped, directory removed) when the test binary exits, and
// the server dies with the test binary if that crashes.
#ifndef WAYMARK_TESTS_HARNESS_POSTGRES_CLUSTER_H_
#define WAYMARK_TESTS_HARNESS_POSTGRES_CLUSTER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/subprocess.h"

namespace waymark {
namespace test {

class PostgresCluster {
 public:
  // `settings` ("name=value") are added to the server's command line, after
  // the harness's own (tests/harness/replica_cluster.h sets replication).
  explicit PostgresCluster(std::vector<std::string> settings = {})
      : settings_(std::move(settings)) {}
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;
  ~PostgresCluster();

  // initdb (first time) and start; waits until connections work.
  Status Start();
  // Instead of initdb: makes this cluster's data directory a base backup of
  // the running `primary` (pg_basebackup -R: a hot standby that streams
  // from the primary's socket). Start() then starts it as that standby.
  Status CloneAsStandbyOf(const PostgresCluster& primary);
  // `pg_ctl promote`, waiting until the standby takes writes.
  Status Promote();
  // Fast shutdown; the data stays for Start() (outage tests).
  void Stop();
  bool running() const { return server_ != nullptr; }

  // A new empty database with a unique name; returns its DSN.
  std::string CreateDatabase() { return Dsn(NewDatabase()); }
  // The same; returns its name.
  std::string NewDatabase();
  // "host=<dir> dbname=<db> user=<user>"
  std::string Dsn(const std::string& db,
                  const std::string& user = "postgres") const;
  const std::string& socket_dir() const { return dir_; }
  // Runs SQL as the superuser on the database of `dsn`.
  Status ExecSql(const std::string& dsn, const std::string& sql);

 private:
  Status MakeDir();
  Status InitDb();
  std::string Log(int lines) const;

  std::vector<std::string> settings_;
  std::string bindir_;
  std::string dir_;  // temp dir: data/, the socket, postgres.log
  std::unique_ptr<Subprocess> server_;
  int next_db_ = 0;
};

// The cluster shared by all tests of this binary, started on first use
// (aborting the program with the server's log if it cannot start) and
// stopped at exit.
PostgresCluster* SharedCluster();
// Stops and removes the shared cluster; called by the harness main().
void ShutdownSharedCluster();

// The rows of a query on `dsn`, as text: columns joined by '|', NULL as
// "NULL", a '\n' after each row. Throws (the test fails) on an SQL error.
std::string QueryRows(const std::string& dsn, const std::string& sql);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_POSTGRES_CLUSTER_H_
