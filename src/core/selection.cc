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

void PrepareForSelection(std::vector<MirrorStatus>* mirrors) {
  for (MirrorStatus& s : *mirrors) {
    const Mirror& m = s.mirror;
    s.point.reset();
    if (m.latitude && m.longitude) s.point = ToSpherePoint(*m.latitude, *m.longitude);
    s.restricted = m.country_only || m.continent_only || m.asn_only ||
                   !m.exclude_countries.empty() || m.max_size.has_value();
  }
}

namespace {

// Country and continent codes are two letters: compared inline, as this
// runs for every mirror on every request.
[[gnu::always_inline]] inline bool SameCode(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  if (a.size() == 2) return a[0] == b[0] && a[1] == b[1];
  return a == b;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  for (const std::string& x : v)
    if (SameCode(x, s)) return true;
  return false;
}

std::string SchemeFamily(bool https, int family) {
  return std::string(https ? "HTTPS" : "HTTP") + " (IPv" + std::to_string(family) + ")";
}

bool SchemeOk(const MirrorStatus& s, bool https, int family) {
  return !(https ? s.mirror.https_url : s.mirror.http_url).empty() &&
         s.Get(https, family) == Health::kUp;
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

// Whether the client passes the mirror's restrictions; if not, and `why`
// is given, the reason.
bool RestrictionsPass(const Mirror& m, const GeoLocation& c, long long size, std::string* why) {
  if (!c.country.empty() && Contains(m.exclude_countries, c.country)) {
    if (why) *why = "does not serve country " + c.country;
    return false;
  }
  if (m.max_size && size > *m.max_size) {
    if (why) *why = "takes files up to " + std::to_string(*m.max_size) + " bytes";
    return false;
  }
  if (m.asn_only && (!c.asn || c.asn != m.asn)) {
    if (why) *why = "serves only AS" + std::to_string(m.asn.value_or(0));
    return false;
  }
  if (m.country_only && (c.country.empty() ||
                         (!SameCode(c.country, m.country) && !Contains(m.also_countries, c.country)))) {
    if (why)
      *why = "serves only country " + m.country +
             (m.also_countries.empty() ? "" : " and " + Join(m.also_countries, ","));
    return false;
  }
  if (m.continent_only && (c.continent.empty() || !SameCode(c.continent, m.continent))) {
    if (why) *why = "serves only continent " + m.continent;
    return false;
  }
  return true;
}

Tier TierOf(const Mirror& m, const GeoLocation& c) {
  if (c.asn && m.asn && *c.asn == *m.asn) return Tier::kAsn;
  if (!c.country.empty() && (SameCode(c.country, m.country) ||
                             (!m.also_countries.empty() && Contains(m.also_countries, c.country))))
    return Tier::kCountry;
  if (!c.continent.empty() && SameCode(c.continent, m.continent)) return Tier::kContinent;
  return Tier::kWorld;
}

// The ranking order: tier, then distance (unknown after known), then name,
// then the order of the mirror list (so equal names cannot make it vary).
bool RanksBefore(const Candidate& a, const Candidate& b) {
  if (a.tier != b.tier) return a.tier < b.tier;
  if (a.chord != b.chord) return a.chord < b.chord;
  int names = a.status->mirror.name.compare(b.status->mirror.name);
  if (names != 0) return names < 0;
  return a.status < b.status;
}

}  // namespace

Selection Select(const std::vector<MirrorStatus>& mirrors, const FileFacts& file,
                 const Client& client, const SelectionPolicy& policy,
                 const std::function<double()>& uniform01, const SelectionNeeds& needs) {
  Selection out;
  const bool reasons = needs.reasons;
  // Every candidate, those over HTTPS and those an HTTPS client could only
  // reach over HTTP (http_fallback) together; sorted out below.
  std::vector<Candidate> ranked;
  ranked.reserve(mirrors.size());
  size_t fallbacks = 0;
  const GeoLocation& loc = client.location;
  std::optional<SpherePoint> client_point;
  if (loc.latitude && loc.longitude) client_point = ToSpherePoint(*loc.latitude, *loc.longitude);
  std::string why;
  for (const MirrorStatus& s : mirrors) {
    const Mirror& m = s.mirror;
    auto exclude = [&](std::string reason) {
      if (reasons) out.excluded.push_back({&s, std::move(reason)});
    };
    if (!m.enabled) {
      exclude("disabled");
      continue;
    }
    if (!file.holders.count(m.id)) {
      if (reasons) {
        auto p = file.problems.find(m.id);
        if (p == file.problems.end()) {
          exclude("does not have the file");
        } else if (p->second == "wrong_size") {
          exclude("has the file at another size");
        } else {
          exclude("has an older copy of the file");
        }
      }
      continue;
    }
    long long limit = s.max_lag.value_or(policy.max_lag);
    if (!s.trace_lag) {
      exclude("freshness not checked yet");
      continue;
    }
    if (*s.trace_lag > limit) {
      if (reasons)
        exclude("stale: " + std::to_string(*s.trace_lag) + " s behind (limit " +
                std::to_string(limit) + " s)");
      continue;
    }
    if (s.restricted && !RestrictionsPass(m, loc, file.size, reasons ? &why : nullptr)) {
      exclude(why);
      continue;
    }
    Candidate c{&s, TierOf(m, loc), std::nullopt, "", false, false};
    if (client_point && m.latitude && m.longitude)
      c.chord = Chord(*client_point, s.point ? *s.point : ToSpherePoint(*m.latitude, *m.longitude));
    if (SchemeOk(s, client.https, client.family)) {
      c.url = client.https ? m.https_url : m.http_url;
      ranked.push_back(c);
      continue;
    }
    if (client.https && policy.https_fallback_to_http && SchemeOk(s, false, client.family)) {
      c.url = m.http_url;
      c.http_fallback = true;
      ranked.push_back(c);
      ++fallbacks;
      continue;
    }
    if (!client.https && policy.http_to_https && SchemeOk(s, true, client.family)) {
      c.url = m.https_url;
      c.https_upgrade = true;
      ranked.push_back(c);
      continue;
    }
    if (reasons) {
      std::string problem = SchemeProblem(s, client.https, client.family);
      // The HTTPS side is worth a word only where there is one.
      if (!client.https && policy.http_to_https && !m.https_url.empty())
        problem += ", and " + SchemeProblem(s, true, client.family);
      exclude(std::move(problem));
    }
  }

  // An HTTPS client goes to HTTP only when no HTTPS mirror can serve it.
  if (fallbacks > 0 && fallbacks < ranked.size()) {
    auto http = std::stable_partition(ranked.begin(), ranked.end(),
                                      [](const Candidate& c) { return !c.http_fallback; });
    if (reasons) {
      for (auto it = http; it != ranked.end(); ++it)
        out.excluded.push_back({it->status, SchemeProblem(*it->status, true, client.family)});
    }
    ranked.erase(http, ranked.end());
  }
  if (!ranked.empty()) {
    // The near-equal group: same tier as the best, and close to its distance
    // (ranked of the tier when distances are unknown). It is the head of the
    // full ranking, so only the group is sorted to draw from, and of the
    // rest only as much as the caller keeps.
    const Candidate best = *std::min_element(ranked.begin(), ranked.end(), RanksBefore);
    const bool known = best.chord != INFINITY;
    double best_km = known ? ChordToKm(best.chord) : 0;
    double limit = KmToChord(best_km + std::max(policy.near_km, best_km * policy.near_ratio));
    auto in_group = [&](const Candidate& c) {
      if (c.tier != best.tier) return false;
      if (!known) return true;  // then no candidate of the tier has a distance
      return c.chord != INFINITY && c.chord <= limit;
    };
    auto group_end = std::partition(ranked.begin(), ranked.end(), in_group);
    std::sort(ranked.begin(), group_end, RanksBefore);
    size_t n = static_cast<size_t>(group_end - ranked.begin());
    size_t keep = std::min(ranked.size(), std::max(needs.ranked, n));
    std::partial_sort(group_end, ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
                      RanksBefore);
    ranked.resize(keep);

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
    std::rotate(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(pick),
                ranked.begin() + static_cast<std::ptrdiff_t>(pick + 1));
    out.near_equal = n;
    if (ranked.size() > needs.ranked) ranked.resize(std::max<size_t>(needs.ranked, 1));
    for (Candidate& c : ranked)
      if (c.chord != INFINITY) c.distance_km = ChordToKm(c.chord);
  }
  out.ranked = std::move(ranked);
  std::stable_sort(out.excluded.begin(), out.excluded.end(), [](const Exclusion& a, const Exclusion& b) {
    return a.status->mirror.name < b.status->mirror.name;
  });
  return out;
}

}  // namespace waymark
