#include "core/model/selection.h"

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
    case Tier::kAsn:
      return "asn";
    case Tier::kCountry:
      return "country";
    case Tier::kContinent:
      return "continent";
    case Tier::kWorld:
      return "world";
  }
  return "world";
}

static_assert(sizeof(SelectionRow) == 64, "one cache line per mirror");

std::vector<SelectionRow> SelectionRows(
    const std::vector<MirrorStatus>& mirrors) {
  std::vector<SelectionRow> rows(mirrors.size());
  std::vector<uint32_t> by_name(mirrors.size());
  for (uint32_t i = 0; i < by_name.size(); ++i) by_name[i] = i;
  std::stable_sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) {
    return mirrors[a].mirror.name < mirrors[b].mirror.name;
  });
  for (uint32_t rank = 0; rank < by_name.size(); ++rank)
    rows[by_name[rank]].name_rank = rank;
  for (size_t i = 0; i < mirrors.size(); ++i) {
    const MirrorStatus& s = mirrors[i];
    const Mirror& m = s.mirror;
    SelectionRow& r = rows[i];
    r.id = m.id;
    uint8_t f = 0;
    if (m.enabled) f |= SelectionRow::kEnabled;
    if (s.trace_lag) {
      f |= SelectionRow::kLagKnown;
      r.trace_lag = *s.trace_lag;
    }
    if (s.max_lag) {
      f |= SelectionRow::kOwnMaxLag;
      r.max_lag = *s.max_lag;
    }
    if (m.country_only || m.continent_only || m.asn_only ||
        !m.exclude_countries.empty() || m.max_size)
      f |= SelectionRow::kRestricted;
    if (m.latitude && m.longitude) {
      f |= SelectionRow::kHasPoint;
      r.point = ToSpherePoint(*m.latitude, *m.longitude);
    }
    if (m.asn) {
      f |= SelectionRow::kHasAsn;
      r.asn = *m.asn;
    }
    if (!m.also_countries.empty()) f |= SelectionRow::kAlsoCountries;
    r.flags = f;
    r.country = PackCode(m.country);
    r.continent = PackCode(m.continent);
    for (bool https : {false, true})
      for (int family : {4, 6})
        if (!(https ? m.https_url : m.http_url).empty() &&
            s.Get(https, family) == Health::kUp)
          r.up |= SelectionRow::UpBit(https, family);
  }
  return rows;
}

namespace {

// Country and continent codes are two letters: compared without a call, as
// the restriction checks run for every restricted mirror on every request.
inline bool SameCode(const std::string& a, const std::string& b) {
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
  return std::string(https ? "HTTPS" : "HTTP") + " (IPv" +
         std::to_string(family) + ")";
}

// Why `m` may not serve this client over `https`, or "" when it may.
std::string SchemeProblem(const MirrorStatus& s, bool https, int family) {
  const Mirror& m = s.mirror;
  if ((https ? m.https_url : m.http_url).empty())
    return std::string("has no ") + (https ? "HTTPS" : "HTTP") + " URL";
  switch (s.Get(https, family)) {
    case Health::kUp:
      return "";
    case Health::kDown:
      return "down over " + SchemeFamily(https, family);
    case Health::kUnknown:
      return "not checked over " + SchemeFamily(https, family) + " yet";
  }
  return "";
}

// Whether the client passes the mirror's restrictions; if not, and `why`
// is given, the reason.
bool RestrictionsPass(const Mirror& m, const GeoLocation& c, long long size,
                      std::string* why) {
  if (!c.country.empty() && Contains(m.exclude_countries, c.country)) {
    if (why) *why = "does not serve country " + c.country;
    return false;
  }
  if (m.max_size && size > *m.max_size) {
    if (why)
      *why = "takes files up to " + std::to_string(*m.max_size) + " bytes";
    return false;
  }
  if (m.asn_only && (!c.asn || c.asn != m.asn)) {
    if (why) *why = "serves only AS" + std::to_string(m.asn.value_or(0));
    return false;
  }
  if (m.country_only &&
      (c.country.empty() || (!SameCode(c.country, m.country) &&
                             !Contains(m.also_countries, c.country)))) {
    if (why)
      *why = "serves only country " + m.country +
             (m.also_countries.empty() ? ""
                                       : " and " + Join(m.also_countries, ","));
    return false;
  }
  if (m.continent_only &&
      (c.continent.empty() || !SameCode(c.continent, m.continent))) {
    if (why) *why = "serves only continent " + m.continent;
    return false;
  }
  return true;
}

// One candidate while ranking: 16 bytes, so that partitioning and sorting
// fifty of them moves little, and the fifty fit in the allocator's
// per-thread cache (up to 1 KiB). The Candidate is made only for those kept.
// Reach: over the client's scheme, or the other one as the policy allows.
enum class Reach : uint8_t { kDirect, kHttpFallback, kHttpsUpgrade };
struct Ranked {
  double chord;    // to the client, INFINITY when unknown
  uint32_t index;  // into the mirror list and its rows
  Tier tier;
  Reach reach;
};
static_assert(sizeof(Ranked) == 16, "ranked candidates stay small");

// The ranking order: tier, then distance (unknown after known), then name,
// then the order of the mirror list (so equal names cannot make it vary):
// the name's rank in the list, read from the rows only on a tie.
struct RanksBefore {
  const std::vector<SelectionRow>& rows;
  bool operator()(const Ranked& a, const Ranked& b) const {
    if (a.tier != b.tier) return a.tier < b.tier;
    if (a.chord != b.chord) return a.chord < b.chord;
    return rows[a.index].name_rank < rows[b.index].name_rank;
  }
};

}  // namespace

