// `waymark pick` on a real inventory: the file's holders come from the
// per-mirror bitmaps, health and freshness from their tables, the client's
// place from a crafted GeoIP database.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/test_mirrors.h"

namespace waymark {
namespace {

using test::RunWaymark;

class PickTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = test::SharedCluster()->CreateDatabase();
    const auto& f = test::SharedGeoFixtures();
    common_ = {"--database.dsn=" + dsn_, "--geoip.mmdb=" + f.city_mmdb,
               "--geoip.mmdb=" + f.asn_mmdb};
    ASSERT_EQ(Waymark({"db", "init"}).exit_code, 0);
    for (const test::TestMirror& m : test::TestMirrors()) {
      CommandResult r = Waymark(
          {"mirror", "add", m.name, "--no-geoip", "--https",
           std::string("https://") + m.name + ".example.org/pub/", "--http",
           std::string("http://") + m.name + ".example.org/pub/", "--country",
           m.country, "--asn", m.asn, "--lat", m.lat, "--lon", m.lon});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      if (std::string(m.name) != "off1") {
        ASSERT_EQ(Waymark({"mirror", "enable", m.name}).exit_code, 0);
      }
    }
    // File 9000 sits in chunk 1, bit 808. Everyone but sgp1 and bad1 holds
    // it; bad1 lists it at another size; sfo1 is down over HTTPS; old1 lags.
    Sql(R"SQL(
      INSERT INTO files (id, path, size, mtime, sha256)
        VALUES (9000, 'releases/server/jellyfin 10.9.deb', 4096, '2026-11-01 10:00:00+00',
                sha256('x'));
      INSERT INTO file_aliases (path, file_id) VALUES ('releases/latest.deb', 9000);
      INSERT INTO mirror_files (chunk, mirror_id, bits)
        SELECT 1, id, set_bit(decode(repeat('00', 1024), 'hex'), 808, 1)
          FROM mirrors WHERE name NOT IN ('sgp1', 'bad1');
      INSERT INTO mirror_file_problems (mirror_id, file_id, problem, mirror_size)
        SELECT id, 9000, 'wrong_size', 10 FROM mirrors WHERE name = 'bad1';
      UPDATE mirrors SET trace_lag = CASE name WHEN 'old1' THEN 99999 ELSE 30 END;
      INSERT INTO mirror_health (mirror_id, scheme, family, up)
        SELECT m.id, s.scheme, f.family, NOT (m.name = 'sfo1' AND s.scheme = 'https')
          FROM mirrors m, (VALUES ('http'), ('https')) s(scheme), (VALUES (4), (6)) f(family);
    )SQL");
  }

