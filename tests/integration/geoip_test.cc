// GeoIP against databases built at test time (tests/fixtures/): MaxMind DB
// City, ASN and IPinfo lite files through libmaxminddb, and an IPFire
// location database through libloc. Exact look-ups, merging, unknown and
// private addresses, broken files, `waymark geoip` and `waymark mirror add`.
#include "core/geo/geoip.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/geo/country.h"
#include "core/geo/mirror_geo.h"
#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"

namespace waymark {
namespace {

using test::RunWaymark;
using test::SharedGeoFixtures;

IpAddress Ip(const std::string& s) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::Parse(s, &a)) << s;
  return a;
}

std::unique_ptr<GeoIp> Open(const std::vector<std::string>& mmdb,
                            const std::string& loc = "") {
  std::unique_ptr<GeoIp> g;
  Status s = GeoIp::Open(mmdb, loc, &g);
  EXPECT_TRUE(s.ok()) << s.message();
  return g;
}

struct Expect {
  const char* addr;
  const char* country;
  const char* continent;
  long long asn;  // 0: none
  double lat;     // 0 with lon 0: none
  double lon;
};

void Check(const GeoIp& g, const Expect& e, bool centroid = false) {
  GeoLocation l = g.Lookup(Ip(e.addr));
  EXPECT_EQ(l.country, e.country) << e.addr;
  EXPECT_EQ(l.continent, e.continent) << e.addr;
  if (e.asn) {
    EXPECT_EQ(l.asn.value_or(-1), e.asn) << e.addr;
  } else {
    EXPECT_FALSE(l.asn.has_value()) << e.addr;
  }
  if (e.lat != 0 || e.lon != 0) {
    ASSERT_TRUE(l.latitude.has_value()) << e.addr;
    EXPECT_NEAR(*l.latitude, e.lat, 1e-4) << e.addr;
    EXPECT_NEAR(*l.longitude, e.lon, 1e-4) << e.addr;
  } else {
    EXPECT_FALSE(l.latitude.has_value()) << e.addr;
  }
  EXPECT_EQ(l.centroid, centroid) << e.addr;
}

TEST(GeoIpTest, CityFileExactLookups) {
  auto g = Open({SharedGeoFixtures().city_mmdb});
  const Expect cases[] = {
      {"20.10.1.1", "DE", "EU", 0, 50.1109, 8.6821},
      {"20.20.255.254", "FR", "EU", 0, 48.8566, 2.3522},
      {"30.10.0.1", "US", "NA", 0, 37.7749, -122.4194},
      {"30.20.7.7", "CA", "NA", 0, 43.6532, -79.3832},
      {"40.10.3.3", "SG", "AS", 0, 1.3521, 103.8198},
      {"40.20.5.5", "JP", "AS", 0, 35.6762, 139.6503},
      {"50.10.9.9", "BR", "SA", 0, -23.5505, -46.6333},
      {"60.10.1.2", "AU", "OC", 0, -33.8688, 151.2093},
      {"::ffff:20.10.1.1", "DE", "EU", 0, 50.1109, 8.6821},
      {"2a01:1000::1", "DE", "EU", 0, 50.1109, 8.6821},
      {"2600:1000:ffff::9", "US", "NA", 0, 37.7749, -122.4194},
      {"2400:1000::5", "SG", "AS", 0, 1.3521, 103.8198},
      {"2800:1000::1", "BR", "SA", 0, -23.5505, -46.6333},
  };
  for (const auto& e : cases) Check(*g, e);
}

