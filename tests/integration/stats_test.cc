// `waymark stats`, `waymark stats rollup` and sql/reports/*.sql on a real
// PostgreSQL database holding download counts.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "core/store/db.h"
#include "core/store/download_stats.h"
#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"

namespace waymark {
namespace {

using test::RedirectorStack;

class StatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = RedirectorStack::Create({}, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
    for (const char* m : {"m1", "m2"}) {
      CommandResult r = stack_->Waymark(
          {"mirror", "add", m, "--no-geoip", "--http",
           std::string("http://") + m + ".example.org/", "--country", "DE"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // Today and yesterday, 40 and 100 days ago; mirror 0 is the fallback.
    Sql(R"SQL(
      INSERT INTO files (id, path, size, mtime) VALUES (1, 'rel/a.iso', 10, now());
      INSERT INTO download_paths (path) VALUES ('rel/a.iso'), ('rel/b.deb'), ('old/gone.iso');
      INSERT INTO downloads_daily (day, path_id, mirror_id, country, downloads)
      SELECT (now() AT TIME ZONE 'UTC')::date - v.ago, p.id, coalesce(m.id, 0), v.cc, v.n
        FROM (VALUES (0, 'rel/a.iso', 'm1', 'DE', 10), (0, 'rel/a.iso', 'm2', 'FR', 5),
                     (0, 'rel/b.deb', NULL, '--', 2), (1, 'rel/a.iso', 'm1', 'DE', 7),
                     (40, 'rel/b.deb', 'm2', 'US', 3), (100, 'old/gone.iso', 'm1', 'DE', 20),
                     (101, 'old/gone.iso', 'm1', 'DE', 1))
             AS v(ago, path, mirror, cc, n)
        JOIN download_paths p ON p.path = v.path
        LEFT JOIN mirrors m ON m.name = v.mirror;
    )SQL");
  }

  void Sql(const std::string& sql) {
    Status s = stack_->Sql(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  nlohmann::json StatsJson(std::vector<std::string> args) {
    args.insert(args.begin(), "stats");
    args.push_back("--json");
    CommandResult r = stack_->Waymark(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
  }

  std::unique_ptr<RedirectorStack> stack_;
  std::map<std::string, std::string> results_;
};

TEST_F(StatsTest, ReportsByEveryDimensionWithFilters) {
  nlohmann::json j = StatsJson({"--by", "mirror"});
  EXPECT_EQ(j["total"], 48);
  ASSERT_EQ(j["rows"].size(), 3u) << j.dump();
  EXPECT_EQ(j["rows"][0]["mirror"], "m1");
  EXPECT_EQ(j["rows"][0]["downloads"], 38);
  EXPECT_EQ(j["rows"][2]["mirror"], "(fallback or origin)");
  EXPECT_EQ(StatsJson({"--by", "country"})["rows"][0]["country"], "DE");
  EXPECT_EQ(StatsJson({"--mirror", "m2"})["total"], 8);
  EXPECT_EQ(StatsJson({"--file", "rel/*"})["total"], 27);
  EXPECT_EQ(StatsJson({"--file", "*.deb", "--by", "file"})["rows"][0]["file"],
            "rel/b.deb");
  std::string yesterday = StatsJson({"--by", "day"})["rows"][3]["day"];
  EXPECT_EQ(StatsJson({"--since", yesterday})["total"], 24);
  EXPECT_EQ(StatsJson({"--until", yesterday, "--since", yesterday})["total"],
            7);

  CommandResult r = stack_->Waymark({"stats", "--by", "mirror"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("MIRROR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total"), std::string::npos) << r.out;
  // Bad input: one line, exit 2; an unknown mirror: exit 1.
  r = stack_->Waymark({"stats", "--by", "week"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: --by: 'week' is not one of day, month, country, mirror, "
            "file\n");
  r = stack_->Waymark({"stats", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: --since: 'yesterday' is not a date (YYYY-MM-DD)\n");
  r = stack_->Waymark({"stats", "--mirror", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark: mirror 'nope' not found\n");
}

TEST_F(StatsTest, RollupFoldsOldDaysIntoMonthsOnce) {
  long long before = StatsJson({})["total"];
  CommandResult r = stack_->Waymark({"stats", "rollup", "--older-than", "90"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("rolled up 2 daily rows older than 90 days into ", 0),
            0u)
      << r.out;
  EXPECT_EQ(StatsJson({})["total"], before) << "no download lost or doubled";
  nlohmann::json months = StatsJson({"--by", "month", "--file", "old/*"});
  long long old = 0;
  for (const auto& row : months["rows"])
    old += row["downloads"].get<long long>();
  EXPECT_EQ(old, 21);
  r = stack_->Waymark({"stats", "rollup", "--older-than", "90", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["daily_rows"], 0);
  EXPECT_EQ(StatsJson({})["total"], before);
  // Now the 40-day-old row too.
  r = stack_->Waymark({"stats", "rollup", "--older-than", "30", "--json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["daily_rows"], 1);
  EXPECT_EQ(StatsJson({})["total"], before);
  r = stack_->Waymark({"stats", "rollup", "--older-than", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: --older-than: must be from 1 to 100000 days\n");
}

TEST_F(StatsTest, TheRedirectorRoleMayWriteCountsAndReadItsReports) {
  // core/download_stats.cc's writer, as the role sql/roles.sql gives the
  // redirector: batches are appended, and reports see them at once.
  std::unique_ptr<Database> db;
  ASSERT_TRUE(Database::Connect(stack_->dsn(), &db).ok());
  pqxx::nontransaction(db->conn()).exec("SET ROLE waymark_redirector");
  std::string today = pqxx::nontransaction(db->conn())
                          .exec1("SELECT (now() AT TIME ZONE 'UTC')::date")[0]
                          .as<std::string>();
  Status s =
      WriteDownloadCounts(db.get(), {{{today, "rel/a.iso", 0, "DE"}, 1},
                                     {{today, "rel/new.iso", 0, "FR"}, 2}});
  ASSERT_TRUE(s.ok()) << s.message();
  s = WriteDownloadCounts(
      db.get(), {{{today, "rel/new.iso", 0, "FR"}, 4},
                 {{today, "rel/c.deb", 0, "--"}, 1},
                 {{today, "rel/tab\tand\\back\nslash.iso", 0, "--"}, 1}});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(StatsJson({"--by", "file", "--file", "rel/a.iso"})["total"], 23);
  EXPECT_EQ(StatsJson({"--by", "file", "--file", "rel/new.iso"})["total"], 6);
  EXPECT_EQ(StatsJson({"--by", "file", "--file", "rel/c.deb"})["total"], 1);
  EXPECT_EQ(
      StatsJson({"--by", "file", "--file", "rel/tab*"})["rows"][0]["file"],
      "rel/tab\tand\\back\nslash.iso")
      << "COPY escapes what it must";
  // A batch that fails changes nothing.
  s = WriteDownloadCounts(db.get(),
                          {{{today, "rel/a.iso", 0, "DE"}, 1},
                           {{today, "rel/a.iso", 0, "bad country"}, 1}});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(StatsJson({"--by", "file", "--file", "rel/a.iso"})["total"], 23);
  // The redirector does not merge: that is cron's job, as waymark_scanner.
  MergeResult merged;
  EXPECT_FALSE(MergeDownloadCounts(db.get(), &merged).ok());

  // core/mirror_report.cc's queries.
  s = stack_->Sql(R"SQL(
    SET ROLE waymark_redirector;
    SELECT mirror_id, sum(bit_count(bits)) FROM mirror_files GROUP BY mirror_id;
    SELECT mirror_id, sum(downloads) FROM downloads_daily GROUP BY mirror_id;
    SELECT mirror_id, sum(downloads) FROM downloads_pending GROUP BY mirror_id;
    SELECT last_scan_error, trace_error FROM mirrors;
  )SQL");
  EXPECT_TRUE(s.ok()) << s.message();
  // ...and may not roll them up or change mirrors.
  EXPECT_FALSE(
      stack_->Sql("SET ROLE waymark_redirector; DELETE FROM downloads_daily")
          .ok());
  EXPECT_FALSE(
      stack_
          ->Sql(
              "SET ROLE waymark_redirector; UPDATE mirrors SET enabled = true")
          .ok());
}

// A batch is written once, whatever its writer retries: its id is
// recorded with its counts, as the redirector's role may; the nightly
// rollup forgets ids older than a week.
TEST_F(StatsTest, ABatchWrittenTwiceCountsOnce) {
  std::unique_ptr<Database> db;
  ASSERT_TRUE(Database::Connect(stack_->dsn(), &db).ok());
  pqxx::nontransaction(db->conn()).exec("SET ROLE waymark_redirector");
  std::string today = pqxx::nontransaction(db->conn())
                          .exec1("SELECT (now() AT TIME ZONE 'UTC')::date")[0]
                          .as<std::string>();
  const std::vector<DownloadCount> rows = {{{today, "rel/a.iso", 0, "DE"}, 4},
                                           {{today, "rel/n.iso", 0, "--"}, 1}};
  const std::string id(32, 'a');
  bool already = true;
  Status s = WriteDownloadBatch(db.get(), id, "node-1", rows, &already);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(already);
  long long once = StatsJson({})["total"];
  EXPECT_EQ(once, 48 + 5);
  // The same batch again (its commit's acknowledgement was lost): nothing.
  s = WriteDownloadBatch(db.get(), id, "node-1", rows, &already);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(already);
  EXPECT_EQ(StatsJson({})["total"], once);
  // A part of it, and another batch: counted.
  s = WriteDownloadBatch(db.get(), id + ".1", "node-1", {rows[1]}, &already);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_FALSE(already);
  s = WriteDownloadBatch(db.get(), std::string(32, 'b'), "node-\xff", rows,
                         &already);
  ASSERT_TRUE(s.ok()) << s.message() << ": the node is made printable";
  EXPECT_EQ(StatsJson({})["total"], once + 1 + 5);
  // A batch the database rejects leaves no id behind: written again once
  // fixed, it counts.
  s = WriteDownloadBatch(db.get(), std::string(32, 'c'), "node-1",
                         {{{today, "rel/a.iso", 0, "bad country"}, 1}},
                         &already);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.message();
  s = WriteDownloadBatch(db.get(), std::string(32, 'c'), "node-1",
                         {{{today, "rel/a.iso", 0, "DE"}, 1}}, &already);
  EXPECT_TRUE(s.ok() && !already) << s.message();
  EXPECT_EQ(StatsJson({})["total"], once + 1 + 5 + 1);
  // The redirector cannot forget ids; the rollup (cron's role) does, after
  // a week.
  EXPECT_FALSE(
      stack_->Sql("SET ROLE waymark_redirector; DELETE FROM download_batches")
          .ok());
  Sql("UPDATE download_batches SET written_at = now() - interval '8 days' "
      "WHERE id = '" +
      id + "'");
  CommandResult r = stack_->Waymark({"stats", "rollup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nforgot 1 download batch ids older than 7 days\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(test::QueryRows(stack_->dsn(),
                            "SELECT string_agg(substr(id, 1, 1) || ' ' || "
                            "node, ',' ORDER BY id) FROM download_batches"),
            "a node-1,b node-\\xFF,c node-1\n");
}

// `waymark stats merge`, as cron runs it (the waymark account's roles):
// pending counts become daily rows, and no count is lost or doubled, also
// while workers keep appending and merges overlap.
TEST_F(StatsTest, MergeFoldsPendingCountsIntoDailyRowsLosingNone) {
  Sql(R"SQL(
    DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wm_test_cron')
      THEN CREATE ROLE wm_test_cron LOGIN IN ROLE waymark_scanner, waymark_trace; END IF; END $$;
  )SQL");
  std::string as_cron = stack_->dsn();
  size_t user = as_cron.find("user=postgres");
  ASSERT_NE(user, std::string::npos) << as_cron;
  as_cron.replace(user, 13, "user=wm_test_cron");
  std::unique_ptr<Database> writer;
  ASSERT_TRUE(Database::Connect(stack_->dsn(), &writer).ok());
  std::string today = pqxx::nontransaction(writer->conn())
                          .exec1("SELECT (now() AT TIME ZONE 'UTC')::date")[0]
                          .as<std::string>();
  // Two workers' batches: a known path, a new one, a key in both.
  ASSERT_TRUE(
      WriteDownloadCounts(writer.get(), {{{today, "rel/a.iso", 0, "DE"}, 3},
                                         {{today, "rel/z.iso", 1, "FR"}, 2}})
          .ok());
  ASSERT_TRUE(
      WriteDownloadCounts(writer.get(), {{{today, "rel/z.iso", 1, "FR"}, 5}})
          .ok());
  long long before = StatsJson({})["total"].get<long long>();
  EXPECT_EQ(before, 48 + 10);

  CommandResult r =
      stack_->Waymark({"stats", "merge", "--database.dsn=" + as_cron});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "merged 3 pending download counts into 2 daily rows\n");
  EXPECT_EQ(StatsJson({})["total"], before);
  auto number = [&](const std::string& sql) {
    pqxx::work tx(writer->conn());
    return tx.exec1(sql)[0].as<long long>();
  };
  EXPECT_EQ(number("SELECT count(*) FROM downloads_pending"), 0);
  EXPECT_EQ(number("SELECT downloads FROM downloads_daily d JOIN "
                   "download_paths p ON p.id = d.path_id "
                   "WHERE p.path = 'rel/z.iso' AND d.day = (now() AT TIME ZONE "
                   "'UTC')::date"),
            7)
      << "one row for the key both batches had";
  EXPECT_EQ(number("SELECT downloads FROM downloads_daily d JOIN "
                   "download_paths p ON p.id = d.path_id "
                   "WHERE p.path = 'rel/a.iso' AND d.mirror_id = 0"),
            3);
  r = stack_->Waymark(
      {"stats", "merge", "--json", "--database.dsn=" + as_cron});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            (nlohmann::json{
                {"merged", true}, {"pending_rows", 0}, {"daily_rows", 0}}));

  // Another merge holds the lock: this one says so and leaves the rows.
  ASSERT_TRUE(
      WriteDownloadCounts(writer.get(), {{{today, "rel/a.iso", 0, "DE"}, 1}})
          .ok());
  {
    std::unique_ptr<Database> other;
    ASSERT_TRUE(Database::Connect(stack_->dsn(), &other).ok());
    pqxx::work hold(other->conn());
    hold.exec("SELECT pg_advisory_xact_lock(2003792237)");
    r = stack_->Waymark({"stats", "merge", "--database.dsn=" + as_cron});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "another merge is running: it merges the pending counts\n");
    EXPECT_EQ(number("SELECT count(*) FROM downloads_pending"), 1);
  }

  // Writers appending while merges run: every count arrives exactly once.
  std::atomic<bool> stop{false};
  std::atomic<long long> written{0};
  std::thread appender([&] {
    std::unique_ptr<Database> w;
    if (!Database::Connect(stack_->dsn(), &w).ok()) return;
    for (int i = 0; !stop; ++i) {
      std::vector<DownloadCount> batch;
      for (int k = 0; k < 50; ++k)
        batch.push_back(
            {{today, "rel/f" + std::to_string((i * 7 + k) % 120) + ".iso",
              k % 3, "DE"},
             1});
      if (WriteDownloadCounts(w.get(), batch).ok()) written += 50;
    }
  });
  std::unique_ptr<Database> cron;
  ASSERT_TRUE(Database::Connect(as_cron, &cron).ok());
  long long taken = 0;
  for (int i = 0; i < 20; ++i) {
    MergeResult m;
    Status s = MergeDownloadCounts(cron.get(), &m);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_FALSE(m.busy);
    taken += m.pending_rows;
  }
  stop = true;
  appender.join();
  MergeResult last;
  ASSERT_TRUE(MergeDownloadCounts(cron.get(), &last).ok());
  EXPECT_FALSE(last.busy);
  // Every appended row was taken once: the appender's, and the one the
  // held lock left waiting.
  EXPECT_EQ(taken + last.pending_rows, written.load() + 1);
  EXPECT_GT(written.load(), 0);
  EXPECT_EQ(StatsJson({})["total"], before + 1 + written.load());
  EXPECT_EQ(number("SELECT count(*) FROM downloads_pending"), 0);
  EXPECT_EQ(number("SELECT count(*) FROM (SELECT day, path_id, mirror_id, "
                   "country FROM downloads_daily "
                   "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d"),
            0);
}

TEST_F(StatsTest, EveryReportRunsWithPsql) {
  std::string dir = test::SourceDir() + "/sql/reports";
  std::vector<std::string> reports;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 4 && n.substr(n.size() - 4) == ".sql")
        reports.push_back(n);
    }
    closedir(d);
  }
  std::sort(reports.begin(), reports.end());
  ASSERT_GE(reports.size(), 7u);
  for (const std::string& name : reports) {
    std::string head = test::ReadFile(dir + "/" + name).substr(0, 3);
    EXPECT_EQ(head, "-- ") << name
                           << " starts with a comment saying what it answers";
    EXPECT_NE(
        test::ReadFile(dir + "/" + name).find("psql -d waymark -f " + name),
        std::string::npos)
        << name << " says how to run it";
    SubprocessOptions o;
    o.argv = {"psql",
              "-X",
              "-q",
              "-v",
              "ON_ERROR_STOP=1",
              "-d",
              stack_->dsn(),
              "-f",
              dir + "/" + name};
    o.capture_output = true;
    CommandResult r;
    ASSERT_TRUE(RunCommand(o, "", 30000, &r).ok());
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.err, "") << name;
    results_[name] = r.out;
  }
  EXPECT_NE(results_["downloads_by_mirror.sql"].find("m1"), std::string::npos)
      << results_["downloads_by_mirror.sql"];
  EXPECT_NE(results_["downloads_by_mirror.sql"].find("17"), std::string::npos);
  EXPECT_NE(results_["top_files.sql"].find("rel/a.iso"), std::string::npos);
  EXPECT_NE(results_["downloads_by_country.sql"].find("DE"), std::string::npos);
  EXPECT_NE(results_["stale_mirrors.sql"].find("(0 rows)"), std::string::npos)
      << "both disabled";
  EXPECT_NE(results_["repository_coverage.sql"].find("m2"), std::string::npos);
  EXPECT_NE(results_["mirror_health.sql"].find("unchecked"), std::string::npos);
  // A variable changes the window: 7 days leave out the 40-day-old row.
  SubprocessOptions o;
  o.argv = {"psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            "days=7",
            "-d",
            stack_->dsn(),
            "-f",
            dir + "/downloads_by_country.sql"};
  o.capture_output = true;
  CommandResult r;
  ASSERT_TRUE(RunCommand(o, "", 30000, &r).ok());
  EXPECT_EQ(r.out.find("US"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace waymark