  CommandResult Waymark(std::vector<std::string> args) {
    args.insert(args.end(), common_.begin(), common_.end());
    return RunWaymark(args);
  }
  void Sql(const std::string& sql) {
    Status s = test::SharedCluster()->ExecSql(dsn_, sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  nlohmann::json Pick(std::vector<std::string> args) {
    args.insert(args.begin(), "pick");
    args.push_back("--json");
    CommandResult r = Waymark(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
  }

  std::string dsn_;
  std::vector<std::string> common_;
};

std::map<std::string, std::string> Excluded(const nlohmann::json& j) {
  std::map<std::string, std::string> out;
  for (const auto& e : j["excluded"]) out[e["mirror"]] = e["reason"];
  return out;
}

TEST_F(PickTest, ExplainsTheChoiceAndEveryExclusion) {
  nlohmann::json j =
      Pick({"/releases/server/jellyfin 10.9.deb", "--ip", "20.10.1.1"});
  EXPECT_EQ(j["size"], 4096);
  EXPECT_EQ(j["client"]["country"], "DE");
  EXPECT_EQ(j["client"]["asn"], 64500);
  ASSERT_EQ(j["ranked"].size(), 3u);
  EXPECT_EQ(j["ranked"][0]["mirror"], "fra1");
  EXPECT_EQ(j["ranked"][0]["tier"], "asn");
  EXPECT_EQ(j["ranked"][0]["url"],
            "http://fra1.example.org/pub/releases/server/jellyfin%2010.9.deb");
  EXPECT_EQ(j["ranked"][1]["mirror"], "par1");
  EXPECT_EQ(j["ranked"][1]["tier"], "continent");
  EXPECT_EQ(j["ranked"][2]["mirror"], "sfo1");
  EXPECT_EQ(j["ranked"][2]["tier"], "world");
  auto ex = Excluded(j);
  EXPECT_EQ(ex, (std::map<std::string, std::string>{
                    {"bad1", "has the file at another size"},
                    {"off1", "disabled"},
                    {"old1", "stale: 99999 s behind (limit 3600 s)"},
                    {"sgp1", "does not have the file"}}));
}

TEST_F(PickTest, HttpsIPv6AliasesAndSettings) {
  // An HTTPS client from the US over IPv6: sfo1 is down over HTTPS.
  nlohmann::json j =
      Pick({"releases/latest.deb", "--ip", "2600:1000::1", "--https"});
  EXPECT_EQ(j["path"], "releases/server/jellyfin 10.9.deb")
      << "the alias resolves to its file";
  EXPECT_EQ(j["client"]["family"], 6);
  ASSERT_EQ(j["ranked"].size(), 2u);
  EXPECT_EQ(Excluded(j)["sfo1"], "down over HTTPS (IPv6)");
  EXPECT_EQ(j["ranked"][0]["url"].get<std::string>().rfind("https://", 0), 0u);
  // A more lenient lag limit brings old1 back.
  j = Pick({"releases/latest.deb", "--ip", "2600:1000::1",
            "--redirector.max_lag=2d"});
  EXPECT_EQ(Excluded(j).count("old1"), 0u);
  // Down IPv4 over HTTP: the state changes are read from the database.
  Sql("UPDATE mirror_health SET up = false, reason = 'timeout' WHERE family = "
      "4 AND scheme = 'http' "
      "AND mirror_id = (SELECT id FROM mirrors WHERE name = 'fra1')");
  // By default an HTTP client then gets fra1 over HTTPS (still up) ...
  j = Pick({"releases/latest.deb", "--ip", "20.10.1.1"});
  EXPECT_EQ(j["ranked"][0]["mirror"], "fra1");
  EXPECT_EQ(j["ranked"][0]["https_upgrade"], true);
  EXPECT_EQ(j["ranked"][0]["url"].get<std::string>().rfind("https://fra1.", 0),
            0u);
  // ... and not when HTTP clients must stay on HTTP.
  j = Pick({"releases/latest.deb", "--ip", "20.10.1.1",
            "--redirector.http_to_https=false"});
  EXPECT_EQ(Excluded(j)["fra1"], "down over HTTP (IPv4)");
  EXPECT_EQ(j["ranked"][0]["mirror"], "par1");
  EXPECT_EQ(j["ranked"][0]["https_upgrade"], false);
  // Down over HTTPS as well: excluded, with both reasons.
  Sql("UPDATE mirror_health SET up = false, reason = 'timeout' WHERE family = "
      "4 "
      "AND mirror_id = (SELECT id FROM mirrors WHERE name = 'fra1')");
  j = Pick({"releases/latest.deb", "--ip", "20.10.1.1"});
  EXPECT_EQ(Excluded(j)["fra1"],
            "down over HTTP (IPv4), and down over HTTPS (IPv4)");
}

TEST_F(PickTest, TableOutputAndErrors) {
  CommandResult r =
      Waymark({"pick", "releases/latest.deb", "--ip", "40.10.1.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("client:  40.10.1.1, SG/AS AS64520 (IPv4, HTTP)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("RANK  MIRROR  TIER"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sgp1      does not have the file\n"), std::string::npos)
      << r.out;
  r = Waymark({"pick", "releases/nothing.deb", "--ip", "40.10.1.1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "waymark: file 'releases/nothing.deb' is not in the inventory\n");
  r = Waymark({"pick", "releases/latest.deb", "--ip", "300.1.1.1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: --ip: '300.1.1.1' is not an IP address\n");
  r = Waymark({"pick", "/releases/../etc/passwd", "--ip", "40.10.1.1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "waymark: '/releases/../etc/passwd': '.' or '..' segment in path\n");
  r = Waymark({"pick", "releases/latest.deb"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: pick: --ip ADDR is required\n");
  Sql("UPDATE mirrors SET enabled = false");
  r = Waymark({"pick", "releases/latest.deb", "--ip", "40.10.1.1"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("No mirror can serve this file to this client: the "
                       "redirector sends it to "
                       "the origin, if an internal location is configured, "
                       "else answers 503.\n"),
            std::string::npos)
      << r.out;
  r = Waymark({"pick", "releases/latest.deb", "--ip", "40.10.1.1",
               "--redirector.fallback", "https://ca.example.org/master/ CA",
               "--redirector.fallback", "https://sg.example.org/master/ SG",
               "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      nlohmann::json::parse(r.out)["fallback"],
      "https://sg.example.org/master/releases/server/jellyfin%2010.9.deb");
}

}  // namespace
}  // namespace waymark
