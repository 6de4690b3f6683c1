#include "core/model/selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tests/harness/mirror_status.h"

namespace waymark {
namespace {

MirrorStatus Make(int id, const std::string& name, const std::string& cc,
                  const std::string& cont, long long asn, double lat,
                  double lon) {
  MirrorStatus s = test::UpMirror(id, name, cc, cont);
  s.mirror.asn = asn;
  s.mirror.latitude = lat;
  s.mirror.longitude = lon;
  return s;
}

std::vector<MirrorStatus> World() {
  return {
      Make(1, "fra1", "DE", "EU", 64500, 50.1109, 8.6821),
      Make(2, "par1", "FR", "EU", 64501, 48.8566, 2.3522),
      Make(3, "sfo1", "US", "NA", 64510, 37.7749, -122.4194),
      Make(4, "tor1", "CA", "NA", 64511, 43.6532, -79.3832),
      Make(5, "sgp1", "SG", "AS", 64520, 1.3521, 103.8198),
  };
}

FileFacts AllHold(const std::vector<MirrorStatus>& mirrors,
                  long long size = 1000) {
  FileFacts f;
  f.size = size;
  for (const auto& m : mirrors) f.holders.insert(m.mirror.id);
  return f;
}

Client At(const std::string& cc, const std::string& cont, long long asn,
          double lat, double lon, int family = 4, bool https = false) {
  Client c;
  c.location.country = cc;
  c.location.continent = cont;
  if (asn) c.location.asn = asn;
  c.location.latitude = lat;
  c.location.longitude = lon;
  c.family = family;
  c.https = https;
  return c;
}

std::function<double()> Fixed(double v) {
  return [v] { return v; };
}

std::vector<std::string> Names(const Selection& s) {
  std::vector<std::string> out;
  for (const auto& c : s.ranked) out.push_back(c.status->mirror.name);
  return out;
}

std::map<std::string, std::string> Reasons(const Selection& s) {
  std::map<std::string, std::string> out;
  for (const auto& e : s.excluded) out[e.status->mirror.name] = e.reason;
  return out;
}

struct TierCase {
  const char* what;
  Client client;
  const char* first;
  Tier tier;
};

TEST(SelectionTest, TiersAndDistance) {
  auto mirrors = World();
  FileFacts file = AllHold(mirrors);
  const TierCase cases[] = {
      {"same AS", At("DE", "EU", 64500, 48.1351, 11.5820), "fra1", Tier::kAsn},
      {"same AS beats a nearer country", At("FR", "EU", 64510, 48.85, 2.35),
       "sfo1", Tier::kAsn},
      {"same country", At("DE", "EU", 3320, 52.52, 13.405), "fra1",
       Tier::kCountry},
      {"same country, far away", At("US", "NA", 7018, 40.7128, -74.006), "sfo1",
       Tier::kCountry},
      {"same continent: nearest", At("ES", "EU", 3352, 40.4168, -3.7038),
       "par1", Tier::kContinent},
      {"same continent", At("MX", "NA", 8151, 19.4326, -99.1332), "sfo1",
       Tier::kContinent},
      {"world: nearest", At("JP", "AS", 2516, 35.6762, 139.6503), "sgp1",
       Tier::kContinent},
      {"world", At("AU", "OC", 1221, -33.8688, 151.2093), "sgp1", Tier::kWorld},
      {"world, other side", At("BR", "SA", 28573, -23.5505, -46.6333), "tor1",
       Tier::kWorld},
  };
  for (const auto& c : cases) {
    Selection s = Select(mirrors, file, c.client, SelectionPolicy(), Fixed(0));
    ASSERT_EQ(s.ranked.size(), 5u) << c.what;
    EXPECT_EQ(s.ranked[0].status->mirror.name, c.first) << c.what;
    EXPECT_EQ(s.ranked[0].tier, c.tier) << c.what;
    EXPECT_TRUE(s.excluded.empty()) << c.what;
    for (size_t i = 1; i < s.ranked.size(); ++i) {
      EXPECT_GE(s.ranked[i].tier, s.ranked[i - 1].tier) << c.what;
    }
  }
  // The full order for a client in Madrid: EU by distance, then the world.
  Selection s = Select(mirrors, file, At("ES", "EU", 3352, 40.4168, -3.7038),
                       SelectionPolicy(), Fixed(0));
  EXPECT_EQ(Names(s),
            (std::vector<std::string>{"par1", "fra1", "tor1", "sfo1", "sgp1"}));
  EXPECT_EQ(s.ranked[0].url, "http://par1.example.org/");
  EXPECT_NEAR(*s.ranked[0].distance_km, 1053, 10);
}

TEST(SelectionTest, NearEqualMirrorsShareByWeight) {
  auto mirrors = World();
  mirrors[0].mirror.weight = 100;  // fra1
  mirrors[1].mirror.weight = 300;  // par1
  FileFacts file = AllHold(mirrors);
  // From Luxembourg both are within 500 km: one draw decides.
  Client lux = At("LU", "EU", 6661, 49.6116, 6.1319);
  Selection s = Select(mirrors, file, lux, SelectionPolicy(), Fixed(0.0));
  EXPECT_EQ(s.near_equal, 2u);
  EXPECT_EQ(Names(s)[0], "fra1");
  EXPECT_EQ(
      Names(Select(mirrors, file, lux, SelectionPolicy(), Fixed(0.24)))[0],
      "fra1");
  EXPECT_EQ(
      Names(Select(mirrors, file, lux, SelectionPolicy(), Fixed(0.26)))[0],
      "par1");
  EXPECT_EQ(
      Names(Select(mirrors, file, lux, SelectionPolicy(), Fixed(0.999)))[0],
      "par1");
  // The loser keeps its place right after the winner.
  EXPECT_EQ(Names(Select(mirrors, file, lux, SelectionPolicy(), Fixed(0.5))),
            (std::vector<std::string>{"par1", "fra1", "tor1", "sfo1", "sgp1"}));

  // Statistically: 100k draws split 1:3 within half a percentage point.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  auto draw = [&] { return u(rng); };
  int fra = 0;
  const int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    fra +=
        Names(Select(mirrors, file, lux, SelectionPolicy(), draw))[0] == "fra1";
  }
  EXPECT_NEAR(static_cast<double>(fra) / kDraws, 0.25, 0.005);

