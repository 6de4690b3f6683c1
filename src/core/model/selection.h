// Mirror selection: which mirrors may serve a file to a client, and in what
// order. Pure code: no database, no clock, no network; the randomness of the
// weighted choice comes from the caller. The redirector, `waymark pick` and
// the mirror list page all call Select(), so every answer can be explained
// with the same reasons.
//
// A mirror is a candidate only when all hold: enabled; up for the scheme the
// client needs over the client's IP family (HTTPS -> HTTPS unless the
// policy allows falling back to HTTP; HTTP -> HTTP, or HTTPS where the
// mirror cannot serve HTTP and the policy allows the upgrade); fresh
// (trace lag within its limit); holds the file at the inventory's size;
// the client passes its restrictions. Candidates are ranked by tier (same AS,
// same country or a country it also serves, same continent, world), then by
// distance; among the near-equal mirrors at the top of the best tier one is
// drawn at random in proportion to weight, so load spreads.
#ifndef WAYMARK_CORE_MODEL_SELECTION_H_
#define WAYMARK_CORE_MODEL_SELECTION_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/geo/location.h"
#include "core/model/mirror.h"

namespace waymark {

enum class Health { kUnknown, kUp, kDown };

// What the selection needs to know about a mirror beyond its fields.
struct MirrorStatus {
  Mirror mirror;
  // Per scheme and IP family, from waymark-trace; kUnknown: never checked.
  Health http_v4 = Health::kUnknown, http_v6 = Health::kUnknown;
  Health https_v4 = Health::kUnknown, https_v6 = Health::kUnknown;
  std::optional<long long> trace_lag;  // seconds behind the origin
  std::optional<long long> max_lag;    // per-mirror limit, else the policy's
  // When waymark-trace last checked it (mirrors.trace_checked_at, Unix
  // seconds, the checker's clock); unset: never.
  std::optional<long long> checked_at;

  Health Get(bool https, int family) const;
};

// What Select() reads of one mirror for every request, packed into one
// 64-byte row. A MirrorStatus is about 1 KB of strings spread over many
// cache lines; the redirector scans fifty mirrors per download, so it
// scans fifty rows instead, and ranks by numbers instead of strings. The
// rest of a MirrorStatus is read only for the few mirrors that need it:
// restrictions, also_countries, the reasons for `waymark pick`, the answer.
struct SelectionRow {
  enum Flag : uint8_t {
    kEnabled = 1,
    kLagKnown = 2,    // trace_lag is set
    kRestricted = 4,  // country_only, continent_only, asn_only,
                      // exclude_countries or max_size
    kHasPoint = 8,    // point is set
    kHasAsn = 16,     // asn is set
    kAlsoCountries = 32,
    kOwnMaxLag = 64,  // max_lag is set
  };
  SpherePoint point;        // on the unit sphere, from latitude and longitude
  long long trace_lag = 0;  // seconds behind the origin
  long long max_lag = 0;    // the mirror's own limit
  long long asn = 0;
  int id = 0;
  // Position in the list sorted by name, then by list order: the ranking's
  // last tie-breakers as one number.
  uint32_t name_rank = 0;
  uint16_t country = 0, continent = 0;  // PackCode(); 0: unknown
  uint8_t flags = 0;
  // Bit UpBit(https, family) set: the mirror has a URL for the scheme and
  // is up over it for that IP family.
  uint8_t up = 0;

  static constexpr uint8_t UpBit(bool https, int family) {
    return static_cast<uint8_t>(1u
                                << ((https ? 2 : 0) + (family == 6 ? 1 : 0)));
  }
};

// A two-letter country or continent code as one number; 0 for "" or
// anything not two characters long (the schema allows no such mirror codes).
inline uint16_t PackCode(const std::string& code) {
  if (code.size() != 2) return 0;
  return static_cast<uint16_t>(static_cast<unsigned char>(code[0]) << 8 |
                               static_cast<unsigned char>(code[1]));
}

// The rows for `mirrors`, in their order. The redirector builds them once
// per refresh of its mirror list; trigonometry and sorting by name happen
// here, not per request.
std::vector<SelectionRow> SelectionRows(
    const std::vector<MirrorStatus>& mirrors);

// A set of mirror ids (small non-negative integers, as PostgreSQL hands
// them out): a bit per id, so filling it for every request costs one
// allocation, not one per mirror.
class MirrorIdSet {
 public:
  void insert(int id) {
    if (id < 0) return;
    size_t w = static_cast<size_t>(id) / 64;
    if (w >= words_.size()) words_.resize(w + 1);
    words_[w] |= uint64_t{1} << (id % 64);
  }
  void erase(int id) {
    size_t w = static_cast<size_t>(id) / 64;
    if (id >= 0 && w < words_.size()) words_[w] &= ~(uint64_t{1} << (id % 64));
  }
  size_t count(int id) const {
    size_t w = static_cast<size_t>(id) / 64;
    return id >= 0 && w < words_.size() && (words_[w] >> (id % 64) & 1);
  }
  // Room for ids below `n` without another allocation.
  void reserve(int n) {
    words_.reserve(static_cast<size_t>(std::max(n, 0)) / 64 + 1);
  }
  void clear() { words_.clear(); }

