// Redirector nodes on PostgreSQL streaming replication (README, "Several
// nodes"): one primary and one hot standby made with `pg_basebackup -R`
// (tests/harness/replica_cluster.h), and two nodes, each a real
// waymark-redirector behind a real nginx with nginx/origin.conf
// (tests/harness/redirector_stack.h): node-primary reads the primary,
// node-standby its standby and writes the primary. The standby node answers
// as the primary's does; changes made on the primary (a mirror disabled, a
// rescan) reach its clients within the refresh interval plus the replay
// delay; with replay paused past redirector.max_inventory_age it says how
// old its view is and stops trusting old mirror checks; a schema newer
// than it knows is said once, and named when its queries fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "core/store/migrations.h"
#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/replica_cluster.h"
#include "tests/harness/replica_suite.h"
#include "tests/harness/rsync_daemon.h"
#include "tests/harness/temp_dir.h"
#include "tests/harness/test_mirrors.h"

namespace waymark {
namespace {

using test::HttpResponse;
using test::RedirectorStack;
using test::ReplicaCluster;
using Clock = std::chrono::steady_clock;

// Clients (tests/fixtures/geoip-networks.tsv).
constexpr char kDe[] = "20.10.0.5";
constexpr char kOld[] = "/releases/app-1.0.tar.gz";
constexpr char kNew[] = "/releases/app-1.1.tar.gz";
constexpr char kFallback[] = "https://origin.example.org/master/";
// How often a worker refreshes (redirector/inventory_cache.h).
constexpr double kRefreshSeconds = 5;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Host(const std::string& url) {
  size_t b = url.find("://");
  if (b == std::string::npos) return "";
  b += 3;
  return url.substr(b, url.find('/', b) - b);
}

// The value of metric `name` (a line "name VALUE") in a ?metrics answer.
std::string Metric(const std::string& text, const std::string& name) {
  std::string all = "\n" + text;
  size_t at = all.find("\n" + name + " ");
  if (at == std::string::npos) return "";
  at += name.size() + 2;
  return all.substr(at, all.find('\n', at) - at);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

class ReplicaNodeTest : public test::ReplicaSuite {
 protected:
  void SetUp() override { Start({}); }

  // The database, the two nodes (with `standby_config` added to the
  // standby node's [redirector] section), four mirrors scanned over rsync
  // (fra1 from a copy of its own, which tests may change), all up, checked
  // at setup; and both nodes serving.
  void Start(const std::vector<std::string>& standby_config) {
    ASSERT_TRUE(cluster_) << "cannot start the replicas: " << start_error_;
    db_ = cluster_->CreateDatabase();
    test::StackOptions p;
    p.https = false;
    p.dsn = cluster_->PrimaryDsn(db_);
    p.redirector_config = {std::string("fallback = ") + kFallback,
                           "node = node-primary"};
    test::StackOptions sb = p;
    sb.dsn = cluster_->StandbyDsn(db_);
    sb.primary_dsn = cluster_->PrimaryDsn(db_);
    sb.redirector_config = {std::string("fallback = ") + kFallback,
                            "node = node-standby"};
    for (const std::string& line : standby_config)
      sb.redirector_config.push_back(line);
    // The primary's node trusts old checks as it sees current data, with
    // the same small limit.
    for (const std::string& line : standby_config)
      p.redirector_config.push_back(line);
    Status s = RedirectorStack::Create(p, &primary_);
    ASSERT_TRUE(s.ok()) << s.message();
    s = RedirectorStack::Create(sb, &standby_);
    ASSERT_TRUE(s.ok()) << s.message();

    for (const char* path : {kOld, kNew}) {
      std::string body(4096, path[16]);
      test::WriteFile(primary_->repository() + path, body);
      test::WriteFile(copies_ / "all" + path, body);
      test::WriteFile(copies_ / "fra1" + path, body);
    }
    s = test::RsyncDaemon::Start(
        {{"all", copies_ / "all", "", ""}, {"fra1", copies_ / "fra1", "", ""}},
        &rsyncd_);
    ASSERT_TRUE(s.ok()) << s.message();
    CommandResult r = Scan({"--repository"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::vector<std::string> names;
    for (const test::TestMirror& m : test::TestMirrors()) {
      std::string name = m.name;
      if (name != "fra1" && name != "par1" && name != "sfo1" && name != "sgp1")
        continue;
      r = primary_->Waymark({"mirror", "add", name, "--no-geoip", "--https",
                             "https://" + name + ".example.org/pub/", "--http",
                             "http://" + name + ".example.org/pub/", "--rsync",
                             rsyncd_->Url(name == "fra1" ? "fra1" : "all"),
                             "--country", m.country, "--asn", m.asn, "--lat",
                             m.lat, "--lon", m.lon});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      names.push_back(name);
    }
    names.insert(names.begin(), "--enable");
    r = Scan(names);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    // Health as waymark-trace records it, all up and checked now.
    s = primary_->Sql(R"SQL(
      UPDATE mirrors SET trace_lag = 30, trace_checked_at = now();
      INSERT INTO mirror_health (mirror_id, scheme, family, up, checked_at)
        SELECT m.id, s.scheme, f.family, true, now()
          FROM mirrors m, (VALUES ('http'), ('https')) s(scheme),
               (VALUES (4), (6)) f(family);
    )SQL");
    ASSERT_TRUE(s.ok()) << s.message();
    Replay();
    s = primary_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
    s = standby_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  CommandResult Scan(std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", primary_->config_path()});
    return test::RunBinary("waymark-scan", args);
  }

  // Waits until the standby has replayed all the primary wrote; returns
  // how long that took, in seconds.
  double Replay() {
    auto start = Clock::now();
    Status s = cluster_->WaitForReplay();
    EXPECT_TRUE(s.ok()) << s.message();
    return SecondsSince(start);
  }

  nlohmann::json Json(RedirectorStack* node, const std::string& path,
                      const std::string& ip) {
    HttpResponse r = node->Request(path, ip);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return nlohmann::json::parse(r.status == 200 ? r.body : "{}");
  }

  // The mirror that `node` sends a client at `ip` to for `path`, by host
  // name ("origin.example.org" for the fallback).
  std::string ChosenHost(RedirectorStack* node, const std::string& path,
                         const std::string& ip = kDe) {
    HttpResponse r = node->Request(path, ip);
    return r.status == 302 ? Host(r.Header("Location"))
                           : "status " + std::to_string(r.status);
  }

  // Runs `change` (a write on the primary) while a client at kDe asks the
  // standby node for `path` without pause, and returns how long after the
  // change returned the node last sent one to `host`, in seconds (negative
  // when it never did); `*replay` is the time the standby took to replay
  // the change. Asks until twice the refresh interval past the replay.
  double LastChoiceAfter(const std::function<void()>& change,
                         const std::string& path, const std::string& host,
                         double* replay) {
    EXPECT_EQ(ChosenHost(standby_.get(), path), host) << "before the change";
    change();
    const auto changed = Clock::now();
    *replay = Replay();
    double last = -1;
    while (SecondsSince(changed) < 2 * kRefreshSeconds + *replay) {
      const double asked = SecondsSince(changed);
      if (ChosenHost(standby_.get(), path) == host) last = asked;
    }
    return last;
  }

  std::string db_;
  test::TempDir copies_;
  std::unique_ptr<test::RsyncDaemon> rsyncd_;
  std::unique_ptr<RedirectorStack> primary_, standby_;
};

// The same clients get the same mirrors, tier by tier, and the same reasons
// for the others, from either node; each node says which it is and how old
// its view is (0: the standby streams and has replayed everything).
TEST_F(ReplicaNodeTest, TheStandbyNodeAnswersAsThePrimaryNodeDoes) {
  const char* clients[] = {"20.10.0.5", "20.20.0.5",    "30.10.0.5",
                           "30.20.0.5", "40.10.0.5",    "40.20.0.5",
                           "50.10.0.5", "2a01:1000::5", "2600:1000::5",
                           "90.10.0.5", "192.0.2.1"};
  for (const char* ip : clients) {
    for (const char* path : {kOld, kNew}) {
      std::string list = std::string(path) + "?json";
      nlohmann::json a = Json(primary_.get(), list, ip);
      nlohmann::json b = Json(standby_.get(), list, ip);
      auto tiers = [](const nlohmann::json& j) {
        std::set<std::pair<std::string, std::string>> out;
        for (const auto& m : j["mirrors"])
          out.insert(
              {m["name"].get<std::string>(), m["tier"].get<std::string>()});
        return out;
      };
      auto excluded = [](const nlohmann::json& j) {
        std::map<std::string, std::string> out;
        for (const auto& e : j["excluded"])
          out[e["name"].get<std::string>()] = e["reason"].get<std::string>();
        return out;
      };
      EXPECT_FALSE(tiers(a).empty()) << ip;
      EXPECT_EQ(tiers(b), tiers(a)) << ip << " " << path;
      EXPECT_EQ(excluded(b), excluded(a)) << ip << " " << path;
      EXPECT_EQ(b["near_equal"], a["near_equal"]) << ip << " " << path;
      EXPECT_EQ(a["node"], "node-primary");
      EXPECT_EQ(b["node"], "node-standby");
      EXPECT_EQ(b["inventory_age_seconds"], 0.0);
      // The redirect itself: a mirror of the best tier, the same tier.
      HttpResponse ra = primary_->Request(path, ip);
      HttpResponse rb = standby_->Request(path, ip);
      ASSERT_EQ(rb.status, 302) << rb.body;
      auto tier = [](const HttpResponse& r) {
        std::string h = r.Header("X-Waymark-Mirror");
        return h.substr(std::min(h.size(), h.find("; ")));
      };
      EXPECT_EQ(tier(rb), tier(ra)) << ip << " " << path;
    }
  }
  nlohmann::json stats = Json(standby_.get(), "/mirrorstats?json", kDe);
  EXPECT_EQ(stats["node"], "node-standby");
  EXPECT_EQ(stats["view"], "hot standby, streaming");
  EXPECT_EQ(stats["inventory_stale"], false);
  EXPECT_EQ(Json(primary_.get(), "/mirrorstats?json", kDe)["view"], "primary");
  EXPECT_NE(standby_->redirector_log().find(", node node-standby\n"),
            std::string::npos)
      << standby_->redirector_log();
}

// `waymark mirror disable` on the primary: the standby node stops sending
// clients there within the refresh interval plus the time the standby took
// to replay it (measured here), and a small margin for the requests' own
// time.
TEST_F(ReplicaNodeTest, AMirrorDisabledOnThePrimaryLeavesTheStandbyNode) {
  double replay = 0;
  double last = LastChoiceAfter(
      [&] {
        CommandResult r = primary_->Waymark(
            {"mirror", "disable", "fra1", "--reason", "replica test"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
      },
      kOld, "fra1.example.org", &replay);
  EXPECT_LE(last, kRefreshSeconds + replay + 0.5)
      << "replayed in " << replay << " s";
  EXPECT_EQ(ChosenHost(standby_.get(), kOld), "par1.example.org");
  nlohmann::json stats = Json(standby_.get(), "/mirrorstats?json", kDe);
  EXPECT_EQ(stats["inventory_age_seconds"], 0.0) << stats.dump();
  for (const auto& m : stats["mirrors"]) {
    if (m["name"] == "fra1") {
      EXPECT_EQ(m["enabled"], false);
    }
  }
}

// A rescan of fra1 that no longer finds a file: the standby node stops
// sending that file's clients to fra1 as quickly, and keeps sending the
// other file's there.
TEST_F(ReplicaNodeTest, ARescanThatLosesAFileLeavesTheStandbyNode) {
  double replay = 0;
  double last = LastChoiceAfter(
      [&] {
        std::filesystem::remove(copies_ / "fra1" + kNew);
        CommandResult r = Scan({"fra1"});
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      },
      kNew, "fra1.example.org", &replay);
  EXPECT_LE(last, kRefreshSeconds + replay + 0.5)
      << "replayed in " << replay << " s";
  EXPECT_EQ(ChosenHost(standby_.get(), kNew), "par1.example.org");
  EXPECT_EQ(ChosenHost(standby_.get(), kOld), "fra1.example.org");
  EXPECT_EQ(Metric(standby_->Request("/mirrorstats?metrics", "").body,
                   "waymark_inventory_age_seconds"),
            "0.0");
}

// Resumes the standby's replay when the test ends, however it ends: the
// cluster serves the suite's other tests.
struct ResumeReplay {
  ReplicaCluster* rc;
  ~ResumeReplay() {
    Status s = rc->ResumeReplay();
    EXPECT_TRUE(s.ok()) << s.message();
  }
};

// Replay paused on the standby while the primary changes: past a small
// redirector.max_inventory_age (3 s) the standby node reports its age and
// that it is stale (metrics, /mirrorstats, the log), no longer trusts
// checks older than that and sends fra1's clients to the fallback; the
// primary's node, whose view is current, still trusts the same checks.
// Resumed, the standby node recovers.
class ReplicaNodeStaleTest : public ReplicaNodeTest {
 protected:
  void SetUp() override { Start({"max_inventory_age = 3s"}); }
};

TEST_F(ReplicaNodeStaleTest, PausedReplayPastTheLimitTrustsNoOldCheck) {
  RedirectorStack* node = standby_.get();
  auto metrics = [&] { return node->Request("/mirrorstats?metrics", "").body; };
  // (Eventually: WAL the primary writes on its own, a checkpoint, may be
  // in flight for a moment, and the view then looks as old as the last
  // commit.)
  EXPECT_TRUE(test::Eventually([&] {
    return Metric(metrics(), "waymark_inventory_stale") == "0" &&
           ChosenHost(node, kOld) == "fra1.example.org";
  }));
  ASSERT_TRUE(cluster_->PauseReplay().ok());
  ResumeReplay resume{cluster_.get()};
  // A change the standby receives and does not replay.
  ASSERT_TRUE(primary_
                  ->Sql("UPDATE mirrors SET comment = 'paused' "
                        "WHERE name = 'sgp1'")
                  .ok());
  const size_t log_before = node->redirector_log().size();
  HttpResponse r;
  EXPECT_TRUE(test::Eventually(
      [&] {
        r = node->Request(kOld, kDe);
        return r.Header("Location") == std::string(kFallback) + (kOld + 1);
      },
      20))
      << r.status << " " << r.Header("Location");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");
  std::string text = metrics();
  EXPECT_EQ(Metric(text, "waymark_inventory_stale"), "1") << text;
  EXPECT_GT(std::stod(Metric(text, "waymark_inventory_age_seconds")), 3.0)
      << text;
  EXPECT_NE(text.find("waymark_node_info{node=\"node-standby\"} 1\n"),
            std::string::npos);
  nlohmann::json stats = Json(node, "/mirrorstats?json", kDe);
  EXPECT_EQ(stats["view"], "hot standby, replay paused");
  EXPECT_EQ(stats["inventory_stale"], true);
  EXPECT_GT(stats["inventory_age_seconds"].get<double>(), 3.0);
  EXPECT_NE(node->Request("/mirrorstats", kDe).body.find("STALE"),
            std::string::npos);
  nlohmann::json list = Json(node, std::string(kOld) + "?json", kDe);
  EXPECT_TRUE(list["mirrors"].empty()) << list.dump();
  for (const auto& e : list["excluded"])
    EXPECT_EQ(e["reason"],
              "health not trusted: its last check is older than "
              "redirector.max_inventory_age, as is this node's inventory");
  EXPECT_TRUE(test::Eventually([&] {
    return node->redirector_log().find("STALE INVENTORY: it is ") !=
           std::string::npos;
  })) << node->redirector_log();
  EXPECT_NE(node->redirector_log().find(
                ", past redirector.max_inventory_age (3 s): hot standby, "
                "replay paused; mirrors whose last check is older than that "
                "are not chosen, fallbacks serve instead\n"),
            std::string::npos)
      << node->redirector_log();
  // The primary's node: the same checks, as old, on a current view.
  EXPECT_EQ(ChosenHost(primary_.get(), kOld), "fra1.example.org");
  EXPECT_EQ(Metric(primary_->Request("/mirrorstats?metrics", "").body,
                   "waymark_inventory_stale"),
            "0");

  ASSERT_TRUE(cluster_->ResumeReplay().ok());
  Replay();
  EXPECT_TRUE(test::Eventually(
      [&] { return ChosenHost(node, kOld) == "fra1.example.org"; }, 10));
  EXPECT_EQ(Metric(metrics(), "waymark_inventory_stale"), "0");
  EXPECT_TRUE(test::Eventually([&] {
    return node->redirector_log().find("inventory current again: ") !=
           std::string::npos;
  })) << node->redirector_log();
  EXPECT_EQ(Count(node->redirector_log().substr(log_before), "STALE INVENTORY"),
            1u)
      << "once for the node, not once per worker: " << node->redirector_log();
}

// A schema newer than this binary knows (the primary upgraded first): the
// node logs it once and keeps serving; when a change of that schema breaks
// a query it makes, the failure is named as such, once per worker, not
// each round.
TEST_F(ReplicaNodeTest, ANewerSchemaIsSaidOnceAndNamedWhenItBreaksQueries) {
  RedirectorStack* node = standby_.get();
  const std::string known = std::to_string(LatestSchemaVersion());
  ASSERT_TRUE(primary_
                  ->Sql("INSERT INTO waymark_schema (version, name) "
                        "VALUES (9999, 'from_the_future')")
                  .ok());
  Replay();
  const std::string warning =
      "the database's schema is version 9999, newer than this "
      "waymark-redirector knows (" +
      known +
      "): it serves from what it understands while its queries work; "
      "upgrade waymark on this node\n";
  EXPECT_TRUE(test::Eventually([&] {
    return node->redirector_log().find(warning) != std::string::npos;
  })) << node->redirector_log();
  std::this_thread::sleep_for(std::chrono::seconds(6));  // another round
  EXPECT_EQ(Count(node->redirector_log(), "newer than this"), 1u)
      << node->redirector_log();
  EXPECT_EQ(ChosenHost(node, kOld), "fra1.example.org");
  // That schema renames a column the redirector reads.
  ASSERT_TRUE(primary_
                  ->Sql("ALTER TABLE mirrors RENAME COLUMN trace_lag TO "
                        "trace_lag_seconds")
                  .ok());
  Replay();
  const std::string failure =
      "inventory refresh failed (the database's schema is version 9999, "
      "newer than this waymark-redirector knows (" +
      known + "), and its queries fail (";
  EXPECT_TRUE(test::Eventually([&] {
    return node->redirector_log().find(failure) != std::string::npos;
  })) << node->redirector_log();
  EXPECT_NE(node->redirector_log().find(
                "); upgrade waymark on this node); answering from what this "
                "worker has\n"),
            std::string::npos)
      << node->redirector_log();
  std::this_thread::sleep_for(std::chrono::seconds(6));  // another round
  EXPECT_LE(Count(node->redirector_log(), "inventory refresh failed"), 2u)
      << "once per worker (2), not each round: " << node->redirector_log();
  EXPECT_EQ(ChosenHost(node, kOld), "fra1.example.org") << "from what it has";
}

// For `make bench` (tests/bench/replica-delay), not the suite: the delay
// from `waymark mirror disable` on the primary (the command's return) to
// the standby node no longer sending clients to that mirror, over 20
// trials (each re-enables it first and waits for the node to use it
// again), with the standby's replay delay of the same trials beside it.
TEST_F(ReplicaNodeTest, DISABLED_BenchDisableToStandbyNode) {
  constexpr int kTrials = 20;
  std::vector<double> delays, replays;
  for (int i = 0; i < kTrials && !HasFailure(); ++i) {
    CommandResult r = primary_->Waymark({"mirror", "enable", "fra1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(test::Eventually(
        [&] { return ChosenHost(standby_.get(), kOld) == "fra1.example.org"; },
        15));
    // Trials start at random points of the nodes' refresh rounds.
    std::this_thread::sleep_for(std::chrono::milliseconds(137 * (i % 37)));
    r = primary_->Waymark({"mirror", "disable", "fra1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto changed = Clock::now();
    std::atomic<bool> replayed{false};
    double replay = 0;
    std::thread waiter([&] {
      replay = Replay();
      replayed = true;
    });
    while (ChosenHost(standby_.get(), kOld) == "fra1.example.org" &&
           SecondsSince(changed) < 30) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    delays.push_back(SecondsSince(changed));
    waiter.join();
    replays.push_back(replay);
  }
  ASSERT_EQ(delays.size(), static_cast<size_t>(kTrials));
  std::sort(delays.begin(), delays.end());
  std::sort(replays.begin(), replays.end());
  auto at = [](const std::vector<double>& v, double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
  };
  std::printf(
      "mirror disable on the primary -> standby node stops choosing it: "
      "p50 %.2f s, p99 %.2f s over %d trials (node refresh interval %.0f s, "
      "2 workers; standby replay p50 %.3f s, p99 %.3f s)\n",
      at(delays, 0.5), at(delays, 0.99), kTrials, kRefreshSeconds,
      at(replays, 0.5), at(replays, 0.99));
  EXPECT_LE(at(delays, 0.99), kRefreshSeconds + at(replays, 0.99) + 0.5);
}

}  // namespace
}  // namespace waymark