Selection Select(const std::vector<MirrorStatus>& mirrors,
                 const FileFacts& file, const Client& client,
                 const SelectionPolicy& policy,
                 const std::function<double()>& uniform01,
                 const SelectionNeeds& needs) {
  return Select(mirrors, SelectionRows(mirrors), file, client, policy,
                uniform01, needs);
}

Selection Select(const std::vector<MirrorStatus>& mirrors,
                 const std::vector<SelectionRow>& rows, const FileFacts& file,
                 const Client& client, const SelectionPolicy& policy,
                 const std::function<double()>& uniform01,
                 const SelectionNeeds& needs) {
  if (rows.size() != mirrors.size())
    return Select(mirrors, SelectionRows(mirrors), file, client, policy,
                  uniform01, needs);
  Selection out;
  const bool reasons = needs.reasons;
  // Every candidate, those over HTTPS and those an HTTPS client could only
  // reach over HTTP (kHttpFallback) together; sorted out below.
  std::vector<Ranked> ranked;
  ranked.reserve(mirrors.size());
  size_t fallbacks = 0;
  const GeoLocation& loc = client.location;
  const uint16_t country = PackCode(loc.country),
                 continent = PackCode(loc.continent);
  const bool client_point_known = loc.latitude && loc.longitude;
  SpherePoint client_point;
  if (client_point_known)
    client_point = ToSpherePoint(*loc.latitude, *loc.longitude);
  const uint8_t wanted = SelectionRow::UpBit(client.https, client.family);
  // The other scheme, where the policy allows it: HTTP for an HTTPS
  // client (a fallback), HTTPS for an HTTP client (an upgrade).
  const bool other_allowed =
      client.https ? policy.https_fallback_to_http : policy.http_to_https;
  const uint8_t other = SelectionRow::UpBit(!client.https, client.family);
  std::string why;
  for (uint32_t i = 0; i < rows.size(); ++i) {
    const SelectionRow& r = rows[i];
    auto exclude = [&](std::string reason) {
      if (reasons) out.excluded.push_back({&mirrors[i], std::move(reason)});
    };
    if (!(r.flags & SelectionRow::kEnabled)) {
      exclude("disabled");
      continue;
    }
    if (!file.holders.count(r.id)) {
      if (reasons) {
        auto p = file.problems.find(r.id);
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
    if (!(r.flags & SelectionRow::kLagKnown)) {
      exclude("freshness not checked yet");
      continue;
    }
    long long limit =
        r.flags & SelectionRow::kOwnMaxLag ? r.max_lag : policy.max_lag;
    if (r.trace_lag > limit) {
      if (reasons)
        exclude("stale: " + std::to_string(r.trace_lag) + " s behind (limit " +
                std::to_string(limit) + " s)");
      continue;
    }
    // Rare (a node whose view is stale): the check time is read from the
    // status, not the row, which has no room for it.
    if (policy.checks_trusted_from != 0) {
      const std::optional<long long>& at = mirrors[i].checked_at;
      if (!at || *at < policy.checks_trusted_from) {
        exclude(
            "health not trusted: its last check is older than "
            "redirector.max_inventory_age, as is this node's inventory");
        continue;
      }
    }
    const Mirror& m =
        mirrors[i].mirror;  // read only where the row cannot answer
    if (r.flags & SelectionRow::kRestricted &&
        !RestrictionsPass(m, loc, file.size, reasons ? &why : nullptr)) {
      exclude(why);
      continue;
    }
    Ranked c;
    c.index = i;
    if (loc.asn && r.flags & SelectionRow::kHasAsn && *loc.asn == r.asn) {
      c.tier = Tier::kAsn;
    } else if (country != 0 && (country == r.country ||
                                (r.flags & SelectionRow::kAlsoCountries &&
                                 Contains(m.also_countries, loc.country)))) {
      c.tier = Tier::kCountry;
    } else if (continent != 0 && continent == r.continent) {
      c.tier = Tier::kContinent;
    } else {
      c.tier = Tier::kWorld;
    }
    c.chord = client_point_known && r.flags & SelectionRow::kHasPoint
                  ? Chord(client_point, r.point)
                  : INFINITY;
    if (r.up & wanted) {
      c.reach = Reach::kDirect;
    } else if (other_allowed && r.up & other) {
      c.reach = client.https ? Reach::kHttpFallback : Reach::kHttpsUpgrade;
      fallbacks += client.https;
    } else {
      if (reasons) {
        const MirrorStatus& s = mirrors[i];
        std::string problem = SchemeProblem(s, client.https, client.family);
        // The HTTPS side is worth a word only where there is one.
        if (!client.https && policy.http_to_https && !m.https_url.empty())
          problem += ", and " + SchemeProblem(s, true, client.family);
        exclude(std::move(problem));
      }
      continue;
    }
    ranked.push_back(c);
  }

  // An HTTPS client goes to HTTP only when no HTTPS mirror can serve it.
  if (fallbacks > 0 && fallbacks < ranked.size()) {
    auto http = std::stable_partition(
        ranked.begin(), ranked.end(),
        [](const Ranked& c) { return c.reach != Reach::kHttpFallback; });
    if (reasons) {
      for (auto it = http; it != ranked.end(); ++it)
        out.excluded.push_back(
            {&mirrors[it->index],
             SchemeProblem(mirrors[it->index], true, client.family)});
    }
    ranked.erase(http, ranked.end());
  }
  if (!ranked.empty()) {
    // The near-equal group: same tier as the best, and close to its distance
    // (ranked of the tier when distances are unknown). It is the head of the
    // full ranking, so only the group is sorted to draw from, and of the
    // rest only as much as the caller keeps.
    const RanksBefore before{rows};
    const Ranked best = *std::min_element(ranked.begin(), ranked.end(), before);
    const bool known = best.chord != INFINITY;
    double best_km = known ? ChordToKm(best.chord) : 0;
    double limit = KmToChord(
        best_km + std::max(policy.near_km, best_km * policy.near_ratio));
    auto in_group = [&](const Ranked& c) {
      if (c.tier != best.tier) return false;
      if (!known) return true;  // then no candidate of the tier has a distance
      return c.chord != INFINITY && c.chord <= limit;
    };
    auto group_end = std::partition(ranked.begin(), ranked.end(), in_group);
    std::sort(ranked.begin(), group_end, before);
    size_t n = static_cast<size_t>(group_end - ranked.begin());
    size_t keep = std::min(ranked.size(), std::max(needs.ranked, n));
    std::partial_sort(group_end,
                      ranked.begin() + static_cast<std::ptrdiff_t>(keep),
                      ranked.end(), before);
    ranked.resize(keep);

    long long total = 0;
    for (size_t i = 0; i < n; ++i)
      total += mirrors[ranked[i].index].mirror.weight;
    double r = uniform01() * static_cast<double>(total);
    size_t pick = n - 1;
    for (size_t i = 0; i < n; ++i) {
      r -= mirrors[ranked[i].index].mirror.weight;
      if (r < 0) {
        pick = i;
        break;
      }
    }
    std::rotate(ranked.begin(),
                ranked.begin() + static_cast<std::ptrdiff_t>(pick),
                ranked.begin() + static_cast<std::ptrdiff_t>(pick + 1));
    out.near_equal = n;
    if (ranked.size() > needs.ranked)
      ranked.resize(std::max<size_t>(needs.ranked, 1));
    out.ranked.reserve(ranked.size());
    for (const Ranked& c : ranked) {
      const Mirror& m = mirrors[c.index].mirror;
      Candidate k{&mirrors[c.index], c.tier, std::nullopt, "", false, false};
      k.chord = c.chord;
      if (c.chord != INFINITY) k.distance_km = ChordToKm(c.chord);
      switch (c.reach) {
        case Reach::kDirect:
          k.url = client.https ? m.https_url : m.http_url;
          break;
        case Reach::kHttpFallback:
          k.url = m.http_url;
          k.http_fallback = true;
          break;
        case Reach::kHttpsUpgrade:
          k.url = m.https_url;
          k.https_upgrade = true;
          break;
      }
      out.ranked.push_back(k);
    }
  }
  std::stable_sort(out.excluded.begin(), out.excluded.end(),
                   [](const Exclusion& a, const Exclusion& b) {
                     return a.status->mirror.name < b.status->mirror.name;
                   });
  return out;
}

}  // namespace waymark
