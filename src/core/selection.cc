#include "core/selection.h"

#include <algorithm>
#include <cmath>

#include "core/strings.h"

namespace waymark {

Health MirrorStatus::Get(bool https, int family) const {
  if (https) return family == 6 ? https_v6 : https_v4;
  return family == 6 ? http_v6 : http_v4;
}

const char* TierName(Tier t) {
  switch (t) {
    case Tier::kAsn: return "asn";
    case Tier::kCountry: return "country";
    case Tier::kContinent: return "continent";
    case Tier::kWorld: return "world";
  }
  return "world";
}

namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string SchemeFamily(bool https, int family) {
  return std::string(https ? "HTTPS" : "HTTP") + " (IPv" + std::to_string(family) + ")";
}

// Why `m` may not serve this client over `https`, or "" when it may.
std::string SchemeProblem(const MirrorStatus& s, bool https, int family) {
  const Mirror& m = s.mirror;
  if ((https ? m.https_url : m.http_url).empty())
    return std::string("has no ") + (https ? "HTTPS" : "HTTP") + " URL";
  switch (s.Get(https, family)) {
    case Health::kUp: return "";
    case Health::kDown: return "down over " + SchemeFamily(https, family);
    case Health::kUnknown: return "not checked over " + SchemeFamily(https, family) + " yet";
  }
  return "";
}

// The client's restrictions check, "" when it passes.
std::string RestrictionProblem(const Mirror& m, const GeoLocation& c, long long size) {
  if (!c.country.empty() && Contains(m.exclude_countries, c.country))
    return "does not serve country " + c.country;
  if (m.max_size && size > *m.max_size)
    return "takes files up to " + std::to_string(*m.max_size) + " bytes";
  if (m.asn_only && (!c.asn || c.asn != m.asn))
    return "serves only AS" + std::to_string(m.asn.value_or(0));
  if (m.country_only && (c.country.empty() ||
                         (c.country != m.country && !Contains(m.also_countries, c.country))))
    return "serves only country " + m.country +
           (m.also_countries.empty() ? "" : " and " + Join(m.also_countries, ","));
  if (m.continent_only && (c.continent.empty() || c.continent != m.continent))
    return "serves only continent " + m.continent;
  return "";
}

Tier TierOf(const Mirror& m, const GeoLocation& c) {
  if (c.asn && m.asn && *c.asn == *m.asn) return Tier::kAsn;
  if (!c.country.empty() && (c.country == m.country || Contains(m.also_countries, c.country)))
    return Tier::kCountry;
  if (!c.continent.empty() && c.continent == m.continent) return Tier::kContinent;
  return Tier::kWorld;
}

}  // namespace

Selection Select(const std::vector<MirrorStatus>& mirrors, const FileFacts& file,
                 const Client& client, const SelectionPolicy& policy,
                 const std::function<double()>& uniform01) {
  Selection out;
  std::vector<Candidate> https_ok, http_fallback;
  for (const MirrorStatus& s : mirrors) {
    const Mirror& m = s.mirror;
    auto exclude = [&](std::string why) { out.excluded.push_back({&s, std::move(why)}); };
    if (!m.enabled) {
      exclude("disabled");
      continue;
    }
    if (!file.holders.count(m.id)) {
      auto p = file.problems.find(m.id);
      if (p == file.problems.end()) {
        exclude("does not have the file");
      } else if (p->second == "wrong_size") {
        exclude("has the file at another size");
      } else {
        exclude("has an older copy of the file");
      }
      continue;
    }
    long long limit = s.max_lag.value_or(policy.max_lag);
    if (!s.trace_lag) {
      exclude("freshness not checked yet");
      continue;
    }
    if (*s.trace_lag > limit) {
      exclude("stale: " + std::to_string(*s.trace_lag) + " s behind (limit " +
              std::to_string(limit) + " s)");
      continue;
    }
    std::string why = RestrictionProblem(m, client.location, file.size);
    if (!why.empty()) {
      exclude(why);
      continue;
    }
    Candidate c{&s, TierOf(m, client.location), std::nullopt, "", false};
    const GeoLocation& loc = client.location;
    if (loc.latitude && m.latitude) {
      c.distance_km = DistanceKm(*loc.latitude, *loc.longitude, *m.latitude, *m.longitude);
    }
    std::string problem = SchemeProblem(s, client.https, client.family);
    if (problem.empty()) {
      c.url = client.https ? m.https_url : m.http_url;
      https_ok.push_back(c);
      continue;
    }
    if (client.https && policy.https_fallback_to_http &&
        SchemeProblem(s, false, client.family).empty()) {
      c.url = m.http_url;
      c.http_fallback = true;
      http_fallback.push_back(c);
      continue;
    }
    exclude(problem);
  }

  // An HTTPS client goes to HTTP only when no HTTPS mirror can serve it.
  std::vector<Candidate>& ranked = https_ok.empty() ? http_fallback : https_ok;
  if (&ranked == &https_ok) {
    for (const auto& c : http_fallback) {
      out.excluded.push_back({c.status, SchemeProblem(*c.status, true, client.family)});
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Candidate& a, const Candidate& b) {
    if (a.tier != b.tier) return a.tier < b.tier;
    // Unknown distances sort after known ones.
    double da = a.distance_km.value_or(INFINITY), db = b.distance_km.value_or(INFINITY);
    if (da != db) return da < db;
    return a.status->mirror.name < b.status->mirror.name;
  });
  if (!ranked.empty()) {
    // The near-equal group: same tier as the best, and close to its distance
    // (all of the tier when distances are unknown).
    const Candidate& best = ranked[0];
    size_t n = 1;
    while (n < ranked.size() && ranked[n].tier == best.tier) {
      if (best.distance_km && ranked[n].distance_km) {
        double limit = *best.distance_km + std::max(policy.near_km, *best.distance_km * policy.near_ratio);
        if (*ranked[n].distance_km > limit) break;
      } else if (best.distance_km.has_value() != ranked[n].distance_km.has_value()) {
        break;
      }
      ++n;
    }
    long long total = 0;
    for (size_t i = 0; i < n; ++i) total += ranked[i].status->mirror.weight;
    double r = uniform01() * static_cast<double>(total);
    size_t pick = n - 1;
    for (size_t i = 0; i < n; ++i) {
      r -= ranked[i].status->mirror.weight;
      if (r < 0) {
        pick = i;
        break;
      }
    }
    std::rotate(ranked.begin(), ranked.begin() + pick, ranked.begin() + pick + 1);
    out.near_equal = n;
  }
  out.ranked = std::move(ranked);
  std::stable_sort(out.excluded.begin(), out.excluded.end(), [](const Exclusion& a, const Exclusion& b) {
    return a.status->mirror.name < b.status->mirror.name;
  });
  return out;
}

}  // namespace waymark
