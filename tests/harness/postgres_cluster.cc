#include "tests/harness/postgres_cluster.h"

#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "core/strings.h"

namespace waymark {
namespace test {

namespace {

bool RunningAsRoot() { return geteuid() == 0; }

// The newest /usr/lib/postgresql/N/bin, or $WAYMARK_PG_BINDIR.
std::string FindBinDir() {
  if (const char* env = std::getenv("WAYMARK_PG_BINDIR")) return env;
  glob_t g;
  std::vector<std::string> dirs;
  if (glob("/usr/lib/postgresql/*/bin/postgres", 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      std::string p = g.gl_pathv[i];
      dirs.push_back(p.substr(0, p.size() - 9));
    }
  }
  globfree(&g);
  std::sort(dirs.begin(), dirs.end(),
            [](const std::string& a, const std::string& b) {
              return std::atoi(a.c_str() + 20) < std::atoi(b.c_str() + 20);
            });
  return dirs.empty() ? "" : dirs.back();
}

SubprocessOptions AsPostgres(std::vector<std::string> argv) {
  SubprocessOptions o;
  o.argv = std::move(argv);
  if (RunningAsRoot()) o.run_as_user = "postgres";
  o.env = {"LC_ALL=C", "PGTZ=UTC"};
  return o;
}

// Runs a PostgreSQL program as AsPostgres does; its exit status other than
// 0 is an error that says `what` failed, with its stderr.
Status RunAsPostgres(std::vector<std::string> argv, int timeout_ms,
                     const std::string& what) {
  CommandResult r;
  Status s = RunCommand(AsPostgres(std::move(argv)), "", timeout_ms, &r);
  if (!s.ok()) return s;
  if (r.exit_code != 0) return Status::IOError(what + " failed: " + r.err);
  return Status::OK();
}

}  // namespace

PostgresCluster::~PostgresCluster() {
  Stop();
  if (!dir_.empty()) {
    CommandResult r;
    SubprocessOptions rm;
    rm.argv = {"rm", "-rf", dir_};
    RunCommand(rm, "", 60000, &r);
  }
}

// The cluster's temporary directory, owned by postgres when running as
// root; bindir_ found.
Status PostgresCluster::MakeDir() {
  bindir_ = FindBinDir();
  if (bindir_.empty())
    return Status::FailedPrecondition(
        "no PostgreSQL server binaries (install package postgresql)");
  // The owner's pid is in the name so that tests/run removes only what its
  // own dead test processes left behind, never a concurrent run's cluster.
  std::string tmpl = "/tmp/waymark-pg-" + std::to_string(getpid()) + "-XXXXXX";
  if (!mkdtemp(&tmpl[0])) return Status::IOError("mkdtemp failed");
  dir_ = tmpl;
  if (RunningAsRoot()) {
    passwd* pw = getpwnam("postgres");
    if (!pw)
      return Status::FailedPrecondition(
          "no user 'postgres' (install package postgresql)");
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return Status::IOError("cannot chown " + dir_);
  }
  return Status::OK();
}

Status PostgresCluster::InitDb() {
  Status s = MakeDir();
  if (!s.ok()) return s;
  return RunAsPostgres(
      {bindir_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U",
       "postgres", "--no-sync", "-E", "UTF8", "--locale=C"},
      120000, "initdb");
}

Status PostgresCluster::CloneAsStandbyOf(const PostgresCluster& primary) {
  if (!dir_.empty())
    return Status::FailedPrecondition("the cluster has a data directory");
  Status s = MakeDir();
  if (!s.ok()) return s;
  // A fast checkpoint: the default (spread) one can take minutes. -R
  // writes primary_conninfo (the primary's socket) and standby.signal.
  return RunAsPostgres({bindir_ + "/pg_basebackup", "-D", dir_ + "/data", "-h",
                        primary.socket_dir(), "-U", "postgres", "-R", "-X",
                        "stream", "--checkpoint=fast", "--no-sync"},
                       120000, "pg_basebackup");
}

Status PostgresCluster::Promote() {
  return RunAsPostgres(
      {bindir_ + "/pg_ctl", "promote", "-D", dir_ + "/data", "-w", "-t", "60"},
      90000, "pg_ctl promote");
}

Status PostgresCluster::Start() {
  if (server_) return Status::OK();
  if (dir_.empty()) {
    Status s = InitDb();
    if (!s.ok()) return s;
  }
  // The server's output goes to its log file through a shell redirection
  // owned by the postgres user.
  std::vector<std::string> argv = {
      "/bin/sh",
      "-c",
      "d=$1 k=$2; shift 2; "
      "exec \"$0\" -D \"$d\" -k \"$k\" -c listen_addresses= -c fsync=off "
      "-c synchronous_commit=off -c full_page_writes=off -c "
      "max_connections=100 \"$@\" >> \"$k/postgres.log\" 2>&1",
      bindir_ + "/postgres",
      dir_ + "/data",
      dir_};
  for (const std::string& setting : settings_) {
    argv.push_back("-c");
    argv.push_back(setting);
  }
  SubprocessOptions o = AsPostgres(std::move(argv));
  o.die_with_parent = true;
  Status s = Subprocess::Start(o, &server_);
  if (!s.ok()) return s;
  std::string last_error;
  for (int i = 0; i < 300; ++i) {
    if (!server_->Running()) {
      server_.reset();
      return Status::IOError("postgres exited at start:\n" + Log(20));
    }
    try {
      pqxx::connection c(Dsn("postgres"));
      return Status::OK();
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server_.reset();
  return Status::IOError("postgres did not accept connections in 30 s: " +
                         last_error + "\n" + Log(20));
}

void PostgresCluster::Stop() {
  if (!server_) return;
  // SIGINT: fast shutdown (abort transactions, checkpoint, exit).
  server_->Signal(SIGINT);
  int code;
  if (!server_->Wait(30000, &code).ok()) server_->Signal(SIGKILL);
  server_.reset();
}

std::string PostgresCluster::Dsn(const std::string& db,
                                 const std::string& user) const {
  return "host=" + dir_ + " dbname=" + db + " user=" + user;
}

std::string PostgresCluster::NewDatabase() {
  std::string name =
      "wmtest_" + std::to_string(getpid()) + "_" + std::to_string(++next_db_);
  Status s = ExecSql(Dsn("postgres"),
                     "CREATE DATABASE " + name + " TEMPLATE template0");
  if (!s.ok()) {
    std::cerr << "harness: " << s.message() << "\n";
    std::abort();
  }
  return name;
}

Status PostgresCluster::ExecSql(const std::string& dsn,
                                const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    tx.exec(sql);
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::Database(e.what());
  }
}

std::string PostgresCluster::Log(int lines) const {
  std::ifstream in(dir_ + "/postgres.log");
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  size_t from =
      all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  std::ostringstream out;
  for (size_t i = from; i < all.size(); ++i) out << all[i] << "\n";
  return out.str();
}

namespace {
// Owned by the harness for the life of the test binary.
std::unique_ptr<PostgresCluster>& Shared() {
  static std::unique_ptr<PostgresCluster> cluster;
  return cluster;
}
}  // namespace

PostgresCluster* SharedCluster() {
  auto& c = Shared();
  if (!c) {
    c = std::make_unique<PostgresCluster>();
    Status s = c->Start();
    if (!s.ok()) {
      std::cerr << "harness: cannot start PostgreSQL: " << s.message() << "\n";
      c.reset();
      std::exit(1);
    }
  }
  return c.get();
}

void ShutdownSharedCluster() { Shared().reset(); }

std::string QueryRows(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  std::string out;
  for (const auto& row : tx.exec(sql)) {
    for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
      if (i) out += "|";
      out += row[i].is_null() ? "NULL" : row[i].c_str();
    }
    out += "\n";
  }
  return out;
}

}  // namespace test
}  // namespace waymark