TEST(GeoIpTest, CityAndAsnFilesAreMerged) {
  const auto& f = SharedGeoFixtures();
  auto asn_only = Open({f.asn_mmdb});
  Check(*asn_only, {"30.10.0.1", "", "", 64510, 0, 0});
  Check(*asn_only, {"2a01:1000::1", "", "", 64500, 0, 0});

  auto g = Open({f.city_mmdb, f.asn_mmdb});
  ASSERT_EQ(g->readers().size(), 2u);
  Check(*g, {"20.10.1.1", "DE", "EU", 64500, 50.1109, 8.6821});
  Check(*g, {"2600:1000::1", "US", "NA", 64510, 37.7749, -122.4194});
  // Only the ASN file knows 90.10.0.0/16.
  Check(*g, {"90.10.4.4", "", "", 64560, 0, 0});
  // The City file has ZA without coordinates: the centroid stands in.
  double lat, lon;
  ASSERT_TRUE(CountryCentroid("ZA", &lat, &lon));
  Check(*g, {"70.10.1.1", "ZA", "AF", 64550, lat, lon}, /*centroid=*/true);

  auto each = g->LookupEach(Ip("20.10.1.1"));
  ASSERT_EQ(each.size(), 2u);
  EXPECT_EQ(each[0].first->path(), f.city_mmdb);
  EXPECT_EQ(each[0].second.country, "DE");
  EXPECT_FALSE(each[0].second.asn.has_value());
  EXPECT_EQ(each[1].second.asn.value_or(0), 64500);
  EXPECT_EQ(each[1].second.country, "");
}

TEST(GeoIpTest, IpinfoLiteFile) {
  auto g = Open({SharedGeoFixtures().ipinfo_mmdb});
  double lat, lon;
  ASSERT_TRUE(CountryCentroid("NL", &lat, &lon));
  Check(*g, {"100.200.1.1", "NL", "EU", 64570, lat, lon}, true);
  Check(*g, {"2a02:2000::7", "NL", "EU", 64570, lat, lon}, true);
}

TEST(GeoIpTest, LocationDatabase) {
  auto g = Open({}, SharedGeoFixtures().locdb);
  ASSERT_EQ(g->readers().size(), 1u);
  EXPECT_STREQ(g->readers()[0]->kind(), "libloc");
  for (const auto& [addr, cc, cont, asn] : std::vector<
           std::tuple<std::string, std::string, std::string, long long>>{
           {"20.10.1.1", "DE", "EU", 64500},
           {"30.20.0.1", "CA", "NA", 64511},
           {"60.10.200.1", "AU", "OC", 64540},
           {"100.200.3.4", "NL", "EU", 64570},
           {"::ffff:50.10.1.1", "BR", "SA", 64530},
           {"2a01:1000:1::1", "DE", "EU", 64500},
           {"2400:1000::5", "SG", "AS", 64520}}) {
    GeoLocation l = g->Lookup(Ip(addr));
    EXPECT_EQ(l.country, cc) << addr;
    EXPECT_EQ(l.continent, cont) << addr;
    EXPECT_EQ(l.asn.value_or(0), asn) << addr;
    double lat, lon;
    ASSERT_TRUE(CountryCentroid(cc, &lat, &lon)) << cc;
    ASSERT_TRUE(l.latitude.has_value()) << addr;
    EXPECT_DOUBLE_EQ(*l.latitude, lat)
        << "libloc has no coordinates: centroid of " << cc;
    EXPECT_TRUE(l.centroid);
  }
}

TEST(GeoIpTest, UnknownAndPrivateAddressesAreUnknown) {
  const auto& f = SharedGeoFixtures();
  for (auto* g : {Open({f.city_mmdb, f.asn_mmdb, f.ipinfo_mmdb}).release(),
                  Open({}, f.locdb).release()}) {
    std::unique_ptr<GeoIp> owned(g);
    for (const char* addr :
         {"11.1.1.1", "2a03:9999::1", "10.0.0.1", "192.168.1.1", "127.0.0.1",
          "::1", "fe80::1", "fd00::1", "2001:db8::1", "100.64.0.1", "0.0.0.0",
          "255.255.255.255", "::", "::ffff:192.168.0.1"}) {
      GeoLocation l = g->Lookup(Ip(addr));
      EXPECT_FALSE(l.known()) << addr;
      EXPECT_EQ(l.country, "") << addr;
      EXPECT_FALSE(l.latitude.has_value()) << addr;
    }
  }
}

class BrokenFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& content) {
    path_ = "/tmp/waymark-geo-broken-" + std::to_string(getpid()) + "-" +
            std::to_string(n_++);
    std::ofstream(path_) << content;
    paths_.push_back(path_);
    return path_;
  }
  void TearDown() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  std::string path_;
  std::vector<std::string> paths_;
  int n_ = 0;
};