  // From Munich fra1 is much nearer than par1: no draw.
  s = Select(mirrors, file, At("DE", "EU", 0, 48.1351, 11.582),
             SelectionPolicy(), Fixed(0.99));
  EXPECT_EQ(s.near_equal, 1u);
  EXPECT_EQ(Names(s)[0], "fra1");
}

TEST(SelectionTest, UnknownClientLocationSharesTheWorldByWeight) {
  auto mirrors = World();
  FileFacts file = AllHold(mirrors);
  Client nowhere;
  Selection s = Select(mirrors, file, nowhere, SelectionPolicy(), Fixed(0.99));
  EXPECT_EQ(s.near_equal, 5u);
  EXPECT_EQ(s.ranked[0].tier, Tier::kWorld);
  // Equal weights, unknown distances: 0.99 draws the last by name.
  EXPECT_EQ(Names(s)[0], "tor1");
  EXPECT_FALSE(s.ranked[0].distance_km.has_value());
}

struct ExcludeCase {
  const char* what;
  std::function<void(std::vector<MirrorStatus>*, FileFacts*)> change;
  Client client;
  SelectionPolicy policy;
  const char* reason;  // fra1's, or "" when fra1 stays a candidate
};

TEST(SelectionTest, CandidateRulesWithReasons) {
  Client de = At("DE", "EU", 3320, 52.52, 13.405);
  Client de6 = At("DE", "EU", 3320, 52.52, 13.405, 6);
  Client de_tls = At("DE", "EU", 3320, 52.52, 13.405, 4, true);
  SelectionPolicy strict;
  SelectionPolicy lenient;
  lenient.https_fallback_to_http = true;
  // A node whose view is stale trusts checks from 1000 on.
  SelectionPolicy distrustful;
  distrustful.checks_trusted_from = 1000;
  auto fra = [](std::vector<MirrorStatus>* m) -> MirrorStatus& {
    return (*m)[0];
  };
  const ExcludeCase cases[] = {
      {"disabled", [&](auto* m, auto*) { fra(m).mirror.enabled = false; }, de,
       strict, "disabled"},
      {"missing file", [&](auto*, auto* f) { f->holders.erase(1); }, de, strict,
       "does not have the file"},
      {"wrong size",
       [&](auto*, auto* f) {
         f->holders.erase(1);
         f->problems[1] = "wrong_size";
       },
       de, strict, "has the file at another size"},
      {"too old",
       [&](auto*, auto* f) {
         f->holders.erase(1);
         f->problems[1] = "too_old";
       },
       de, strict, "has an older copy of the file"},
      {"never traced", [&](auto* m, auto*) { fra(m).trace_lag.reset(); }, de,
       strict, "freshness not checked yet"},
      {"stale", [&](auto* m, auto*) { fra(m).trace_lag = 7200; }, de, strict,
       "stale: 7200 s behind (limit 3600 s)"},
      {"stale by its own limit",
       [&](auto* m, auto*) {
         fra(m).trace_lag = 700;
         fra(m).max_lag = 600;
       },
       de, strict, "stale: 700 s behind (limit 600 s)"},
      {"lag allowed by its own limit",
       [&](auto* m, auto*) {
         fra(m).trace_lag = 7200;
         fra(m).max_lag = 9000;
       },
       de, strict, ""},
      {"down over HTTP",
       [&](auto* m, auto*) { fra(m).http_v4 = Health::kDown; }, de, strict,
       "down over HTTP (IPv4)"},
      {"IPv6 client, IPv4-only mirror",
       [&](auto* m, auto*) { fra(m).http_v6 = Health::kUnknown; }, de6, strict,
       "not checked over HTTP (IPv6) yet"},
      {"IPv6 down", [&](auto* m, auto*) { fra(m).http_v6 = Health::kDown; },
       de6, strict, "down over HTTP (IPv6)"},
      {"IPv4 down does not matter to IPv6",
       [&](auto* m, auto*) { fra(m).http_v4 = Health::kDown; }, de6, strict,
       ""},
      {"no HTTPS URL", [&](auto* m, auto*) { fra(m).mirror.https_url = ""; },
       de_tls, strict, "has no HTTPS URL"},
      {"HTTPS down", [&](auto* m, auto*) { fra(m).https_v4 = Health::kDown; },
       de_tls, strict, "down over HTTPS (IPv4)"},
      {"HTTP only mirror for HTTP client",
       [&](auto* m, auto*) { fra(m).mirror.https_url = ""; }, de, strict, ""},
      {"excluded country",
       [&](auto* m, auto*) { fra(m).mirror.exclude_countries = {"DE"}; }, de,
       strict, "does not serve country DE"},
      {"file too large", [&](auto* m, auto*) { fra(m).mirror.max_size = 999; },
       de, strict, "takes files up to 999 bytes"},
      {"file at the size limit",
       [&](auto* m, auto*) { fra(m).mirror.max_size = 1000; }, de, strict, ""},
      {"AS only", [&](auto* m, auto*) { fra(m).mirror.asn_only = true; }, de,
       strict, "serves only AS64500"},
      {"AS only, same AS",
       [&](auto* m, auto*) { fra(m).mirror.asn_only = true; },
       At("DE", "EU", 64500, 52.52, 13.405), strict, ""},
      {"country only",
       [&](auto* m, auto*) { fra(m).mirror.country_only = true; },
       At("AT", "EU", 1, 48.2, 16.37), strict, "serves only country DE"},
      {"country only, also-country",
       [&](auto* m, auto*) {
         fra(m).mirror.country_only = true;
         fra(m).mirror.also_countries = {"AT"};
       },
       At("AT", "EU", 1, 48.2, 16.37), strict, ""},
      {"country only, other country",
       [&](auto* m, auto*) {
         fra(m).mirror.country_only = true;
         fra(m).mirror.also_countries = {"AT", "CH"};
       },
       At("PL", "EU", 1, 52.23, 21.01), strict,
       "serves only country DE and AT,CH"},
      {"country only, unknown client",
       [&](auto* m, auto*) { fra(m).mirror.country_only = true; }, Client(),
       strict, "serves only country DE"},
      {"continent only",
       [&](auto* m, auto*) { fra(m).mirror.continent_only = true; },
       At("US", "NA", 1, 40.7, -74), strict, "serves only continent EU"},
      {"continent only, same continent",
       [&](auto* m, auto*) { fra(m).mirror.continent_only = true; },
       At("PL", "EU", 1, 52.23, 21.01), strict, ""},
      {"check older than a stale node trusts",
       [&](auto* m, auto*) { fra(m).checked_at = 999; }, de, distrustful,
       "health not trusted: its last check is older than "
       "redirector.max_inventory_age, as is this node's inventory"},
      {"never checked, on a stale node", [&](auto*, auto*) {}, de, distrustful,
       "health not trusted: its last check is older than "
       "redirector.max_inventory_age, as is this node's inventory"},
      {"check as recent as a stale node trusts",
       [&](auto* m, auto*) { fra(m).checked_at = 1000; }, de, distrustful, ""},
      {"an old check on a node that trusts every check",
       [&](auto* m, auto*) { fra(m).checked_at = 1; }, de, strict, ""},
  };
  for (const auto& c : cases) {
    auto mirrors = World();
    FileFacts file = AllHold(mirrors);
    c.change(&mirrors, &file);
    Selection s = Select(mirrors, file, c.client, c.policy, Fixed(0));
    auto reasons = Reasons(s);
    if (*c.reason) {
      EXPECT_EQ(reasons["fra1"], c.reason) << c.what;
      for (const auto& r : s.ranked)
        EXPECT_NE(r.status->mirror.name, "fra1") << c.what;
    } else {
      EXPECT_EQ(reasons.count("fra1"), 0u) << c.what << ": " << reasons["fra1"];
    }
    EXPECT_EQ(s.ranked.size() + s.excluded.size(), mirrors.size()) << c.what;
  }
}

TEST(SelectionTest, HttpsClientsGoToHttpOnlyWhenAllowedAndNeeded) {
  auto mirrors = World();
  FileFacts file = AllHold(mirrors);
  Client tls = At("DE", "EU", 3320, 52.52, 13.405, 4, true);
  Selection s = Select(mirrors, file, tls, SelectionPolicy(), Fixed(0));
  EXPECT_EQ(s.ranked[0].url, "https://fra1.example.org/");
  EXPECT_FALSE(s.ranked[0].http_fallback);

  for (auto& m : mirrors) m.https_v4 = Health::kDown;
  mirrors[4].https_v4 = Health::kUp;  // only sgp1 is up over HTTPS
  SelectionPolicy lenient;
  lenient.https_fallback_to_http = true;
  s = Select(mirrors, file, tls, lenient, Fixed(0));
  EXPECT_EQ(Names(s), std::vector<std::string>{"sgp1"})
      << "HTTPS first, however far";
  EXPECT_EQ(Reasons(s)["fra1"], "down over HTTPS (IPv4)");

  mirrors[4].https_v4 = Health::kDown;
  s = Select(mirrors, file, tls, SelectionPolicy(), Fixed(0));
  EXPECT_TRUE(s.ranked.empty()) << "no HTTP for HTTPS clients unless allowed";
  s = Select(mirrors, file, tls, lenient, Fixed(0));
  ASSERT_EQ(s.ranked.size(), 5u);
  EXPECT_EQ(s.ranked[0].url, "http://fra1.example.org/");
  EXPECT_TRUE(s.ranked[0].http_fallback);
}

TEST(SelectionTest, HttpClientsGoToHttpsOnlyMirrorsWhenAllowed) {
  auto mirrors = World();
  FileFacts file = AllHold(mirrors);
  Client de = At("DE", "EU", 3320, 52.52, 13.405);
  SelectionPolicy keep;  // http_to_https off
  SelectionPolicy upgrade;
  upgrade.http_to_https = true;
  mirrors[0].mirror.http_url = "";  // fra1 serves HTTPS only

  Selection s = Select(mirrors, file, de, keep, Fixed(0));
  EXPECT_EQ(Reasons(s)["fra1"], "has no HTTP URL");
  EXPECT_EQ(Names(s)[0], "par1");

  // Allowed: the near HTTPS-only mirror beats the farther HTTP one, and
  // the URL is its HTTPS one.
  s = Select(mirrors, file, de, upgrade, Fixed(0));
  ASSERT_EQ(s.ranked.size(), 5u);
  EXPECT_EQ(s.ranked[0].status->mirror.name, "fra1");
  EXPECT_EQ(s.ranked[0].url, "https://fra1.example.org/");
  EXPECT_TRUE(s.ranked[0].https_upgrade);
  EXPECT_EQ(s.ranked[1].url, "http://par1.example.org/")
      << "a mirror with HTTP keeps HTTP clients";
  EXPECT_FALSE(s.ranked[1].https_upgrade);

  // Down over HTTP but up over HTTPS: upgraded too.
  mirrors[0].mirror.http_url = "http://fra1.example.org/";
  mirrors[0].http_v4 = Health::kDown;
  s = Select(mirrors, file, de, upgrade, Fixed(0));
  EXPECT_EQ(s.ranked[0].url, "https://fra1.example.org/");
  s = Select(mirrors, file, de, keep, Fixed(0));
  EXPECT_EQ(Reasons(s)["fra1"], "down over HTTP (IPv4)");

  // Over the client's family: an IPv6 client needs HTTPS up over IPv6.
  mirrors[0].http_v6 = Health::kDown;
  mirrors[0].https_v6 = Health::kUnknown;
  s = Select(mirrors, file, At("DE", "EU", 3320, 52.52, 13.405, 6), upgrade,
             Fixed(0));
  EXPECT_EQ(Reasons(s)["fra1"],
            "down over HTTP (IPv6), and not checked over HTTPS (IPv6) yet");

  // Without an HTTPS URL there is nothing to upgrade to, and no more to say.
  mirrors[0].mirror.https_url = "";
  s = Select(mirrors, file, At("DE", "EU", 3320, 52.52, 13.405, 6), upgrade,
             Fixed(0));
  EXPECT_EQ(Reasons(s)["fra1"], "down over HTTP (IPv6)");
  mirrors[0].mirror.https_url = "https://fra1.example.org/";

  // HTTPS clients are not affected.
  mirrors[0].https_v4 = Health::kDown;
  s = Select(mirrors, file, At("DE", "EU", 3320, 52.52, 13.405, 4, true),
             upgrade, Fixed(0));
  EXPECT_EQ(Reasons(s)["fra1"], "down over HTTPS (IPv4)");
  for (const auto& c : s.ranked) EXPECT_FALSE(c.https_upgrade);
}

TEST(SelectionTest, NoCandidates) {
  auto mirrors = World();
  FileFacts file;
  file.size = 5;
  Selection s = Select(mirrors, file, Client(), SelectionPolicy(), Fixed(0));
  EXPECT_TRUE(s.ranked.empty());
  EXPECT_EQ(s.near_equal, 0u);
  ASSERT_EQ(s.excluded.size(), 5u);
  EXPECT_EQ(s.excluded[0].status->mirror.name, "fra1") << "sorted by name";
  EXPECT_EQ(s.excluded[0].reason, "does not have the file");
  EXPECT_TRUE(
      Select({}, file, Client(), SelectionPolicy(), Fixed(0)).ranked.empty());
}

// The contract's rules spelled out on the mirrors' own fields, string by
// string, to check Select() (which reads packed SelectionRows) against:
// the tier and URL of each mirror that may serve the client, none for the
// others. An HTTPS client's HTTP fallbacks count only when nothing else does.
struct Expected {
  Tier tier;
  std::string url;
};
std::map<const MirrorStatus*, Expected> Candidates(
    const std::vector<MirrorStatus>& mirrors, const FileFacts& f,
    const Client& c, const SelectionPolicy& p) {
  const GeoLocation& g = c.location;
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  auto ok = [&](const MirrorStatus& s, bool https) {
    return !(https ? s.mirror.https_url : s.mirror.http_url).empty() &&
           s.Get(https, c.family) == Health::kUp;
  };
  std::map<const MirrorStatus*, Expected> direct, fallback;
  for (const MirrorStatus& s : mirrors) {
    const Mirror& m = s.mirror;
    if (!m.enabled || !f.holders.count(m.id) || !s.trace_lag) continue;
    if (*s.trace_lag > s.max_lag.value_or(p.max_lag)) continue;
    bool local = !g.country.empty() &&
                 (g.country == m.country || has(m.also_countries, g.country));
    if (!g.country.empty() && has(m.exclude_countries, g.country)) continue;
    if (m.max_size && f.size > *m.max_size) continue;
    if (m.asn_only && (!g.asn || g.asn != m.asn)) continue;
    if (m.country_only && !local) continue;
    if (m.continent_only && (g.continent.empty() || g.continent != m.continent))
      continue;
    Tier tier = g.asn && m.asn && *g.asn == *m.asn ? Tier::kAsn
                : local                            ? Tier::kCountry
                : !g.continent.empty() && g.continent == m.continent
                    ? Tier::kContinent
                    : Tier::kWorld;
    if (ok(s, c.https)) {
      direct[&s] = {tier, c.https ? m.https_url : m.http_url};
    } else if (c.https && p.https_fallback_to_http && ok(s, false)) {
      fallback[&s] = {tier, m.http_url};
    } else if (!c.https && p.http_to_https && ok(s, true)) {
      direct[&s] = {tier, m.https_url};
    }
  }
  return direct.empty() ? fallback : direct;
}

// The redirector asks for less (no reasons, the first few ranked) and
// builds the rows once per refresh; the answer must be the one `waymark
// pick` and the mirror list show: same choice, same order, for the same
// draw. Both must also follow the rules spelled out above.
TEST(SelectTest, RedirectShortcutsRankAsTheFullSelection) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  const char* cc[] = {"DE", "US", "SG", "BR", "FR"};
  const char* cont[] = {"EU", "NA", "AS", "SA", "EU"};
  for (int round = 0; round < 300; ++round) {
    std::vector<MirrorStatus> mirrors;
    int n = 1 + static_cast<int>(u(rng) * 40);
    for (int i = 1; i <= n; ++i) {
      int k = static_cast<int>(u(rng) * 5);
      MirrorStatus m = Make(i, "m" + std::to_string(i % 17), cc[k], cont[k],
                            64500 + k, -60 + u(rng) * 120, -180 + u(rng) * 360);
      if (u(rng) < 0.2) m.mirror.latitude.reset();  // some without coordinates
      m.mirror.weight = 1 + static_cast<int>(u(rng) * 200);
      if (u(rng) < 0.1) m.https_v4 = Health::kDown;
      if (u(rng) < 0.05) m.mirror.enabled = false;
      // Some restrict whom they serve: preparing must not let them through.
      double r = u(rng);
      if (r < 0.05) {
        m.mirror.country_only = true;
      } else if (r < 0.10) {
        m.mirror.continent_only = true;
      } else if (r < 0.13) {
        m.mirror.asn_only = true;
      } else if (r < 0.18) {
        m.mirror.exclude_countries = {cc[static_cast<int>(u(rng) * 5)]};
      } else if (r < 0.22) {
        m.mirror.max_size = 1;
      }
      if (u(rng) < 0.1)
        m.mirror.also_countries = {cc[static_cast<int>(u(rng) * 5)]};
      // Freshness: unchecked, within or past the policy's or its own limit.
      double f = u(rng);
      if (f < 0.05) {
        m.trace_lag.reset();
      } else if (f < 0.15) {
        m.trace_lag = 7200;
      } else if (f < 0.25) {
        m.max_lag = 30;
      }
      if (u(rng) < 0.1) m.http_v6 = Health::kDown;
      if (u(rng) < 0.1) m.https_v6 = Health::kUnknown;
      if (u(rng) < 0.05) m.mirror.asn.reset();
      mirrors.push_back(m);
    }
    FileFacts facts = AllHold(mirrors);
    if (n > 2) facts.holders.erase(2);
    int k = static_cast<int>(u(rng) * 5);
    Client client =
        At(cc[k], cont[k], u(rng) < 0.3 ? 64500 + k : 0, -60 + u(rng) * 120,
           -180 + u(rng) * 360, u(rng) < 0.3 ? 6 : 4, u(rng) < 0.5);
    double unknown = u(rng);
    if (unknown < 0.05) {
      client.location = GeoLocation();  // an address no database knows
    } else if (unknown < 0.1) {
      client.location.latitude.reset();
    }
    SelectionPolicy policy;
    policy.https_fallback_to_http = u(rng) < 0.5;
    policy.http_to_https = u(rng) < 0.5;
    if (u(rng) < 0.2) mirrors[0].mirror.http_url = "";
    double draw = u(rng);
    Selection full = Select(mirrors, facts, client, policy, Fixed(draw));
    const std::vector<SelectionRow> rows = SelectionRows(mirrors);
    SelectionNeeds needs;
    needs.reasons = false;
    needs.ranked = 1 + static_cast<size_t>(u(rng) * 6);
    Selection quick =
        Select(mirrors, rows, facts, client, policy, Fixed(draw), needs);
    SCOPED_TRACE("round " + std::to_string(round));
    // Who may serve, at what tier, over which URL; every other mirror
    // excluded, with a reason.
    std::map<const MirrorStatus*, Expected> expected =
        Candidates(mirrors, facts, client, policy);
    for (const Exclusion& x : full.excluded)
      EXPECT_EQ(expected.count(x.status), 0u)
          << x.status->mirror.name << ": " << x.reason;
    ASSERT_EQ(full.ranked.size(), expected.size());
    for (const Candidate& c : full.ranked) {
      auto e = expected.find(c.status);
      ASSERT_NE(e, expected.end()) << c.status->mirror.name << " may not serve";
      EXPECT_EQ(c.tier, e->second.tier) << c.status->mirror.name;
      EXPECT_EQ(c.url, e->second.url) << c.status->mirror.name;
      EXPECT_EQ(
          c.distance_km.has_value(),
          client.location.latitude && c.status->mirror.latitude.has_value());
    }
    EXPECT_EQ(full.ranked.size() + full.excluded.size(), mirrors.size());
    for (const Exclusion& x : full.excluded) EXPECT_FALSE(x.reason.empty());
    // The order spelled out: sort by tier, distance (unknown last), name;
    // the near-equal head shares the weighted draw; the drawn one first.
    std::vector<Candidate> want = full.ranked;
    std::stable_sort(
        want.begin(), want.end(), [&](const Candidate& a, const Candidate& b) {
          double da = a.distance_km.value_or(1e300),
                 db = b.distance_km.value_or(1e300);
          return std::tie(a.tier, da, a.status->mirror.name, a.status) <
                 std::tie(b.tier, db, b.status->mirror.name, b.status);
        });
    size_t group = 0;
    long long total = 0;
    for (const Candidate& c : want) {
      if (c.tier != want[0].tier) break;
      if (want[0].distance_km &&
          (!c.distance_km ||
           *c.distance_km >
               *want[0].distance_km +
                   std::max(policy.near_km,
                            *want[0].distance_km * policy.near_ratio)))
        break;
      total += c.status->mirror.weight;
      ++group;
    }
    double r = draw * static_cast<double>(total);
    size_t pick = group ? group - 1 : 0;
    for (size_t i = 0; i < group; ++i) {
      if ((r -= want[i].status->mirror.weight) < 0) {
        pick = i;
        break;
      }
    }
    if (group)
      std::rotate(want.begin(), want.begin() + pick, want.begin() + pick + 1);
    EXPECT_EQ(full.near_equal, group);
    ASSERT_EQ(want.size(), full.ranked.size());
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(want[i].status, full.ranked[i].status) << i;
    EXPECT_TRUE(quick.excluded.empty());
    EXPECT_EQ(quick.near_equal, full.near_equal);
    ASSERT_EQ(quick.ranked.size(), std::min(needs.ranked, full.ranked.size()));
    for (size_t i = 0; i < quick.ranked.size(); ++i) {
      EXPECT_EQ(quick.ranked[i].status, full.ranked[i].status);
      EXPECT_EQ(quick.ranked[i].tier, full.ranked[i].tier);
      EXPECT_EQ(quick.ranked[i].url, full.ranked[i].url);
      ASSERT_EQ(quick.ranked[i].distance_km.has_value(),
                full.ranked[i].distance_km.has_value());
      if (full.ranked[i].distance_km) {
        EXPECT_NEAR(*quick.ranked[i].distance_km, *full.ranked[i].distance_km,
                    1e-6);
      }
    }
  }
}

}  // namespace
}  // namespace waymark
