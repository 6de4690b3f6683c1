// Several nodes on PostgreSQL streaming replication (README, "Several
// nodes"), on a real primary and a real hot standby made with
// `pg_basebackup -R` (tests/harness/replica_cluster.h): the harness
// itself; writers pointed at a standby refuse it in one line, and with
// database.primary_dsn write the primary, whose changes reach the
// standby; scanners and trace runs on two nodes exclude each other through
// the primary's locks; `waymark db status` on either; the schema on a standby.
#include <glob.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "core/store/db.h"
#include "core/store/replica_state.h"
#include "core/strings.h"
#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/readme.h"
#include "tests/harness/replica_cluster.h"
#include "tests/harness/replica_suite.h"
#include "tests/harness/rsync_daemon.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::QueryRows;
using test::ReplicaCluster;

ReplicaState StateAt(const std::string& dsn) {
  std::unique_ptr<Database> db;
  ReplicaState st;
  Status s = Database::Connect(dsn, &db);
  if (s.ok()) s = LoadReplicaState(db.get(), &st);
  EXPECT_TRUE(s.ok()) << s.message();
  return st;
}

// README's node configuration ("## Several nodes"), for database `db` of
// `rc`: reads from the standby, writes to whichever of the two servers
// takes writes (libpq's multi-host DSN with target_session_attrs).
std::string ReadmeNodeConfig(ReplicaCluster* rc, const std::string& db) {
  std::string section =
      test::ReadmeSection(test::ReadmeText(), "## Several nodes");
  std::string conf;
  for (const std::string& block : test::FencedBlocks(section, "text"))
    if (block.rfind("[database]\n", 0) == 0) conf = block;
  auto replace = [&](const std::string& from, const std::string& to) {
    size_t at = conf.find(from);
    EXPECT_NE(at, std::string::npos) << "README's node config lost " << from;
    if (at != std::string::npos) conf.replace(at, from.size(), to);
  };
  replace("dsn = dbname=waymark\n", "dsn = " + rc->StandbyDsn(db) + "\n");
  replace("host=db1.example.org,db2.example.org dbname=waymark ",
          "host=" + rc->primary()->socket_dir() + "," +
              rc->standby()->socket_dir() + " dbname=" + db +
              " user=postgres ");
  return conf;
}

// The harness: streaming (not a copy), read-only, pause and resume, the
// standby outliving its primary's restart, promotion; and what
// LoadReplicaState() says in each case, also to a role without
// pg_read_all_stats (as the redirector's).
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
  EXPECT_EQ(QueryRows(standby,
                      "SELECT pg_is_in_recovery(), status, "
                      "current_setting('hot_standby_feedback') "
                      "FROM pg_stat_wal_receiver"),
            "t|streaming|on\n");

  ASSERT_TRUE(rc->primary()
                  ->ExecSql(primary,
                            "CREATE TABLE t (x int); INSERT INTO t VALUES (1);"
                            "CREATE ROLE wm_plain LOGIN")
                  .ok());
  ASSERT_TRUE(rc->WaitForReplay().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT x FROM t"), "1\n");
  s = rc->standby()->ExecSql(standby, "INSERT INTO t VALUES (9)");
  EXPECT_NE(s.message().find("read-only transaction"), std::string::npos)
      << s.message();

  ReplicaState st = StateAt(primary);
  EXPECT_FALSE(st.standby);
  EXPECT_EQ(st.age_seconds, 0);
  st = StateAt(rc->standby()->Dsn(db, "wm_plain"));
  EXPECT_TRUE(st.standby);
  EXPECT_TRUE(st.streaming);
  EXPECT_FALSE(st.replay_paused);
  EXPECT_EQ(st.age_seconds, 0) << "a standby that has it all is current";

  // Paused: what the primary writes arrives and waits; the view ages from
  // the last transaction replayed (CREATE ROLE, before the pause).
  ASSERT_TRUE(rc->PauseReplay().ok());
  ASSERT_TRUE(rc->primary()->ExecSql(primary, "INSERT INTO t VALUES (2)").ok());
  EXPECT_TRUE(test::Eventually(
      [&] { return StateAt(standby).age_seconds >= 1.5; }, 15));
  st = StateAt(rc->standby()->Dsn(db, "wm_plain"));
  EXPECT_TRUE(st.replay_paused);
  EXPECT_TRUE(st.streaming);
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "1\n");
  ASSERT_TRUE(rc->ResumeReplay().ok());
  ASSERT_TRUE(rc->WaitForReplay().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "2\n");
  EXPECT_TRUE(
      test::Eventually([&] { return StateAt(standby).age_seconds == 0; }, 15));

  // The primary stopped: the standby keeps answering, stops streaming, and
  // its view ages; restarted, the standby streams again.
  rc->StopPrimary();
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "2\n");
  EXPECT_TRUE(test::Eventually([&] { return !StateAt(standby).streaming; }));
  st = StateAt(standby);
  EXPECT_TRUE(st.age_known());
  EXPECT_GT(st.age_seconds, 0);
  ASSERT_TRUE(rc->StartPrimary().ok());
  ASSERT_TRUE(rc->primary()->ExecSql(primary, "INSERT INTO t VALUES (3)").ok());
  ASSERT_TRUE(rc->WaitForReplay().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT count(*) FROM t"), "3\n");

  // Promoted: a primary of its own, which takes writes.
  ASSERT_TRUE(rc->Promote().ok());
  EXPECT_EQ(QueryRows(standby, "SELECT pg_is_in_recovery()"), "f\n");
  EXPECT_TRUE(rc->standby()->ExecSql(standby, "INSERT INTO t VALUES (4)").ok());
  EXPECT_FALSE(StateAt(standby).standby);
}

