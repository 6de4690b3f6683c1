#include "tests/harness/replica_cluster.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

namespace waymark {
namespace test {

namespace {

// The primary's settings beyond the harness's own: WAL for a streaming
// standby (these are PostgreSQL's defaults since 10, set here so that the
// harness does not depend on them).
const std::vector<std::string> kPrimarySettings = {"wal_level=replica",
                                                   "max_wal_senders=4"};
// The standby's: queries there hold back the primary's vacuum rather than
// being cancelled, as README's "Several nodes" advises; its replies (the
// primary's pg_stat_replication) every second; after the primary went
// away, a new connection every half second rather than every 5 s.
const std::vector<std::string> kStandbySettings = {
    "hot_standby=on", "hot_standby_feedback=on",
    "wal_receiver_status_interval=1s", "wal_retrieve_retry_interval=500ms"};

Status QueryOne(const std::string& dsn, const std::string& sql,
                std::string* out) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    auto r = tx.exec(sql);
    *out = r[0][0].is_null() ? "" : r[0][0].as<std::string>();
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::Database(e.what());
  }
}

}  // namespace

Status ReplicaCluster::Start(std::unique_ptr<ReplicaCluster>* out) {
  std::unique_ptr<ReplicaCluster> rc(new ReplicaCluster());
  rc->primary_ = std::make_unique<PostgresCluster>(kPrimarySettings);
  Status s = rc->primary_->Start();
  if (!s.ok()) return s;
  // Replication connections over the primary's socket (initdb's file has
  // such a line too; one of our own keeps the harness independent of it).
  {
    std::ofstream hba(rc->primary_->socket_dir() + "/data/pg_hba.conf",
                      std::ios::app);
    hba << "\nlocal replication postgres trust\n";
    if (!hba) return Status::IOError("cannot append to pg_hba.conf");
  }
  std::string ignored;
  s = QueryOne(rc->primary_->Dsn("postgres"), "SELECT pg_reload_conf()",
               &ignored);
  if (!s.ok()) return s;
  rc->standby_ = std::make_unique<PostgresCluster>(kStandbySettings);
  s = rc->standby_->CloneAsStandbyOf(*rc->primary_);
  if (!s.ok()) return s;
  s = rc->standby_->Start();
  if (!s.ok()) return s;
  *out = std::move(rc);
  return Status::OK();
}

std::string ReplicaCluster::CreateDatabase() {
  std::string name = primary_->NewDatabase();
  Status s = WaitForReplay();
  if (!s.ok()) {
    std::cerr << "harness: " << s.message() << "\n";
    std::abort();
  }
  return name;
}

Status ReplicaCluster::WaitForReplay(int timeout_ms) {
  std::string lsn;
  // The insert position: with synchronous_commit=off the last commits may
  // not be written yet, and pg_current_wal_lsn() (the write position)
  // would not cover them.
  Status s = QueryOne(primary_->Dsn("postgres"),
                      "SELECT pg_current_wal_insert_lsn()::text", &lsn);
  if (!s.ok()) return s;
  std::string replayed;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    s = QueryOne(standby_->Dsn("postgres"),
                 "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn",
                 &replayed);
    if (s.ok() && replayed == "t") return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return Status::IOError("the standby did not replay up to " + lsn + " in " +
                         std::to_string(timeout_ms) + " ms" +
                         (s.ok() ? "" : ": " + s.message()));
}

Status ReplicaCluster::PauseReplay() {
  std::string ignored;
  return QueryOne(standby_->Dsn("postgres"), "SELECT pg_wal_replay_pause()",
                  &ignored);
}

Status ReplicaCluster::ResumeReplay() {
  std::string ignored;
  return QueryOne(standby_->Dsn("postgres"), "SELECT pg_wal_replay_resume()",
                  &ignored);
}

}  // namespace test
}  // namespace waymark
