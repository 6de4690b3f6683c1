#include "redirector/metrics.h"

#include <cstdio>
#include <cstring>

namespace waymark {

void Metrics::Reset() {
  for (auto& row : requests)
    for (auto& c : row) c.store(0);
  for (auto* c : {&fallbacks, &cache_hits, &cache_misses, &database_errors,
                  &downloads_counted, &stats_flushed, &stats_dropped,
                  &stats_rejected, &stats_spooled})
    c->store(0);
  for (auto& p : stats_pending) p.store(0);
  for (auto& p : stats_pending_bytes) p.store(0);
  for (auto& c : connections_closed) c.store(0);
  for (auto& b : duration_buckets) b.store(0);
  duration_sum_ns.store(0);
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

void Metrics::ObserveDuration(uint64_t ns) {
  int b = 0;
  while (b < kDurationBuckets - 1 && ns > kDurationBoundsUs[b] * 1000) ++b;
  duration_buckets[b].fetch_add(1, std::memory_order_relaxed);
  duration_sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

namespace {

void Counter(std::string* out, const char* name, const char* help,
             uint64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
          " counter\n" + name + " " + std::to_string(value) + "\n";
}

}  // namespace

std::string PrometheusText(const Metrics& m) {
  std::string out =
      "# HELP waymark_requests_total Requests answered, by HTTP status and by "
      "the tier of the "
      "mirror chosen (fallback, origin, or none for other answers).\n"
      "# TYPE waymark_requests_total counter\n";
  for (int s = 0; s < kStatusCount; ++s) {
    for (int t = 0; t < kTierCount; ++t) {
      uint64_t v = m.requests[s][t].load(std::memory_order_relaxed);
      if (v == 0) continue;
      std::string status =
          s < kStatusCount - 1 ? std::to_string(kMetricStatuses[s]) : "other";
      out += "waymark_requests_total{status=\"" + status + "\",tier=\"" +
             kMetricTiers[t] + "\"} " + std::to_string(v) + "\n";
    }
  }
  Counter(&out, "waymark_fallbacks_total",
          "Downloads no mirror could serve (sent to a fallback, the origin, or "
          "503).",
          m.fallbacks.load());
  Counter(&out, "waymark_file_cache_hits_total",
          "File look-ups the shared file index answered.", m.cache_hits.load());
  Counter(&out, "waymark_file_cache_misses_total",
          "File look-ups of paths the file index does not hold (never asked "
          "of the database).",
          m.cache_misses.load());
  Counter(
      &out, "waymark_database_errors_total",
      "Failed database operations (refreshes, look-ups, statistics writes).",
      m.database_errors.load());
  Counter(&out, "waymark_downloads_counted_total",
          "Downloads counted for the statistics.", m.downloads_counted.load());
  Counter(&out, "waymark_stats_flushed_total",
          "Counted downloads written to the database.", m.stats_flushed.load());
  Counter(&out, "waymark_stats_dropped_total",
          "Counted downloads dropped because more than "
          "redirector.stats_max_pending_bytes waited while the primary was "
          "away (and the spool was full or unwritable).",
          m.stats_dropped.load());
  Counter(&out, "waymark_stats_spooled_total",
          "Counted downloads put in the spool on disk while the primary was "
          "away (delivered later: waymark_stats_flushed_total).",
          m.stats_spooled.load());
  Counter(&out, "waymark_stats_rejected_total",
          "Counted downloads dropped because the database rejected their rows "
          "(a name it "
          "cannot store).",
          m.stats_rejected.load());
  int64_t pending = 0;
  for (const auto& p : m.stats_pending)
    pending += p.load(std::memory_order_relaxed);
  out +=
      "# HELP waymark_stats_pending Counted downloads waiting to be written, "
      "all workers.\n"
      "# TYPE waymark_stats_pending gauge\nwaymark_stats_pending " +
      std::to_string(pending) + "\n";
  int64_t pending_bytes = 0;
  for (const auto& p : m.stats_pending_bytes)
    pending_bytes += p.load(std::memory_order_relaxed);
  out +=
      "# HELP waymark_stats_pending_bytes Memory the counts waiting to be "
      "written are charged (redirector.stats_max_pending_bytes per worker), "
      "all workers.\n"
      "# TYPE waymark_stats_pending_bytes gauge\nwaymark_stats_pending_bytes " +
      std::to_string(pending_bytes) + "\n";
  out +=
      "# HELP waymark_connections_closed_total FastCGI connections a worker "
      "closed, by reason: idle (no request within redirector.client_timeout), "
      "slow (a request not complete, an answer not read, or a close not "
      "finished within it), cap (the longest idle, to make room at "
      "redirector.max_connections), invalid (not FastCGI).\n"
      "# TYPE waymark_connections_closed_total counter\n";
  for (int i = 0; i < kConnectionCloseCount; ++i)
    out += std::string("waymark_connections_closed_total{reason=\"") +
           kConnectionCloseReasons[i] + "\"} " +
           std::to_string(
               m.connections_closed[i].load(std::memory_order_relaxed)) +
           "\n";
  // Buckets are cumulative in the exposition: each counts the requests that
  // took at most its bound. The count is read as the bucket sum, so the
  // lines agree with each other even while workers add to them.
  out +=
      "# HELP waymark_request_duration_seconds Time a worker spent on a "
      "request, from reading "
      "it to handing its answer to nginx (time queued in the socket or in "
      "nginx not "
      "included).\n# TYPE waymark_request_duration_seconds histogram\n";
  uint64_t total = 0;
  for (int b = 0; b < kDurationBuckets; ++b) {
    total += m.duration_buckets[b].load(std::memory_order_relaxed);
    std::string le = "+Inf";
    if (b < kDurationBuckets - 1) {
      char buf[32];
      snprintf(buf, sizeof buf, "%g",
               static_cast<double>(kDurationBoundsUs[b]) / 1e6);
      le = buf;
    }
    out += "waymark_request_duration_seconds_bucket{le=\"" + le + "\"} " +
           std::to_string(total) + "\n";
  }
  char sum[48];
  snprintf(sum, sizeof sum, "%.9f",
           static_cast<double>(m.duration_sum_ns.load()) / 1e9);
  out += std::string("waymark_request_duration_seconds_sum ") + sum + "\n";
  out +=
      "waymark_request_duration_seconds_count " + std::to_string(total) + "\n";
  return out;
}

std::string NodeMetricsText(const std::string& node, double age_seconds,
                            bool stale) {
  // A label value escapes backslash, double quote and newline.
  std::string label;
  for (char c : node) {
    if (c == '\\' || c == '"') label += '\\';
    if (c == '\n') {
      label += "\\n";
      continue;
    }
    label += c;
  }
  std::string age = "+Inf";
  if (age_seconds >= 0) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f", age_seconds);
    age = buf;
  }
  return "# HELP waymark_node_info This redirector node (redirector.node).\n"
         "# TYPE waymark_node_info gauge\n"
         "waymark_node_info{node=\"" +
         label +
         "\"} 1\n"
         "# HELP waymark_inventory_age_seconds How old this node's view of the "
         "inventory is: 0 on a primary, a hot standby's replay lag, and the "
         "time since the last refresh while the database does not answer "
         "(+Inf: unknown).\n"
         "# TYPE waymark_inventory_age_seconds gauge\n"
         "waymark_inventory_age_seconds " +
         age +
         "\n"
         "# HELP waymark_inventory_stale 1 while the inventory is older than "
         "redirector.max_inventory_age (mirror checks older than that are not "
         "trusted).\n"
         "# TYPE waymark_inventory_stale gauge\n"
         "waymark_inventory_stale " +
         (stale ? "1" : "0") + "\n";
}

}  // namespace waymark