 private:
  std::vector<uint64_t> words_;
};

struct FileFacts {
  long long size = 0;
  MirrorIdSet holders;  // ids of mirrors whose scan matched it
  // Mirrors that list it but do not count: id -> "wrong_size" or "too_old".
  std::unordered_map<int, std::string> problems;
};

struct Client {
  GeoLocation location;
  int family = 4;  // 4 or 6
  bool https = false;
};

struct SelectionPolicy {
  long long max_lag = 3600;             // seconds; redirector.max_lag
  bool https_fallback_to_http = false;  // redirector.https_fallback_to_http
  // redirector.http_to_https: an HTTP client may be sent to a mirror's
  // HTTPS URL when the mirror cannot serve it over HTTP (no HTTP URL, or
  // HTTP down). Such a mirror ranks like any other: HTTPS costs the
  // client nothing it cannot do, and a near HTTPS-only mirror beats a far
  // HTTP one.
  bool http_to_https = false;
  // Mirrors within this distance of the nearest one in the top tier share
  // the load by weight (km), or within this share of its distance.
  double near_km = 500;
  double near_ratio = 0.25;
  // Unix seconds; 0: every check is trusted. Else a mirror whose last
  // trace check (MirrorStatus::checked_at) is older than this, or that was
  // never checked, is not a candidate, as if no trace had ever checked it.
  // The redirector sets it, to now - redirector.max_inventory_age, only on
  // a node whose own view of the inventory is older than that
  // (redirector/handler.h).
  long long checks_trusted_from = 0;
};

enum class Tier : uint8_t {
  kAsn = 0,
  kCountry = 1,
  kContinent = 2,
  kWorld = 3
};
const char* TierName(Tier t);  // "asn", "country", "continent", "world"

struct Candidate {
  const MirrorStatus* status;
  Tier tier;
  std::optional<double> distance_km;  // unknown without coordinates
  // Base URL for the client's scheme: a view of the mirror's own field
  // (valid as long as `status`), so ranking fifty mirrors copies no string.
  std::string_view url;
  bool http_fallback = false;  // an HTTPS client sent to HTTP
  bool https_upgrade = false;  // an HTTP client sent to HTTPS
  // What the ranking compares: the straight line to the client through the
  // unit sphere, which grows with the distance and needs no arcsine;
  // INFINITY when unknown.
  double chord = INFINITY;
};

struct Exclusion {
  const MirrorStatus* status;
  std::string reason;  // one line for people: "down over HTTPS (IPv6)"
};

struct Selection {
  std::vector<Candidate> ranked;  // best first; ranked[0] is the choice
  std::vector<Exclusion> excluded;
  size_t near_equal = 0;  // how many of the first entries shared the draw
};

// How much of the answer the caller uses. `waymark pick` and the mirror list
// show every mirror and every reason; a redirect needs only the chosen
// mirror and the few in its Link headers, and no reasons, which spares
// most of the work on the path that serves every download.
struct SelectionNeeds {
  bool reasons = true;       // fill Selection::excluded
  size_t ranked = SIZE_MAX;  // keep at most this many in Selection::ranked
};

// `uniform01` returns numbers in [0, 1); tests pass a fixed sequence.
// Whatever `needs` says, the ranking and the draw are the same; with
// needs.ranked = n, ranked holds only the first n entries (near_equal still
// counts the whole group the draw was among). `rows` must be
// SelectionRows(mirrors) of this same list; when their count differs from
// the list's, Select() builds them afresh.
Selection Select(const std::vector<MirrorStatus>& mirrors,
                 const std::vector<SelectionRow>& rows, const FileFacts& file,
                 const Client& client, const SelectionPolicy& policy,
                 const std::function<double()>& uniform01,
                 const SelectionNeeds& needs = {});
// The same, building the rows for this one call (`waymark pick`, tests).
Selection Select(const std::vector<MirrorStatus>& mirrors,
                 const FileFacts& file, const Client& client,
                 const SelectionPolicy& policy,
                 const std::function<double()>& uniform01,
                 const SelectionNeeds& needs = {});

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_SELECTION_H_
