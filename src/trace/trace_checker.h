// waymark-trace's check of the mirrors: fetches each mirror's trace file
// over every scheme it offers (http, https) and every IP family (4, 6), all
// at once through libcurl multi (http_fetch.h); optionally probes a few of
// the files the inventory says it holds; then applies the pure rules of
// health_rules.h and writes, in one transaction for the run, the trace_*
// columns, its mirror_health rows and an event for each change of state.
//
// Failures of a check (timeout, refused, TLS, HTTP status, redirect, bad
// trace, lying mirror) are results, recorded with their public reason and
// their detail (health_rules.h); only database errors and bad arguments
// are a failed Status.
#ifndef WAYMARK_TRACE_TRACE_CHECKER_H_
#define WAYMARK_TRACE_TRACE_CHECKER_H_

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/model/health_rules.h"
#include "core/model/trace_results.h"
#include "core/net/http_fetch.h"
#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h

struct TraceOptions {
  std::string
      trace_path;  // the origin's trace file (repository.path/trace_file)
  std::string trace_file;    // relative to a mirror's base URL
  long long max_lag = 3600;  // redirector.max_lag
  HealthPolicy policy;
  long long connect_timeout_ms = 10000;
  long long timeout_ms = 30000;
  int parallel = 64;
  int probe_files = 0;
  std::string ca_file;

  // kInvalidArgument for values the config's types let through but a check
  // cannot use: a zero timeout would mean "wait forever" to libcurl.
  static Status FromConfig(const Config& config, TraceOptions* out);
};

// The pure steps of a check, exposed for tests (trace_checker_test.cc).

// One trace file answer: ok with the time read into `time`, or failed with
// its public reason, a fixed phrase ("HTTP 404", "HTTP 302 redirect not
// followed", "not a trace file", "timeout after 30 s", "TLS error"...),
// and, when there is more to say, its detail with what the mirror sent
// ("bad trace: not a trace file: '<html>...'", the redirect's target,
// libcurl's words), for the admin only. The latency is the transfer's.
CheckResult EvaluateTraceAnswer(const FetchResult& answer, long long now,
                                std::optional<long long>* time);

// One probe's answer: "" when it agrees with the inventory, else the public
// reason ("lying mirror: PATH is missing (HTTP 404)", "lying mirror: PATH
// has Content-Length 4, the inventory says 3", "probe of PATH: timeout...")
// with its `detail` as for a trace answer ("" when none).
std::string EvaluateProbeAnswer(const FetchResult& answer,
                                const ProbeFile& file, std::string* detail);

// A family whose name lookup failed while the other family's did not has no
// address of that family: not offered rather than failed. When both fail,
// the name does not resolve at all and both checks fail.
bool FamilyNotOffered(bool resolve_failed, bool other_resolve_failed);

class TraceChecker {
 public:
  TraceChecker(Database* db, TraceOptions options, const Clock* clock)
      : db_(db), options_(std::move(options)), clock_(clock) {}

  // Checks the named mirrors (even disabled ones), or every enabled mirror
  // when `names` is empty. kNotFound for an unknown name; kFailedPrecondition
  // when another waymark-trace holds the check lock.
  Status Run(const std::vector<std::string>& names, TraceReport* report);

 private:
  Database* db_;
  TraceOptions options_;
  const Clock* clock_;
};

}  // namespace waymark

#endif  // WAYMARK_TRACE_TRACE_CHECKER_H_
