#include "redirector/metrics.h"

#include <cstring>

namespace waymark {

void Metrics::Reset() {
  for (auto& row : requests)
    for (auto& c : row) c.store(0);
  for (auto* c : {&fallbacks, &cache_hits, &cache_misses, &database_errors, &downloads_counted,
                  &stats_flushed, &stats_dropped})
    c->store(0);
  for (auto& p : stats_pending) p.store(0);
}

void Metrics::CountRequest(int status, const char* tier) {
  // Once per request: no strings made.
  int s = kStatusCount - 1;
  for (int i = 0; i < kStatusCount - 1; ++i)
    if (status == kMetricStatuses[i]) s = i;
  int t = kTierCount - 1;
  for (int i = 0; i < kTierCount; ++i)
    if (std::strcmp(tier, kMetricTiers[i]) == 0) t = i;
  requests[s][t].fetch_add(1, std::memory_order_relaxed);
}

namespace {

void Counter(std::string* out, const char* name, const char* help, uint64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
          " " + std::to_string(value) + "\n";
}

}  // namespace

std::string PrometheusText(const Metrics& m) {
  std::string out =
      "# HELP waymark_requests_total Requests answered, by HTTP status and by the tier of the "
      "mirror chosen (fallback, origin, or none for other answers).\n"
      "# TYPE waymark_requests_total counter\n";
  for (int s = 0; s < kStatusCount; ++s) {
    for (int t = 0; t < kTierCount; ++t) {
      uint64_t v = m.requests[s][t].load(std::memory_order_relaxed);
      if (v == 0) continue;
      std::string status = s < kStatusCount - 1 ? std::to_string(kMetricStatuses[s]) : "other";
      out += "waymark_requests_total{status=\"" + status + "\",tier=\"" + kMetricTiers[t] + "\"} " +
             std::to_string(v) + "\n";
    }
  }
  Counter(&out, "waymark_fallbacks_total",
          "Downloads no mirror could serve (sent to a fallback, the origin, or 503).",
          m.fallbacks.load());
  Counter(&out, "waymark_file_cache_hits_total",
          "File look-ups answered from memory (the shared index or the worker's cache).",
          m.cache_hits.load());
  Counter(&out, "waymark_file_cache_misses_total", "File look-ups that asked the database.",
          m.cache_misses.load());
  Counter(&out, "waymark_database_errors_total",
          "Failed database operations (refreshes, look-ups, statistics writes).",
          m.database_errors.load());
  Counter(&out, "waymark_downloads_counted_total", "Downloads counted for the statistics.",
          m.downloads_counted.load());
  Counter(&out, "waymark_stats_flushed_total", "Counted downloads written to the database.",
          m.stats_flushed.load());
  Counter(&out, "waymark_stats_dropped_total",
          "Counted downloads dropped because too many waited while the database was away.",
          m.stats_dropped.load());
  int64_t pending = 0;
  for (const auto& p : m.stats_pending) pending += p.load(std::memory_order_relaxed);
  out += "# HELP waymark_stats_pending Counted downloads waiting to be written, all workers.\n"
         "# TYPE waymark_stats_pending gauge\nwaymark_stats_pending " +
         std::to_string(pending) + "\n";
  return out;
}

}  // namespace waymark