TEST_F(BrokenFileTest, MissingAndCorruptFilesAreOneLineErrors) {
  std::unique_ptr<GeoReader> r;
  Status s = OpenMmdb("/nonexistent/City.mmdb", &r);
  EXPECT_EQ(s.message(),
            "/nonexistent/City.mmdb: cannot open MaxMind DB file: No such file "
            "or directory");
  std::string junk = Write(std::string(4096, 'x'));
  s = OpenMmdb(junk, &r);
  EXPECT_EQ(s.message(),
            junk +
                ": cannot open MaxMind DB file: The MaxMind DB file contains "
                "invalid metadata");
  s = OpenLocationDb("/nonexistent/database.db", &r);
  EXPECT_EQ(s.message(),
            "/nonexistent/database.db: cannot open location database: No such "
            "file or directory");
  s = OpenLocationDb(junk, &r);
  EXPECT_EQ(s.message(), junk + ": not a valid location database (libloc)");
  // A truncated real file.
  std::ifstream in(SharedGeoFixtures().city_mmdb, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::string cut = Write(bytes.substr(0, bytes.size() / 2));
  s = OpenMmdb(cut, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(cut + ": cannot open MaxMind DB file: ", 0), 0u)
      << s.message();

  std::unique_ptr<GeoIp> g;
  s = GeoIp::Open({SharedGeoFixtures().city_mmdb, junk}, "", &g);
  EXPECT_FALSE(s.ok()) << "one bad file fails the whole set";
  EXPECT_EQ(g, nullptr);
}

TEST(GeoIpTest, ReopenWhileInUse) {
  const auto& f = SharedGeoFixtures();
  auto first = Open({f.city_mmdb});
  auto second = Open({f.city_mmdb, f.asn_mmdb});
  // Both stay usable side by side; dropping one leaves the other intact.
  EXPECT_EQ(first->Lookup(Ip("20.10.1.1")).country, "DE");
  first.reset();
  EXPECT_EQ(second->Lookup(Ip("20.10.1.1")).asn.value_or(0), 64500);
}

TEST(GeoIpTest, AddressesInDifferentPlacesGiveAWarning) {
  const auto& f = SharedGeoFixtures();
  auto g = Open({f.city_mmdb, f.asn_mmdb});
  MirrorPlace p = LocateAddresses(*g, "m.example.org",
                                  {Ip("20.10.1.1"), Ip("2a01:1000::1")});
  EXPECT_EQ(p.location.country, "DE");
  EXPECT_TRUE(p.warnings.empty());
  p = LocateAddresses(*g, "cdn.example.org",
                      {Ip("10.0.0.1"), Ip("20.10.1.1"), Ip("2600:1000::1")});
  EXPECT_EQ(p.location.country, "DE") << "the first address GeoIP places";
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_EQ(p.warnings[0],
            "'cdn.example.org' has addresses in different places (20.10.1.1: "
            "DE AS64500, "
            "2600:1000::1: US AS64510); using the first; give --country, "
            "--asn, --lat and --lon "
            "to choose");
  p = LocateAddresses(*g, "lan.example.org", {Ip("192.168.1.10")});
  EXPECT_FALSE(p.location.known());
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_EQ(p.warnings[0],
            "GeoIP does not know where 'lan.example.org' is (192.168.1.10); "
            "give --country and "
            "--lat/--lon");
}

TEST(GeoIpCommandTest, PrintsEachReaderAndTheMergedAnswer) {
  const auto& f = SharedGeoFixtures();
  CommandResult r =
      RunWaymark({"geoip", "20.10.1.1", "192.168.1.1",
                  "--geoip.mmdb=" + f.city_mmdb, "--geoip.mmdb=" + f.asn_mmdb});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("20.10.1.1    merged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DE       EU         64500  50.1109, 8.6821\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("mmdb " + f.asn_mmdb), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("192.168.1.1  (not a public address)"),
            std::string::npos)
      << r.out;

  r = RunWaymark({"geoip", "2600:1000::1", "--json",
                  "--geoip.mmdb=" + f.city_mmdb, "--geoip.mmdb=" + f.asn_mmdb});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j[0]["location"]["country"], "US");
  EXPECT_EQ(j[0]["location"]["asn"], 64510);
  EXPECT_EQ(j[0]["sources"].size(), 2u);
  EXPECT_EQ(j[0]["sources"][1]["kind"], "mmdb");

  // Without .mmdb files the location database is used.
  r = RunWaymark(
      {"geoip", "40.20.1.1", "--json", "--geoip.location_db=" + f.locdb});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j[0]["location"]["country"], "JP");
  EXPECT_EQ(j[0]["location"]["centroid"], true);
  EXPECT_EQ(j[0]["sources"][0]["kind"], "libloc");

  r = RunWaymark(
      {"geoip", "20.10.1.1", "nonsense", "--geoip.mmdb=" + f.city_mmdb});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: 'nonsense' is not an IP address\n");
  r = RunWaymark({"geoip", "20.10.1.1", "--geoip.mmdb=/nonexistent/x.mmdb"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: /nonexistent/x.mmdb: cannot open MaxMind DB file: No "
            "such file or directory\n");
}

