// waymark-redirector end to end: real clients (libcurl) -> real nginx running
// the shipped nginx/origin.conf -> the real prefork redirector -> the real
// inventory in PostgreSQL. Clients speak from the networks of
// tests/fixtures/geoip-networks.tsv through X-Forwarded-For.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/test_mirrors.h"

namespace waymark {
namespace {

using test::HttpResponse;
using test::RedirectorStack;

constexpr char kDe[] = "20.10.0.5", kFr[] = "20.20.0.5", kUs[] = "30.10.0.5",
               kSg[] = "40.10.0.5", kDe6[] = "2a01:1000::5",
               kUs6[] = "2600:1000::5";
constexpr char kFile[] = "/releases/server/jellyfin%2010.9.deb";
// sha256("x") in base64
constexpr char kDigest[] = "LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=";

std::string Host(const std::string& url) {
  size_t b = url.find("://");
  if (b == std::string::npos) return "";
  b += 3;
  return url.substr(b, url.find('/', b) - b);
}

class RedirectorTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(test::StackOptions options) {
    stack_.reset();
    if (options.redirector_config.empty())
      options.redirector_config = {
          "fallback = https://origin.example.org/master/ CA NA"};
    Status s = RedirectorStack::Create(options, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
    for (const test::TestMirror& m : test::TestMirrors()) {
      AddMirror(m.name, m.country, m.asn, m.lat, m.lon,
                std::string(m.name) != "off1");
    }
    // File 9000 (chunk 1, bit 808): held by all but sgp1 and bad1; bad1 has
    // it at another size; sfo1 is down over HTTPS; old1 lags an hour+;
    // sgp1 is reachable over IPv4 only.
    Sql(R"SQL(
      INSERT INTO files (id, path, size, mtime, sha256)
        VALUES (9000, 'releases/server/jellyfin 10.9.deb', 4096, '2026-11-01 10:00:00+00',
                sha256('x')),
               (9001, 'debian/pool/main/t/tiny_1.0.deb', 10, '2026-11-01 10:00:00+00', NULL);
      INSERT INTO file_aliases (path, file_id) VALUES ('releases/latest.deb', 9000);
      INSERT INTO mirror_files (chunk, mirror_id, bits)
        SELECT 1, id, set_bit(set_bit(decode(repeat('00', 1024), 'hex'), 808, 1), 809, 1)
          FROM mirrors WHERE name NOT IN ('sgp1', 'bad1');
      INSERT INTO mirror_file_problems (mirror_id, file_id, problem, mirror_size)
        SELECT id, 9000, 'wrong_size', 10 FROM mirrors WHERE name = 'bad1';
      UPDATE mirrors SET trace_lag = CASE name WHEN 'old1' THEN 99999 ELSE 30 END;
      INSERT INTO mirror_health (mirror_id, scheme, family, up)
        SELECT m.id, s.scheme, f.family,
               NOT (m.name = 'sfo1' AND s.scheme = 'https') AND NOT (m.name = 'sgp1' AND f.family = 6)
          FROM mirrors m, (VALUES ('http'), ('https')) s(scheme), (VALUES (4), (6)) f(family);
    )SQL");
    test::WriteFile(stack_->repository() + "/releases/server/jellyfin 10.9.deb",
                    std::string(4096, 'j'));
    test::WriteFile(stack_->repository() + "/debian/pool/main/t/tiny_1.0.deb",
                    "tiny file\n");
    test::WriteFile(stack_->repository() + "/debian/dists/stable/Release",
                    "Suite: stable\n");
    s = stack_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void AddMirror(const std::string& name, const std::string& cc,
                 const std::string& asn, const std::string& lat,
                 const std::string& lon, bool enable,
                 std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "mirror",    "add",
        name,        "--no-geoip",
        "--https",   "https://" + name + ".example.org/pub/",
        "--http",    "http://" + name + ".example.org/pub/",
        "--country", cc,
        "--asn",     asn,
        "--lat",     lat,
        "--lon",     lon};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = stack_->Waymark(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (enable) {
      ASSERT_EQ(stack_->Waymark({"mirror", "enable", name}).exit_code, 0);
    }
  }

  void Sql(const std::string& sql) {
    Status s = stack_->Sql(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  HttpResponse Get(const std::string& path, const std::string& ip,
                   bool https = false) {
    return stack_->Request(path, ip, "GET", https);
  }

  // Waits (up to 8 s: the 5 s snapshot interval and some) for `ok`.
  bool Eventually(const std::function<bool()>& ok) {
    return test::Eventually(ok, 8);
  }

  std::unique_ptr<RedirectorStack> stack_;
};

TEST_F(RedirectorTest, SendsEachClientToTheBestMirrorWithHeaders) {
  HttpResponse r = Get(kFile, kDe);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.Header("Location"),
            "http://fra1.example.org/pub/releases/server/jellyfin%2010.9.deb");
  EXPECT_EQ(r.Header("X-Waymark-Mirror"), "fra1; tier=asn");
  EXPECT_NE(stack_->redirector_log().find("file index: 2 files, 1 aliases"),
            std::string::npos)
      << stack_->redirector_log();
  EXPECT_EQ(r.Header("Cache-Control"), "private, no-store");
  EXPECT_EQ(r.Header("Digest"), std::string("SHA-256=") + kDigest);
  EXPECT_EQ(r.Header("Repr-Digest"), std::string("sha-256=:") + kDigest + ":");
  std::vector<std::string> links = r.Headers("Link");
  ASSERT_GE(links.size(), 2u);
  EXPECT_EQ(
      links[0],
      "<http://par1.example.org/pub/releases/server/jellyfin%2010.9.deb>; "
      "rel=duplicate; pri=1; geo=fr");
  EXPECT_NE(
      links.back().find(
          ".deb.meta4>; rel=describedby; type=\"application/metalink4+xml\""),
      std::string::npos)
      << links.back();

  EXPECT_EQ(Host(Get(kFile, kFr).Header("Location")), "par1.example.org");
  EXPECT_EQ(Get(kFile, kFr).Header("X-Waymark-Mirror"), "par1; tier=asn");
  EXPECT_EQ(Host(Get(kFile, kUs).Header("Location")), "sfo1.example.org");
  // sgp1 does not hold the file: an Asian client goes to the nearest holder.
  r = Get(kFile, kSg);
  EXPECT_NE(Host(r.Header("Location")), "sgp1.example.org");
  EXPECT_NE(r.Header("X-Waymark-Mirror").find("tier=world"), std::string::npos);
  // An alias redirects to its target's path.
  EXPECT_EQ(Get("/releases/latest.deb", kDe).Header("Location"),
            "http://fra1.example.org/pub/releases/server/jellyfin%2010.9.deb");
  // HEAD answers the same, without a body.
  r = stack_->Request(kFile, kDe, "HEAD");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(Host(r.Header("Location")), "fra1.example.org");
  EXPECT_EQ(r.body, "");
}

TEST_F(RedirectorTest, TheRedirectorAgreesWithWaymarkPick) {
  for (const char* ip : {kDe, kFr, kUs, kSg, kDe6}) {
    CommandResult p = stack_->Waymark(
        {"pick", "releases/server/jellyfin 10.9.deb", "--ip", ip, "--json"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    nlohmann::json j = nlohmann::json::parse(p.out);
    ASSERT_FALSE(j["ranked"].empty()) << p.out;
    // The redirect is one of the near-equal mirrors at the top of pick's
    // ranking (drawn by weight), named with its tier.
    std::set<std::string> allowed;
    size_t near = std::max<size_t>(1, j["near_equal"].get<size_t>());
    for (size_t i = 0; i < near; ++i)
      allowed.insert(j["ranked"][i]["mirror"].get<std::string>() +
                     "; tier=" + j["ranked"][i]["tier"].get<std::string>());
    for (int i = 0; i < 5; ++i) {
      std::string got = Get(kFile, ip).Header("X-Waymark-Mirror");
      EXPECT_EQ(allowed.count(got), 1u) << ip << ": " << got << "\n" << p.out;
    }
  }
}

TEST_F(RedirectorTest, NeverSendsAClientToAMirrorThatMustNotServe) {
  // off1 disabled, old1 stale, bad1 wrong size, sgp1 missing the file;
  // sfo1 down over HTTPS; sgp1 unreachable over IPv6.
  std::map<std::string, int> seen;
  for (int i = 0; i < 10; ++i) {
    for (const char* ip : {kDe, kFr, kUs, kSg, kDe6, kUs6}) {
      for (bool https : {false, true}) {
        HttpResponse r = Get(kFile, ip, https);
        ASSERT_EQ(r.status, 302) << ip << " " << r.body;
        std::string host = Host(r.Header("Location"));
        ++seen[host];
        EXPECT_NE(host, "off1.example.org");
        EXPECT_NE(host, "old1.example.org");
        EXPECT_NE(host, "bad1.example.org");
        EXPECT_NE(host, "sgp1.example.org");
        if (https) {
          EXPECT_EQ(r.Header("Location").rfind("https://", 0), 0u)
              << r.Header("Location");
          EXPECT_NE(host, "sfo1.example.org");
        }
        for (const std::string& link : r.Headers("Link")) {
          EXPECT_EQ(link.find("off1."), std::string::npos) << link;
          EXPECT_EQ(link.find("bad1."), std::string::npos) << link;
        }
      }
    }
  }
  EXPECT_GT(seen["fra1.example.org"], 0);
  EXPECT_GT(seen["sfo1.example.org"], 0);

  // The same file over IPv6 for sgp1 once it holds the file: still never.
  Sql("INSERT INTO mirror_files (chunk, mirror_id, bits) SELECT 1, id, "
      "set_bit(decode(repeat('00', 1024), 'hex'), 808, 1) FROM mirrors WHERE "
      "name = 'sgp1'");
  EXPECT_TRUE(Eventually([&] {
    return Host(Get(kFile, kSg).Header("Location")) == "sgp1.example.org";
  }));
  EXPECT_NE(Host(Get(kFile, "2400:1000::5").Header("Location")),
            "sgp1.example.org");
}

TEST_F(RedirectorTest, HttpClientsGoToHttpsOnlyMirrorsUnlessConfiguredNotTo) {
  // fra1 drops its HTTP URL: by default a German HTTP client still gets it,
  // over HTTPS; a mirror with both schemes keeps HTTP clients on HTTP.
  Sql("UPDATE mirrors SET http_url = NULL WHERE name = 'fra1'");
  EXPECT_TRUE(Eventually([&] {
    return Get(kFile, kDe).Header("Location") ==
           "https://fra1.example.org/pub/releases/server/jellyfin%2010.9.deb";
  })) << Get(kFile, kDe).Header("Location");
  EXPECT_EQ(Get(kFile, kDe).Header("X-Waymark-Mirror"), "fra1; tier=asn");
  EXPECT_EQ(
      Get(kFile, kFr).Header("Location").rfind("http://par1.example.org/", 0),
      0u);
  CommandResult p = stack_->Waymark(
      {"pick", "releases/server/jellyfin 10.9.deb", "--ip", kDe, "--json"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  nlohmann::json j = nlohmann::json::parse(p.out);
  EXPECT_EQ(j["ranked"][0]["mirror"], "fra1") << p.out;
  EXPECT_EQ(j["ranked"][0]["https_upgrade"], true) << p.out;

  // redirector.http_to_https = false: HTTP clients stay on HTTP mirrors.
  test::StackOptions keep;
  keep.redirector_config = {
      "fallback = https://origin.example.org/master/ CA NA",
      "http_to_https = false"};
  Start(keep);
  Sql("UPDATE mirrors SET http_url = NULL WHERE name = 'fra1'");
  EXPECT_TRUE(Eventually([&] {
    return Host(Get(kFile, kDe).Header("Location")) != "fra1.example.org";
  }));
  for (int i = 0; i < 10; ++i) {
    HttpResponse r = Get(kFile, kDe);
    EXPECT_EQ(r.Header("Location").rfind("http://", 0), 0u)
        << r.Header("Location");
    EXPECT_NE(Host(r.Header("Location")), "fra1.example.org");
  }
  p = stack_->Waymark(
      {"pick", "releases/server/jellyfin 10.9.deb", "--ip", kDe});
  EXPECT_NE(p.out.find("has no HTTP URL"), std::string::npos) << p.out;
}

TEST_F(RedirectorTest, RestrictionsAndStateChangesTakeEffectWithinFiveSeconds) {
  // fra1 becomes country-only: a French client never gets it; then it is
  // disabled and nobody does.
  Sql("UPDATE mirrors SET country_only = true WHERE name = 'par1'");
  // par1 is one of the near-equal mirrors a Singapore client may draw:
  // one answer without it proves nothing; 20 in a row do, from every
  // worker (each reads the change with its next refresh).
  EXPECT_TRUE(Eventually([&] {
    for (int i = 0; i < 20; ++i)
      if (Host(Get(kFile, kSg).Header("Location")) == "par1.example.org")
        return false;
    return true;
  }));
  for (int i = 0; i < 20; ++i)
    EXPECT_NE(Host(Get(kFile, kSg).Header("Location")), "par1.example.org");
  EXPECT_EQ(Host(Get(kFile, kFr).Header("Location")), "par1.example.org");

  auto before = std::chrono::steady_clock::now();
  ASSERT_EQ(stack_->Waymark({"mirror", "disable", "fra1"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] {
    return Host(Get(kFile, kDe).Header("Location")) != "fra1.example.org";
  }));
  EXPECT_LE(std::chrono::steady_clock::now() - before,
            std::chrono::milliseconds(6500));
  for (int i = 0; i < 20; ++i)
    EXPECT_NE(Host(Get(kFile, kDe).Header("Location")), "fra1.example.org");
}

TEST_F(RedirectorTest, NewFilesAndRescansArriveWithinFiveSeconds) {
  // Every worker has cached "not found" for the new path.
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(Get("/releases/new.iso", kDe).status, 404);
  Sql("INSERT INTO files (id, path, size, mtime, sha256) VALUES "
      "(9002, 'releases/new.iso', 7, now(), sha256('new'));"
      "UPDATE mirror_files SET bits = set_bit(bits, 810, 1) WHERE chunk = 1 "
      "AND mirror_id = "
      "(SELECT id FROM mirrors WHERE name = 'par1')");
  EXPECT_TRUE(
      Eventually([&] { return Get("/releases/new.iso", kDe).status == 302; }));
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(Host(Get("/releases/new.iso", kDe).Header("Location")),
              "par1.example.org");
  EXPECT_EQ(
      Get("/releases/new.iso", kDe).Header("Digest"),
      "SHA-256=EVB6Di9eadXfpApiob17buV+a82FxnybhDGzb/8hxDc=");  // of "new"
  // fra1 is rescanned and now has it too: as the better mirror it takes over.
  Sql("UPDATE mirror_files SET bits = set_bit(bits, 810, 1) WHERE chunk = 1 "
      "AND mirror_id = "
      "(SELECT id FROM mirrors WHERE name = 'fra1')");
  EXPECT_TRUE(Eventually([&] {
    return Host(Get("/releases/new.iso", kDe).Header("Location")) ==
           "fra1.example.org";
  }));
  // The file is removed from the repository: 404 again.
  Sql("DELETE FROM files WHERE id = 9002");
  EXPECT_TRUE(
      Eventually([&] { return Get("/releases/new.iso", kDe).status == 404; }));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(Get("/releases/new.iso", kDe).status, 404);
}

TEST_F(RedirectorTest, WeightsShareTheLoadAmongNearEqualMirrors) {
  AddMirror("fra2", "DE", "64500", "50.12", "8.69", true, {"--weight", "300"});
  Sql("INSERT INTO mirror_files (chunk, mirror_id, bits) SELECT 1, id, "
      "set_bit(decode(repeat('00', 1024), 'hex'), 808, 1) FROM mirrors WHERE "
      "name = 'fra2';"
      "INSERT INTO mirror_health (mirror_id, scheme, family, up) SELECT id, "
      "'http', 4, true "
      "FROM mirrors WHERE name = 'fra2'; UPDATE mirrors SET trace_lag = 5 "
      "WHERE name = 'fra2';");
  ASSERT_TRUE(Eventually([&] {
    return Host(Get(kFile, kDe).Header("Location")) == "fra2.example.org";
  }));
  // fra1 has weight 100, fra2 300: fra2 should get 3/4. With 400 draws the
  // count has a standard deviation of 8.7; allow 4 of them.
  int fra2 = 0, n = 400;
  for (int i = 0; i < n; ++i) {
    std::string host = Host(Get(kFile, kDe).Header("Location"));
    ASSERT_TRUE(host == "fra1.example.org" || host == "fra2.example.org")
        << host;
    fra2 += host == "fra2.example.org";
  }
  EXPECT_NEAR(fra2, 300, 35) << "fra2 got " << fra2 << " of " << n;
}

TEST_F(RedirectorTest, BadRequestsGetClearAnswers) {
  HttpResponse r = stack_->Request(kFile, kDe, "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
  EXPECT_EQ(Get("/releases/a%01b.deb", kDe).status, 400);
  EXPECT_EQ(Get("/releases/a%7fb.deb", kDe).status, 400);
  EXPECT_EQ(Get("/releases/" + std::string(4100, 'a') + ".deb", kDe).status,
            400);
  EXPECT_EQ(Get("/releases/%2e%2e/%2e%2e/etc/passwd", kDe).status, 400);
  r = Get("/releases/unknown.deb", kDe);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("not in the inventory"), std::string::npos) << r.body;
  // nginx rejects some on its own; whatever answers, it is a 4xx and the
  // workers are all still there.
  for (const char* bad :
       {"/a%00b.deb", "/a%zz.deb", "/%", "/releases/../../x"}) {
    long st = Get(bad, kDe).status;
    EXPECT_TRUE(st >= 400 && st < 500) << bad << " " << st;
  }
  EXPECT_EQ(Get(kFile, kDe).status, 302);
  EXPECT_EQ(stack_->redirector_log().find("died"), std::string::npos)
      << stack_->redirector_log();
}

TEST_F(RedirectorTest, DirectoriesAreListedByNginxNotRedirected) {
  HttpResponse r = Get("/releases/server/", kDe);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("jellyfin%2010.9.deb"), std::string::npos) << r.body;
}

TEST_F(RedirectorTest, OneWorkerServesManyKeptAliveConnections) {
  // nginx keeps up to 32 FastCGI connections open per nginx worker; one
  // redirector worker must answer all of them without starving any.
  Start({1, {}});
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 50; ++i) (Get(kFile, kDe).status == 302 ? ok : bad)++;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok, 300);
  EXPECT_EQ(bad, 0);
  ASSERT_EQ(stack_->WorkerPids().size(), 1u);
  // Only large types reach the redirector; metadata is served by nginx.
  HttpResponse r = Get("/debian/dists/stable/Release", kDe);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Suite: stable\n");
}

TEST_F(RedirectorTest, FallbackThenOriginThen503) {
  ASSERT_EQ(stack_->Waymark({"mirror", "disable", "fra1"}).exit_code, 0);
  for (const char* m : {"par1", "sfo1", "old1", "sgp1", "bad1"})
    ASSERT_EQ(stack_->Waymark({"mirror", "disable", m}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] {
    return Get(kFile, kDe).Header("Location") ==
           "https://origin.example.org/master/releases/server/"
           "jellyfin%2010.9.deb";
  }));
  EXPECT_EQ(Get(kFile, kDe).Header("X-Waymark-Mirror"),
            "fallback; reason=no candidate mirror");

  // No fallback, an internal location: nginx serves the file itself.
  Start({2, {"local_location = /_origin/", "min_size = 100"}});
  for (const char* m : {"fra1", "par1", "sfo1", "old1", "sgp1", "bad1"})
    ASSERT_EQ(stack_->Waymark({"mirror", "disable", m}).exit_code, 0);
  HttpResponse r;
  // The workers read the mirrors at start: the change is theirs within
  // the refresh interval.
  EXPECT_TRUE(Eventually([&] {
    r = Get(kFile, kDe);
    return r.status == 200;
  })) << r.status;
  EXPECT_EQ(r.body, std::string(4096, 'j'));
  // A small file is served by the origin even when mirrors have it.
  Start({2, {"local_location = /_origin/", "min_size = 100"}});
  r = Get("/debian/pool/main/t/tiny_1.0.deb", kDe);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "tiny file\n");
  EXPECT_EQ(Get(kFile, kDe).status, 302);
  // The internal location cannot be asked for directly.
  EXPECT_EQ(Get("/_origin/debian/pool/main/t/tiny_1.0.deb", kDe).status, 404);

  // Neither: 503 with Retry-After.
  Start({2, {"max_link_headers = 5"}});
  for (const char* m : {"fra1", "par1", "sfo1", "old1", "sgp1", "bad1"})
    ASSERT_EQ(stack_->Waymark({"mirror", "disable", m}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] {
    r = Get(kFile, kDe);
    return r.status == 503;
  })) << r.status;
  EXPECT_EQ(r.Header("Retry-After"), "60");
}

TEST_F(RedirectorTest, AWorkerThatDiesIsReplaced) {
  std::vector<pid_t> workers = stack_->WorkerPids();
  ASSERT_EQ(workers.size(), 2u);
  kill(workers[0], SIGKILL);
  EXPECT_TRUE(Eventually([&] {
    auto now = stack_->WorkerPids();
    return now.size() == 2 && now[0] != workers[0] && now[1] != workers[0];
  }));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Get(kFile, kDe).status, 302);
  EXPECT_NE(stack_->redirector_log().find("died (signal 9); restarting it"),
            std::string::npos)
      << stack_->redirector_log();
}

TEST_F(RedirectorTest, ReloadOnHupLosesNoRequest) {
  EXPECT_EQ(Get(kFile, kDe).Headers("Link").size(),
            3u);  // par1, sfo1, describedby
  stack_->RewriteConfig({"max_link_headers = 1"});
  std::vector<pid_t> before = stack_->WorkerPids();
  int failures = 0, total = 0;
  std::thread load([&] {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < end) {
      ++total;
      if (Get(kFile, kDe).status != 302) ++failures;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(stack_->SignalRedirector(SIGHUP).ok());
  load.join();
  EXPECT_EQ(failures, 0) << "of " << total;
  EXPECT_GT(total, 20);
  EXPECT_EQ(Get(kFile, kDe).Headers("Link").size(), 2u)
      << "the new setting applies";
  std::vector<pid_t> after = stack_->WorkerPids();
  for (pid_t p : before)
    EXPECT_EQ(std::count(after.begin(), after.end(), p), 0);

  // A broken file on reload: reported, and the running configuration stays.
  test::WriteFile(stack_->config_path(), "[redirector]\nworkers = lots\n");
  ASSERT_TRUE(stack_->SignalRedirector(SIGHUP).ok());
  EXPECT_TRUE(Eventually([&] {
    return stack_->redirector_log().find("reload failed") != std::string::npos;
  }));
  EXPECT_EQ(Get(kFile, kDe).status, 302);
}

TEST_F(RedirectorTest, GracefulStopRemovesSocketAndPidfile) {
  std::string pidfile = test::ReadFile(stack_->config_path());
  ASSERT_TRUE(stack_->SignalRedirector(SIGQUIT).ok());
  int code = -1;
  ASSERT_TRUE(stack_->WaitRedirector(10000, &code).ok());
  EXPECT_EQ(code, 0);
  EXPECT_NE(stack_->redirector_log().find("graceful stop"), std::string::npos);
  EXPECT_EQ(
      access((stack_->repository() + "/../redirector.sock").c_str(), F_OK), -1);
  EXPECT_EQ(access((stack_->repository() + "/../redirector.pid").c_str(), F_OK),
            -1);
  // nginx now serves the file itself rather than fail (error_page 502).
  HttpResponse r = Get(kFile, kDe);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 4096u);
}

TEST_F(RedirectorTest, Usr1ReopensTheLogAfterRotation) {
  test::TempDir logs;
  Start({2, {"[log]", "file = " + (logs / "redirector.log")}});
  EXPECT_TRUE(Eventually([&] {
    return test::ReadFile(logs / "redirector.log").find("ready") !=
           std::string::npos;
  }));
  ASSERT_EQ(rename((logs / "redirector.log").c_str(),
                   (logs / "redirector.log.1").c_str()),
            0);
  ASSERT_TRUE(stack_->SignalRedirector(SIGUSR1).ok());
  EXPECT_TRUE(Eventually([&] {
    return test::ReadFile(logs / "redirector.log").find("log reopened") !=
           std::string::npos;
  }));
  kill(stack_->WorkerPids().at(0),
       SIGKILL);  // the master logs the restart to the new file
  EXPECT_TRUE(Eventually([&] {
    return test::ReadFile(logs / "redirector.log").find("restarting it") !=
           std::string::npos;
  }));
  EXPECT_EQ(test::ReadFile(logs / "redirector.log.1").find("restarting it"),
            std::string::npos);
  EXPECT_EQ(Get(kFile, kDe).status, 302);
}

TEST_F(RedirectorTest, KeepsAnsweringWhilePostgresIsAway) {
  ASSERT_EQ(Get(kFile, kDe).status, 302);  // cached now in some worker
  ASSERT_EQ(Get(kFile, kDe).status, 302);
  test::SharedCluster()->Stop();
  int redirects = 0;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = Get(kFile, kDe);
    ASSERT_NE(r.status, 500);
    ASSERT_EQ(r.status, 302) << r.body;
    redirects += Host(r.Header("Location")) == "fra1.example.org";
  }
  // A worker that had not cached the file sends the client to the fallback.
  EXPECT_GT(redirects, 0);
  std::string last;
  // A file nobody knows may be new: the fallback, once the workers noticed
  // the database is away (their next refresh, within 5 s).
  EXPECT_TRUE(Eventually([&] {
    HttpResponse r = Get("/releases/never-seen.deb", kDe);
    last = std::to_string(r.status) + " " + r.Header("X-Waymark-Mirror") + " " +
           r.body;
    return r.status == 302 && r.Header("X-Waymark-Mirror") ==
                                  "fallback; reason=inventory unavailable";
  })) << last;
  for (int i = 0; i < 10; ++i)
    EXPECT_NE(Get("/releases/never-seen.deb", kDe).status, 500);
  Status s = test::SharedCluster()->Start();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(Eventually([&] {
    return Get("/releases/never-seen.deb", kDe).status == 404;
  })) << "workers reconnect by themselves";
  EXPECT_EQ(Host(Get(kFile, kDe).Header("Location")), "fra1.example.org");
}

// Makes PostgreSQL hang for the master: a file is added (the index is due
// for a rebuild) and `mirrors`, which every read of the inventory's
// counters takes, is locked from a connection of the test's own until
// `lock` is destroyed. Returns once a backend of the redirector's waits on
// the lock (the next repository check, within 5 s).
void HangPostgres(RedirectorStack* stack,
                  std::unique_ptr<pqxx::connection>* lock_conn,
                  std::unique_ptr<pqxx::work>* lock) {
  ASSERT_TRUE(stack
                  ->Sql("INSERT INTO files (id, path, size, mtime) "
                        "VALUES (9100, 'releases/rebuild.iso', 1, now())")
                  .ok());
  *lock_conn = std::make_unique<pqxx::connection>(stack->dsn());
  *lock = std::make_unique<pqxx::work>(**lock_conn);
  (*lock)->exec("LOCK TABLE mirrors IN ACCESS EXCLUSIVE MODE");
  pqxx::connection watch(stack->dsn());
  bool waiting = false;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (!waiting && std::chrono::steady_clock::now() < end) {
    pqxx::nontransaction tx(watch);
    waiting = tx.exec1(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() "
                    "AND wait_event_type = 'Lock'")[0]
                  .as<int>() > 0;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(waiting) << "nothing waited on the lock: "
                       << stack->redirector_log();
}

// Waits up to `ms` for a dead worker's replacement.
bool Respawned(RedirectorStack* stack, pid_t dead, size_t workers, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    auto now = stack->WorkerPids();
    if (now.size() == workers && std::count(now.begin(), now.end(), dead) == 0)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// The master waits on signals and children only: while PostgreSQL hangs in
// the middle of an index rebuild it still restarts a dead worker and stops
// when told, each within a second.
void CheckMasterWhilePostgresHangs(RedirectorStack* stack, int stop_signal) {
  std::unique_ptr<pqxx::connection> lock_conn;
  std::unique_ptr<pqxx::work> lock;
  HangPostgres(stack, &lock_conn, &lock);
  if (::testing::Test::HasFatalFailure()) return;
  std::vector<pid_t> workers = stack->WorkerPids();
  ASSERT_EQ(workers.size(), 2u);
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  EXPECT_TRUE(Respawned(stack, workers[0], 2, 1000)) << stack->redirector_log();
  auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(stack->SignalRedirector(stop_signal).ok());
  int code = -1;
  Status s = stack->WaitRedirector(1000, &code);
  EXPECT_TRUE(s.ok()) << "the master did not stop within 1 s: " << s.message()
                      << "\n"
                      << stack->redirector_log();
  EXPECT_LE(std::chrono::steady_clock::now() - sent,
            std::chrono::milliseconds(1100));
  if (s.ok()) {
    EXPECT_EQ(code, 0);
  }
}

// Clients looping on a download from their own threads until Stop():
// how many answers, which were not a 302, and the slowest.
class Load {
 public:
  Load(RedirectorStack* stack, int clients) {
    for (int i = 0; i < clients; ++i)
      threads_.emplace_back([this, stack] {
        while (!stop_) {
          auto start = std::chrono::steady_clock::now();
          HttpResponse r = stack->Request(kFile, kDe);
          long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
          std::lock_guard<std::mutex> lock(mu_);
          ++requests_;
          slowest_ms_ = std::max(slowest_ms_, ms);
          if (r.status != 302 && bad_++ == 0)
            first_bad_ = std::to_string(r.status) + " " + r.body;
        }
      });
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  // After Stop().
  std::string Summary() const {
    return std::to_string(requests_) + " requests, " + std::to_string(bad_) +
           " not a 302 (first: " + first_bad_ + "), slowest " +
           std::to_string(slowest_ms_) + " ms";
  }
  // After Stop(): no request was delayed or refused, and there were enough
  // of them to say so (the clients kept asking all along).
  void ExpectEveryRequestA302WithinASecond() const {
    EXPECT_EQ(bad_, 0) << Summary();
    EXPECT_LT(slowest_ms_, 1000) << Summary();
    EXPECT_GT(requests_, 100) << Summary();
  }
  int requests_ = 0, bad_ = 0;
  long long slowest_ms_ = 0;
  std::string first_bad_;

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// The pages answer from what the worker has, and say it may be stale.
void ExpectPagesMarkedStale(RedirectorStack* stack) {
  for (int i = 0; i < 4; ++i) {
    auto start = std::chrono::steady_clock::now();
    HttpResponse stats = stack->Request("/mirrorstats", kDe);
    HttpResponse list = stack->Request(std::string(kFile) + "/mirrorlist", kDe);
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::milliseconds(1000));
    EXPECT_EQ(stats.status, 200);
    EXPECT_NE(stats.body.find("The database is unavailable: states are as "
                              "this server last saw them at "),
              std::string::npos)
        << stats.body;
    EXPECT_EQ(list.status, 200);
    EXPECT_NE(list.body.find("Possibly out of date: this server cannot read "
                             "its database now"),
              std::string::npos)
        << list.body;
    EXPECT_NE(list.body.find("<td>fra1 (DE)</td>"), std::string::npos)
        << "the mirrors it had";
  }
}

// Issue #18, item 3: `mirrors` locked for 15 s, which every refresh round
// reads, while four clients loop on a download. No request waits on the
// database: each is a 302 within 1 s; a worker killed meanwhile is back
// within 1 s (and leaves the requests to the other until it has data);
// the pages say their data may be stale; each refresh gives up after
// redirector.query_timeout (statement_timeout, lock_timeout); SIGTERM acts
// within 1 s, lock still held.
TEST_F(RedirectorTest, ALockedInventoryDelaysNoRequest) {
  test::StackOptions options;
  options.redirector_config = {
      "fallback = https://origin.example.org/master/ CA NA",
      "query_timeout = 2s"};
  Start(options);
  ASSERT_EQ(Get(kFile, kDe).status, 302);
  ASSERT_EQ(Get(std::string(kFile) + "/mirrorlist", kDe).status, 200);
  Load load(stack_.get(), 4);
  std::unique_ptr<pqxx::connection> lock_conn;
  std::unique_ptr<pqxx::work> lock;
  HangPostgres(stack_.get(), &lock_conn, &lock);
  if (HasFatalFailure()) return;
  auto locked_at = std::chrono::steady_clock::now();
  std::vector<pid_t> workers = stack_->WorkerPids();
  ASSERT_EQ(workers.size(), 2u);
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  EXPECT_TRUE(Respawned(stack_.get(), workers[0], 2, 1000))
      << stack_->redirector_log();
  std::this_thread::sleep_until(locked_at + std::chrono::seconds(12));
  ExpectPagesMarkedStale(stack_.get());
  std::this_thread::sleep_until(locked_at + std::chrono::seconds(15));
  load.Stop();
  load.ExpectEveryRequestA302WithinASecond();
  EXPECT_NE(stack_->redirector_log().find("canceling statement due to"),
            std::string::npos)
      << stack_->redirector_log();
  auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(stack_->SignalRedirector(SIGTERM).ok());
  int code = -1;
  Status s = stack_->WaitRedirector(1000, &code);
  EXPECT_TRUE(s.ok()) << "the master did not stop within 1 s: " << s.message();
  EXPECT_LE(std::chrono::steady_clock::now() - sent,
            std::chrono::milliseconds(1100));
}

// Every process of the shared PostgreSQL cluster stopped (SIGSTOP) until
// destroyed, then continued, whatever the test does meanwhile: a network
// partition, where queries and connection attempts hang rather than fail.
class StoppedPostgres {
 public:
  StoppedPostgres() {
    std::ifstream in(test::SharedCluster()->socket_dir() +
                     "/data/postmaster.pid");
    pid_t postmaster = -1;
    in >> postmaster;
    if (postmaster <= 0 || kill(postmaster, SIGSTOP) != 0) return;
    pids_.push_back(postmaster);  // it forks no more backends now
    std::ifstream children("/proc/" + std::to_string(postmaster) + "/task/" +
                           std::to_string(postmaster) + "/children");
    for (pid_t c; children >> c;)
      if (kill(c, SIGSTOP) == 0) pids_.push_back(c);
  }
  ~StoppedPostgres() {
    for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) kill(*it, SIGCONT);
  }
  size_t stopped() const { return pids_.size(); }

 private:
  std::vector<pid_t> pids_;
};

// Issue #18, item 3: the database server stopped for 15 s under load (the
// workers' connections hang, and so would new ones): each request is a 302
// within 1 s, the pages are answered and marked stale, and once the server
// runs again the workers' data is fresh again by itself.
TEST_F(RedirectorTest, AStoppedDatabaseServerDelaysNoRequest) {
  ASSERT_EQ(Get(kFile, kDe).status, 302);
  ASSERT_EQ(Get("/mirrorstats", kDe).status, 200);
  Load load(stack_.get(), 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    StoppedPostgres stopped;
    ASSERT_GE(stopped.stopped(), 3u) << "the postmaster and its processes";
    auto stopped_at = std::chrono::steady_clock::now();
    std::this_thread::sleep_until(stopped_at + std::chrono::seconds(13));
    ExpectPagesMarkedStale(stack_.get());
    std::this_thread::sleep_until(stopped_at + std::chrono::seconds(15));
    load.Stop();
  }
  load.ExpectEveryRequestA302WithinASecond();
  EXPECT_TRUE(test::Eventually(
      [&] {
        HttpResponse list = Get(std::string(kFile) + "/mirrorlist", kDe);
        HttpResponse stats = Get("/mirrorstats", kDe);
        return list.body.find("Data as of") != std::string::npos &&
               stats.body.find("Data as of") != std::string::npos;
      },
      20))
      << Get("/mirrorstats", kDe).body;
}

// A scan adds a release: as soon as a worker sees the files counter move it
// serves the file (the fallback here; the origin where there is none), and
// once the master's new index is in, within the refresh interval and the
// build, clients go to the mirror that has it. It is never a 404 again.
TEST_F(RedirectorTest, ANewReleaseIsServedAtOnceAndSoonFromMirrors) {
  test::WriteFile(stack_->repository() + "/releases/new-release.iso",
                  "new release");
  Sql("INSERT INTO files (id, path, size, mtime, sha256) VALUES "
      "(9003, 'releases/new-release.iso', 11, now(), sha256('new'));"
      "UPDATE mirror_files SET bits = set_bit(bits, 811, 1) WHERE chunk = 1 "
      "AND mirror_id = (SELECT id FROM mirrors WHERE name = 'par1')");
  auto added = std::chrono::steady_clock::now();
  bool served = false;
  std::string last;
  while (std::chrono::steady_clock::now() - added < std::chrono::seconds(12)) {
    HttpResponse r = Get("/releases/new-release.iso", kDe);
    last = std::to_string(r.status) + " " + r.Header("Location");
    if (r.status != 404) served = true;
    if (served) {
      ASSERT_EQ(r.status, 302) << last << " " << r.body;
    }
    if (Host(r.Header("Location")) == "par1.example.org") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto took = std::chrono::steady_clock::now() - added;
  EXPECT_EQ(last, "302 http://par1.example.org/pub/releases/new-release.iso");
  EXPECT_LT(took, std::chrono::seconds(9))
      << "5 s refresh, 1 s for the master, the build and new workers";
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(Host(Get("/releases/new-release.iso", kDe).Header("Location")),
              "par1.example.org");
}

TEST_F(RedirectorTest, GracefulStopAndRestartsDoNotWaitOnPostgres) {
  CheckMasterWhilePostgresHangs(stack_.get(), SIGQUIT);
}

TEST_F(RedirectorTest, FastStopAndRestartsDoNotWaitOnPostgres) {
  CheckMasterWhilePostgresHangs(stack_.get(), SIGTERM);
}

// Workers must not share a connection the master made (two processes on one
// libpq connection garble it): the master holds none, only its listen
// socket, also after it has checked the repository and rebuilt the index.
TEST_F(RedirectorTest, TheMasterHoldsNoDatabaseConnection) {
  Sql("INSERT INTO files (id, path, size, mtime) VALUES (9100, "
      "'releases/rebuild.iso', 1, now())");
  EXPECT_TRUE(Eventually([&] {
    return stack_->redirector_log().find("file index: 3 files") !=
           std::string::npos;
  })) << stack_->redirector_log();
  std::this_thread::sleep_for(std::chrono::seconds(6));  // one more check
  std::string fd_dir = "/proc/" + std::to_string(stack_->master_pid()) + "/fd";
  int sockets = 0;
  std::string seen;
  for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
    std::error_code ec;
    std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    seen += e.path().filename().string() + " -> " + target + "\n";
    sockets += target.rfind("socket:", 0) == 0;
  }
  EXPECT_EQ(sockets, 1) << seen;
}

TEST(RedirectorCommandLine, TestConfigReportsProblems) {
  test::TempDir dir;
  test::WriteFile(dir / "bad.conf", "[redirector]\nworkers = 0\n");
  CommandResult r =
      test::RunBinary("waymark-redirector", {"-t", "-c", dir / "bad.conf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.conf:2"), std::string::npos) << r.err;
  test::WriteFile(dir / "nodb.conf", "[database]\ndsn = host=" + dir.path() +
                                         " dbname=nothing connect_timeout=2\n");
  r = test::RunBinary("waymark-redirector",
                      {"--test-config", "-c", dir / "nodb.conf"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot connect to PostgreSQL"), std::string::npos)
      << r.err;
  r = test::RunBinary("waymark-redirector", {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--test-config"), std::string::npos);
}

}  // namespace
}  // namespace waymark
