// The redirector's counters, and their Prometheus text exposition
// (?metrics). The counters live in memory the master maps shared before it
// forks, so every worker adds to the same numbers and any worker can answer
// ?metrics for all of them; they are lock-free atomics, a few relaxed adds
// per request (its status and tier, its duration). Tests put them on the
// heap.
#ifndef WAYMARK_REDIRECTOR_METRICS_H_
#define WAYMARK_REDIRECTOR_METRICS_H_

#include <atomic>
#include <cstdint>
#include <string>

namespace waymark {

// Label values, in the order of the arrays below: the status codes counted
// one by one (any other is "other", the last row), and the tiers.
constexpr int kMetricStatuses[] = {200, 302, 400, 404, 405, 503};
constexpr const char* kMetricTiers[] = {
    "asn", "country", "continent", "world", "fallback", "origin", "none"};
constexpr int kStatusCount =
    sizeof kMetricStatuses / sizeof kMetricStatuses[0] + 1;
constexpr int kTierCount = sizeof kMetricTiers / sizeof kMetricTiers[0];
// Why a worker closed a FastCGI connection nginx had not closed, in the
// order of Metrics::connections_closed (redirector/fcgi_loop.h).
enum class ConnectionClose { kIdle, kSlow, kCap, kInvalid };
constexpr const char* kConnectionCloseReasons[] = {"idle", "slow", "cap",
                                                   "invalid"};
constexpr int kConnectionCloseCount =
    sizeof kConnectionCloseReasons / sizeof kConnectionCloseReasons[0];
// Worker slots whose waiting statistics are reported (redirector.workers
// is at most 1024).
constexpr int kMaxWorkerSlots = 1024;
// Upper bounds, in microseconds, of the request duration histogram's
// buckets; one more bucket (+Inf) follows them. A plain redirect takes
// tens of microseconds; pages, database look-ups and a busy machine longer.
constexpr uint64_t kDurationBoundsUs[] = {
    25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000, 1000000};
constexpr int kDurationBuckets =
    sizeof kDurationBoundsUs / sizeof kDurationBoundsUs[0] + 1;

struct Metrics {
  static_assert(std::atomic<uint64_t>::is_always_lock_free,
                "shared counters need lock-free atomics");
  std::atomic<uint64_t> requests[kStatusCount][kTierCount];
  std::atomic<uint64_t>
      fallbacks;  // no mirror could serve: fallback, origin or 503
  std::atomic<uint64_t> cache_hits;    // file found in the index
  std::atomic<uint64_t> cache_misses;  // path the index does not hold
  std::atomic<uint64_t> database_errors;
  std::atomic<uint64_t> downloads_counted;
  std::atomic<uint64_t> stats_flushed;  // downloads written to the database
  std::atomic<uint64_t> stats_dropped;
  std::atomic<uint64_t>
      stats_rejected;  // downloads whose rows the database rejected
  std::atomic<int64_t>
      stats_pending[kMaxWorkerSlots];  // downloads waiting, per worker slot
  // What they are charged in memory (DownloadCounts::EntryBytes), per slot.
  std::atomic<int64_t> stats_pending_bytes[kMaxWorkerSlots];
  std::atomic<uint64_t> stats_spooled;  // downloads put in the spool
  // FastCGI connections closed by a worker, by ConnectionClose.
  std::atomic<uint64_t> connections_closed[kConnectionCloseCount];
  // Requests by duration (not cumulative: one bucket per request), and the
  // durations' sum.
  std::atomic<uint64_t> duration_buckets[kDurationBuckets];
  std::atomic<uint64_t> duration_sum_ns;

  // Zeroes everything (the memory may come from mmap or the heap).
  void Reset();
  // `tier` is one of kMetricTiers (anything else counts as "none").
  void CountRequest(int status, const char* tier);
  // One request's time in the worker, from when it has been read to when
  // its answer is ready to be written to the socket.
  void ObserveDuration(uint64_t ns);
  void CountClose(ConnectionClose why) {
    connections_closed[static_cast<int>(why)].fetch_add(
        1, std::memory_order_relaxed);
  }
};

// Prometheus text format 0.0.4.
std::string PrometheusText(const Metrics& m);

// The node's own lines, from the snapshot of the worker that answers
// (redirector/inventory_cache.h), in the same format: waymark_node_info
// with the node's name (redirector.node) as a label,
// waymark_inventory_age_seconds (+Inf when unknown), and
// waymark_inventory_stale (1 past redirector.max_inventory_age).
std::string NodeMetricsText(const std::string& node, double age_seconds,
                            bool stale);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_METRICS_H_