TEST(GeoIpCommandTest, MirrorAddFillsItsLocation) {
  const auto& f = SharedGeoFixtures();
  std::string dsn = "--database.dsn=" + test::SharedCluster()->CreateDatabase();
  std::vector<std::string> geo = {"--geoip.mmdb=" + f.city_mmdb,
                                  "--geoip.mmdb=" + f.asn_mmdb};
  auto waymark = [&](std::vector<std::string> args) {
    args.insert(args.end(), geo.begin(), geo.end());
    args.push_back(dsn);
    return RunWaymark(args);
  };
  ASSERT_EQ(waymark({"db", "init"}).exit_code, 0);
  CommandResult r =
      waymark({"mirror", "add", "fra1", "--https", "https://20.10.1.1/pub/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "located 'fra1' by GeoIP: DE/EU, AS64500, 50.1109, 8.6821\n"
            "added mirror 'fra1' (disabled; enable it with 'waymark mirror "
            "enable fra1' once it "
            "is scanned)\n");
  EXPECT_EQ(r.err, "");
  auto j =
      nlohmann::json::parse(waymark({"mirror", "show", "fra1", "--json"}).out);
  EXPECT_EQ(j["country"], "DE");
  EXPECT_EQ(j["continent"], "EU");
  EXPECT_EQ(j["asn"], 64500);
  EXPECT_DOUBLE_EQ(j["latitude"].get<double>(), 50.1109);

  // Every field stays overridable; a centroid is never stored.
  r = waymark({"mirror", "add", "sgp1", "--http", "http://[2400:1000::80]/",
               "--country", "MY", "--lat", "3.139", "--lon", "101.6869"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(waymark({"mirror", "show", "sgp1", "--json"}).out);
  EXPECT_EQ(j["country"], "MY");
  EXPECT_EQ(j["continent"], "AS");
  EXPECT_EQ(j["asn"], 64520);
  EXPECT_DOUBLE_EQ(j["latitude"].get<double>(), 3.139);
  r = waymark({"mirror", "add", "jnb1", "--https", "https://70.10.0.1/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(waymark({"mirror", "show", "jnb1", "--json"}).out);
  EXPECT_EQ(j["country"], "ZA");
  EXPECT_TRUE(j["latitude"].is_null());

  r = waymark({"mirror", "add", "lan1", "--http", "http://192.168.1.10/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err,
            "waymark: warning: GeoIP does not know where '192.168.1.10' is "
            "(192.168.1.10); give "
            "--country and --lat/--lon\n");
  r = waymark({"mirror", "add", "nogeo", "--https", "https://20.10.1.1/",
               "--no-geoip"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(waymark({"mirror", "show", "nogeo", "--json"}).out);
  EXPECT_TRUE(j["country"].is_null());
}

}  // namespace
}  // namespace waymark
