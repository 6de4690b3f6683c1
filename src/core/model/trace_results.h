// What a run of waymark-trace found, as plain values: per mirror, each
// scheme and family checked and the freshness and events that follow, and
// the files a run probes. The checker (trace/trace_checker.h) fills them,
// the store (core/store/trace_store.h) writes them, the report
// (trace/trace_report.h) prints them.
#ifndef WAYMARK_CORE_MODEL_TRACE_RESULTS_H_
#define WAYMARK_CORE_MODEL_TRACE_RESULTS_H_

#include <optional>
#include <string>
#include <vector>

#include "core/model/health_rules.h"

namespace waymark {

// One scheme and family of one mirror.
struct CheckReport {
  std::string scheme;  // "http" or "https"
  int family = 4;
  std::string url;  // the trace file's URL
  CheckResult result;
  std::optional<long long> trace_time;  // read this time
  bool up = false;                      // state after the check
};

struct MirrorReport {
  int id = 0;
  std::string name;
  std::vector<CheckReport> checks;
  Freshness freshness;    // after the run
  long long max_lag = 0;  // the limit that applies to it
  std::vector<EventRecord> events;

  bool stale() const { return IsStale(freshness.lag, max_lag); }
  // A check failed, or the mirror is stale or its freshness unknown.
  bool failed() const;
};

struct TraceReport {
  long long checked_at = 0;
  std::optional<long long> origin_time;
  std::string origin_error;  // why the origin's trace could not be read
  // Set when the origin's own trace is older than redirector.max_lag: the
  // stamp job has stopped, and every lag is measured against an old time.
  std::string origin_warning;
  std::vector<MirrorReport> mirrors;

  bool AnyFailed() const;
};

// A file the inventory says the mirror holds.
struct ProbeFile {
  std::string path;
  long long size = 0;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_TRACE_RESULTS_H_