// A failover as README's "Several nodes" describes it: the node's
// configuration from README, the primary lost, the standby promoted; the
// writers find the new primary without a change to the configuration.
TEST(ReplicaFailoverTest, WritersFindThePromotedStandbyWithReadmesConfig) {
  std::unique_ptr<ReplicaCluster> rc;
  Status s = ReplicaCluster::Start(&rc);
  ASSERT_TRUE(s.ok()) << s.message();
  std::string db = rc->CreateDatabase();
  test::TempDir dir;
  test::WriteFile(dir / "repo/pub/app-1.0.tar.gz", "x");
  std::string conf = dir.Write(
      "node.conf", ReadmeNodeConfig(rc.get(), db) +
                       "[repository]\npath = " + (dir / "repo") + "\n");
  auto waymark = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", conf});
    return test::RunWaymark(args);
  };
  CommandResult r = waymark({"db", "init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = waymark({"mirror", "add", "fra1", "--no-geoip", "--https",
               "https://fra1.example.org/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(rc->WaitForReplay().ok());
  r = waymark({"db", "status"});
  EXPECT_EQ(r.out.rfind("database: hot standby, streaming,", 0), 0u) << r.out;

  rc->StopPrimary();
  r = waymark({"mirror", "add", "sgp1", "--no-geoip", "--https",
               "https://sgp1.example.org/"});
  EXPECT_EQ(r.exit_code, 1) << "no server takes writes";
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  ASSERT_TRUE(rc->Promote().ok());
  r = waymark({"mirror", "add", "sgp1", "--no-geoip", "--https",
               "https://sgp1.example.org/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = test::RunBinary("waymark-scan", {"-c", conf, "--repository"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(rc->StandbyDsn(db),
                      "SELECT (SELECT string_agg(name, ',' ORDER BY name) "
                      "FROM mirrors), (SELECT count(*) FROM files)"),
            "fra1,sgp1|1\n");
  r = waymark({"db", "status"});
  EXPECT_EQ(r.out.rfind("database: primary\n", 0), 0u) << r.out;
}

// One primary with its standby for the suite; each test has its own
// database and three configurations: a node that reads the standby and
// writes the primary (as README's "Several nodes" sets one up), the same
// node without primary_dsn (a mistake the writers must catch), and the
// primary's own node.
class ReplicaTest : public test::ReplicaSuite {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_) << "cannot start the replicas: " << start_error_;
    db_ = cluster_->CreateDatabase();
    primary_dsn_ = cluster_->PrimaryDsn(db_);
    standby_dsn_ = cluster_->StandbyDsn(db_);
    repo_ = dir_ / "repo";
    test::WriteFile(repo_ + "/pub/app-1.0.tar.gz", std::string(3000, 'a'));
    test::WriteFile(repo_ + "/mirrorsync",
                    std::to_string(std::time(nullptr)) + "\n");
    node_ = Conf("node.conf",
                 "dsn = " + standby_dsn_ + "\nprimary_dsn = " + primary_dsn_);
    standby_only_ = Conf("standby-only.conf", "dsn = " + standby_dsn_);
    primary_ = Conf("primary.conf", "dsn = " + primary_dsn_);
  }

  std::string Conf(const std::string& name, const std::string& database) {
    return dir_.Write(name, "[database]\n" + database +
                                "\n[repository]\npath = " + repo_ +
                                "\n[scan]\nio_timeout = 4s\n"
                                "connect_timeout = 2s\n"
                                "[trace]\ntimeout = 5\nconnect_timeout = 2\n");
  }

  static CommandResult Run(const std::string& program, const std::string& conf,
                           std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", conf});
    return test::RunBinary(program, args);
  }
  static CommandResult Waymark(const std::string& conf,
                               std::vector<std::string> args) {
    return Run("waymark", conf, std::move(args));
  }

  std::string OnPrimary(const std::string& sql) {
    return QueryRows(primary_dsn_, sql);
  }
  std::string OnStandby(const std::string& sql) {
    return QueryRows(standby_dsn_, sql);
  }
  void Replay() {
    Status s = cluster_->WaitForReplay();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // The one line a writer that reached the standby prints.
  std::string Refusal(const std::string& program) const {
    return program +
           ": the database at host=" + cluster_->standby()->socket_dir() +
           " port=5432 dbname=" + db_ +
           " is a read-only standby; set database.primary_dsn to the "
           "primary\n";
  }

  void Init() {
    CommandResult r = Waymark(node_, {"db", "init"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // The schema, a mirror "hung" whose HTTP server never answers, and node B
  // (the primary's) running `program hung` in the background; returns B's
  // run once B holds the advisory lock that `lock` (a condition on
  // pg_locks) names.
  std::future<CommandResult> NodeBHangs(const std::string& program,
                                        const std::string& lock) {
    std::future<CommandResult> b;
    Init();
    if (HasFatalFailure()) return b;
    silent_ = std::make_unique<test::SilentListener>();
    CommandResult r = Waymark(
        node_, {"mirror", "add", "hung", "--no-geoip", "--http",
                "http://127.0.0.1:" + std::to_string(silent_->port()) + "/"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    b = std::async(std::launch::async, [this, program] {
      return Run(program, primary_, {"hung"});
    });
    EXPECT_TRUE(test::Eventually([&] {
      return OnPrimary(
                 "SELECT count(*) FROM pg_locks WHERE locktype = "
                 "'advisory' AND granted AND database = (SELECT oid FROM "
                 "pg_database WHERE datname = current_database()) AND " +
                 lock) == "1\n";
    })) << "node B's "
        << program << " never took its lock";
    return b;
  }

  test::TempDir dir_;
  std::string db_, primary_dsn_, standby_dsn_, repo_;
  std::string node_, standby_only_, primary_;
  std::unique_ptr<test::SilentListener> silent_;
};

TEST_F(ReplicaTest, WritersPointedAtAStandbyRefuseInOneLine) {
  CommandResult r = Waymark(standby_only_, {"db", "init"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, Refusal("waymark"));
  EXPECT_EQ(OnPrimary("SELECT to_regclass('waymark_schema') IS NULL"), "t\n");
  Init();
  ASSERT_EQ(Waymark(node_, {"mirror", "add", "fra1", "--no-geoip", "--http",
                            "http://127.0.0.1:9/"})
                .exit_code,
            0);
  ASSERT_EQ(Waymark(node_, {"mirror", "enable", "fra1"}).exit_code, 0);
  Replay();

  struct Case {
    std::string program;
    std::vector<std::string> args;
    int exit_code;
  };
  const Case cases[] = {
      {"waymark", {"db", "init"}, 1},
      {"waymark", {"db", "upgrade"}, 1},
      {"waymark",
       {"mirror", "add", "sgp1", "--no-geoip", "--https",
        "https://sgp1.example.org/"},
       1},
      {"waymark", {"mirror", "disable", "fra1"}, 1},
      {"waymark", {"mirror", "edit", "fra1", "--weight", "7"}, 1},
      {"waymark", {"mirror", "remove", "fra1"}, 1},
      {"waymark", {"stats", "merge"}, 1},
      {"waymark", {"stats", "rollup"}, 1},
      {"waymark-scan", {"--repository"}, 1},
      {"waymark-scan", {"fra1"}, 1},
      {"waymark-scan", {"--all"}, 1},
      {"waymark-trace", {"--all"}, 3},
      {"waymark-trace", {"fra1"}, 3},
  };
  for (const Case& c : cases) {
    r = Run(c.program, standby_only_, c.args);
    std::string what = c.program + " " + c.args[0] + " " + c.args.back();
    EXPECT_EQ(r.exit_code, c.exit_code) << what << "\n" << r.out << r.err;
    EXPECT_EQ(r.err, Refusal(c.program)) << what;
    EXPECT_EQ(r.out, "") << what;
  }
  // Nothing changed on the primary: no file, mirror, scan or check.
  EXPECT_EQ(OnPrimary("SELECT (SELECT count(*) FROM files), "
                      "(SELECT string_agg(name || ' ' || enabled || ' ' || "
                      "weight, ',') FROM mirrors), "
                      "(SELECT count(*) FROM mirror_scans), "
                      "(SELECT count(*) FROM mirror_health)"),
            "0|fra1 true 100|0|0\n");

  // Readers read the standby.
  r = Waymark(standby_only_, {"mirror", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fra1"), std::string::npos) << r.out;
  r = Waymark(standby_only_, {"mirror", "show", "fra1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ReplicaTest, WritersWithPrimaryDsnWriteThePrimaryAndTheStandbyFollows) {
  Init();
  Replay();
  EXPECT_EQ(OnStandby("SELECT max(version) FROM waymark_schema"),
            OnPrimary("SELECT max(version) FROM waymark_schema"));

  std::string copy = dir_ / "copy";
  test::WriteFile(copy + "/pub/app-1.0.tar.gz", std::string(3000, 'a'));
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start({{"pub", copy, "", ""}}, &rsyncd).ok());
  CommandResult r =
      Waymark(node_, {"mirror", "add", "fra1", "--no-geoip", "--http",
                      "http://127.0.0.1:9/", "--rsync", rsyncd->Url("pub")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run("waymark-scan", node_, {"--repository"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run("waymark-scan", node_, {"--enable", "fra1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Its HTTP port is closed: the check fails, and is recorded.
  r = Run("waymark-trace", node_, {"fra1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  r = Waymark(node_, {"mirror", "disable", "fra1", "--reason", "test"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  Replay();
  const std::string everything =
      "SELECT (SELECT string_agg(path, ',' ORDER BY path) FROM files), "
      "(SELECT string_agg(name || ' ' || enabled, ',') FROM mirrors), "
      "(SELECT count(*) FROM mirror_scans WHERE ok), "
      "(SELECT count(*) > 0 FROM mirror_health WHERE NOT up), "
      "(SELECT count(*) FROM file_mirrors)";
  EXPECT_EQ(OnPrimary(everything),
            "mirrorsync,pub/app-1.0.tar.gz|fra1 false|1|t|1\n");
  EXPECT_EQ(OnStandby(everything), OnPrimary(everything));
}

// A scan holds its mirror's lock on the primary, where the other node's
// scanner looks for it: node B (on the primary) scans a mirror that never
// answers, and node A (reading its standby) is refused meanwhile.
TEST_F(ReplicaTest, ScannersOnTwoNodesExcludeEachOther) {
  // The lock of one mirror's scan: (kScanLockClass, mirror id).
  auto b = NodeBHangs("waymark-scan", "classid = 1465470257 AND objsubid = 2");
  if (HasFatalFailure()) return;
  CommandResult a = Run("waymark-scan", node_, {"hung"});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_TRUE(std::regex_match(
      a.out, std::regex("hung: FAILED after [0-9]+\\.[0-9] s: another scan of "
                        "this mirror is running \\(last listing kept\\)\n")))
      << a.out << a.err;
  CommandResult rb = b.get();
  EXPECT_EQ(rb.exit_code, 1) << rb.out << rb.err;
  EXPECT_EQ(rb.out.find("another scan"), std::string::npos) << rb.out;
  // Node B's failed scan is the only one recorded.
  EXPECT_EQ(OnPrimary("SELECT count(*) FROM mirror_scans"), "1\n");
}

// The same for trace checks: one run at a time, whichever node runs it.
TEST_F(ReplicaTest, TraceRunsOnTwoNodesExcludeEachOther) {
  // The check lock: one bigint key.
  auto b = NodeBHangs("waymark-trace", "objsubid = 1");
  if (HasFatalFailure()) return;
  CommandResult a = Run("waymark-trace", node_, {"hung"});
  EXPECT_EQ(a.exit_code, 3);
  EXPECT_EQ(a.err,
            "waymark-trace: another waymark-trace is checking the "
            "mirrors\n");
  CommandResult rb = b.get();
  EXPECT_EQ(rb.exit_code, 1) << rb.out << rb.err;
}

TEST_F(ReplicaTest, DbStatusSaysPrimaryOrStandbyAndHowOld) {
  Init();
  Replay();
  CommandResult r = Waymark(primary_, {"db", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("database: primary\nschema: version ", 0), 0u) << r.out;
  // The standby has it all, and the primary writes nothing for a while:
  // the last transaction replayed ages, the view does not.
  // (Eventually: WAL the primary writes on its own, such as a checkpoint,
  // may be in flight for a moment.)
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_TRUE(test::Eventually([&] {
    r = Waymark(node_, {"db", "status"});
    return r.exit_code == 0 &&
           r.out.rfind(
               "database: hot standby, streaming, inventory 0 s old\n"
               "schema: version ",
               0) == 0;
  })) << r.out
      << r.err;
  r = Waymark(node_, {"db", "status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["standby"], true);
  EXPECT_EQ(j["streaming"], true);
  EXPECT_EQ(j["replay_paused"], false);
  EXPECT_EQ(j["inventory_age_seconds"], 0);

  // Replay paused while the primary changes: the view is as old as the
  // last change it replayed, db init's, 4.5 s ago.
  ASSERT_TRUE(cluster_->PauseReplay().ok());
  ASSERT_EQ(Waymark(node_, {"mirror", "add", "fra1", "--no-geoip", "--https",
                            "https://fra1.example.org/"})
                .exit_code,
            0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  r = Waymark(node_, {"db", "status", "--json"});
  ASSERT_TRUE(cluster_->ResumeReplay().ok());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["standby"], true);
  EXPECT_EQ(j["replay_paused"], true);
  EXPECT_EQ(j["mirrors"], 0) << "replay is paused";
  double age = j["inventory_age_seconds"].get<double>();
  EXPECT_GE(age, 4.0);
  EXPECT_LT(age, 60.0) << "from db init, not from long ago";
  Replay();
  r = Waymark(node_, {"db", "status", "--json"});
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mirrors"], 1);
  EXPECT_EQ(j["replay_paused"], false);
}

// What the redirector reads must exist on a standby: an unlogged or
// temporary table has no rows there (reading one fails during recovery).
TEST_F(ReplicaTest, EveryTableAndSequenceIsLoggedSoStandbysHaveThem) {
  Init();
  Replay();
  const std::string relations =
      "SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p', 'S', 'm') "
      "ORDER BY 1";
  std::string all = OnPrimary(relations);
  ASSERT_NE(all.find("mirrors|r|p\n"), std::string::npos) << all;
  ASSERT_NE(all.find("files|r|p\n"), std::string::npos) << all;
  std::vector<std::string> tables;
  for (const std::string& line : Split(all, '\n')) {
    if (line.empty()) continue;
    EXPECT_EQ(line.substr(line.size() - 2), "|p")
        << line << ": unlogged or temporary";
    if (line.find("|r|") != std::string::npos)
      tables.push_back(line.substr(0, line.find('|')));
  }
  EXPECT_EQ(OnStandby(relations), all);
  for (const std::string& t : tables)
    EXPECT_EQ(OnStandby("SELECT count(*) FROM " + t),
              OnPrimary("SELECT count(*) FROM " + t))
        << t;
}

// The schema one migration behind, as an older waymark left it: the
// migrations but the newest, recorded in waymark_schema.
void MakeOlderSchema(const std::string& dsn, int* latest) {
  glob_t g;
  std::vector<std::string> files;
  if (glob((test::SourceDir() + "/sql/migrations/*.sql").c_str(), 0, nullptr,
           &g) == 0)
    files.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 2u);
  *latest = static_cast<int>(files.size());
  files.pop_back();
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  tx.exec(
      "CREATE TABLE waymark_schema (version integer PRIMARY KEY, "
      "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  for (const std::string& f : files) {
    std::string base = f.substr(f.rfind('/') + 1);
    tx.exec(test::ReadFile(f));
    tx.exec_params("INSERT INTO waymark_schema (version, name) VALUES ($1, $2)",
                   std::stoi(base.substr(0, 4)),
                   base.substr(5, base.size() - 9));
  }
  tx.commit();
}

TEST_F(ReplicaTest, UpgradeOnThePrimaryReachesTheStandby) {
  int latest = 0;
  MakeOlderSchema(primary_dsn_, &latest);
  if (HasFatalFailure()) return;
  Replay();
  std::string older = std::to_string(latest - 1);
  CommandResult r = Waymark(node_, {"db", "status"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.out.find("schema: version " + older + " "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("' on the primary applies it)\n"), std::string::npos)
      << r.out;

  r = Waymark(standby_only_, {"db", "upgrade"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, Refusal("waymark"));
  r = Waymark(node_, {"db", "upgrade"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("upgraded the schema from version " + older + " to " +
                       std::to_string(latest) + "\n"),
            std::string::npos)
      << r.out;
  Replay();
  EXPECT_EQ(OnStandby("SELECT max(version) FROM waymark_schema"),
            std::to_string(latest) + "\n");
  r = Waymark(node_, {"db", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace waymark
