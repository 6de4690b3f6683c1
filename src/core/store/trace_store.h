// The trace checker's side of PostgreSQL: which mirrors to check with what
// the last runs recorded, files to probe, and writing a run's results
// (mirrors.trace_*, mirror_health, mirror_events). Every query is
// parameterised; libpqxx exceptions stay in trace_store.cc.
#ifndef WAYMARK_CORE_STORE_TRACE_STORE_H_
#define WAYMARK_CORE_STORE_TRACE_STORE_H_

#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/model/health_rules.h"
#include "core/model/trace_results.h"
#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

// A mirror as a run sees it: its URLs and settings, what the last runs
// recorded, and the files to probe.
struct TraceTarget {
  int id = 0;
  std::string name;
  std::string http_url, https_url;
  std::optional<long long> max_lag;
  bool allow_redirects = false;
  Freshness prev;
  bool was_stale = false;  // its last stale/fresh event said stale
  std::map<std::pair<std::string, int>, HealthRow> health;
  std::vector<ProbeFile> probes;
};

// Takes the session's advisory lock that keeps two runs apart (released
// with the connection); kFailedPrecondition when another run holds it.
Status LockTraceChecks(Database* db);

// The named mirrors (enabled or not; kNotFound for an unknown name), or every
// enabled mirror when `names` is empty, by name, with their health rows.
Status LoadTraceTargets(Database* db, const std::vector<std::string>& names,
                        std::vector<TraceTarget>* out);

// Fills t->probes with up to `count` files drawn at random among those the
// inventory says the mirror holds (its bitmaps).
Status PickProbeFiles(Database* db, int count, std::mt19937_64* rng,
                      TraceTarget* t);

// Writes a run: `reports[i]` is `targets[i]`'s, whose `health` already
// holds the new rows. Health rows of schemes a mirror no longer offers go.
Status WriteTraceResults(Database* db, const std::vector<TraceTarget>& targets,
                         const std::vector<MirrorReport>& reports,
                         long long now);

// What the last runs recorded for one mirror, for `waymark mirror show`.
// Times are UTC, "YYYY-MM-DD HH:MM:SS", "" when unset.
// `detail` is the private text beside the public `reason` / `error`
// (health_rules.h), "" when there is none.
struct HealthView {
  std::string scheme;
  int family = 4;
  bool up = false;
  bool offered = true;
  std::string since, reason, checked_at, detail;
  std::optional<long long> latency_ms;
};
struct FreshnessView {
  std::optional<long long> lag;
  std::string trace_time, checked_at, error, detail;
};
Status LoadCheckView(Database* db, int mirror_id, FreshnessView* freshness,
                     std::vector<HealthView>* health);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_TRACE_STORE_H_
