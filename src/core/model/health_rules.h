// The trace checker's rules, as pure code: when a mirror goes down or comes
// back up over one scheme and IP family, how old its copy is, when it goes
// stale, and which changes are written to its event log. No database, no
// network, no clock: the time is an argument, so tests run any sequence of
// checks at any moment (tables in health_rules_test.cc).
//
// Health, per (mirror, scheme, family) — one mirror_health row:
//   - never checked (no row): the first check decides, up or down, because
//     the redirector does not use an unchecked mirror anyway;
//   - up: goes down after `fail_after` consecutive failed checks;
//   - down: comes up after `recover_after` consecutive good checks;
//   - a family the mirror's host has no address for ("no IPv6 address"),
//     or a scheme it has no URL for, is "not offered" at once, without
//     counting failures: a fact, not a fault. It is not up (selection never
//     uses it) but not down either: pages show it neutrally. When it is
//     offered again, its first check decides, as for a new mirror.
// Each change of state gives one event with its reason.
//
// Reasons are public (/mirrorstats, ?json, exports): fixed phrases such as
// "HTTP 404", "not a trace file", "timeout after 30 s", never a byte the
// mirror sent. The full text of a failure, with what the mirror answered,
// is its detail, which only `waymark mirror show` (and waymark-trace's own
// report) shows.
//
// Freshness, per mirror: the trace time is the oldest time read this run
// over any scheme and family (a mirror that serves two copies is as fresh
// as its older one); when nothing could be read the last known time is
// kept, so a mirror whose trace file breaks keeps ageing and goes stale.
// The lag is the origin's trace time minus the mirror's, never negative.
// A mirror is stale when its lag exceeds its limit (the mirror's own
// max_lag, else redirector.max_lag — the one limit the redirector uses).
#ifndef WAYMARK_CORE_MODEL_HEALTH_RULES_H_
#define WAYMARK_CORE_MODEL_HEALTH_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

// How a mirror's trace time may run ahead of the checker's clock (clock
// skew) before the trace file counts as being "in the future".
constexpr long long kTraceFutureToleranceSeconds = 60;

// The outcome of one check of one scheme and family.
struct CheckResult {
  enum class Kind { kOk, kFailed, kNotOffered };
  Kind kind = Kind::kFailed;
  std::string reason;  // why it failed / is not offered; "" when ok
  std::optional<long long> latency_ms;
  // The whole story, with what the mirror sent ("bad trace: not a trace
  // file: '<html>...'"); "" when `reason` says it all. Never public.
  std::string detail{};
};

// One mirror_health row (times in Unix seconds).
struct HealthRow {
  bool exists = false;  // false: never checked
  bool up = false;
  bool offered = true;  // false: not offered (then never up)
  long long since = 0;
  std::string reason;  // the failure that took it down, or the latest one
  std::string detail;  // the reason's detail (CheckResult::detail)
  int failures = 0;    // consecutive
  int successes = 0;   // consecutive
  std::optional<long long> latency_ms;
  long long checked_at = 0;
};

struct HealthPolicy {
  int fail_after = 3;     // trace.fail_after
  int recover_after = 2;  // trace.recover_after
};

// A line for the mirror's event log (mirror_events.kind, .message).
struct EventRecord {
  std::string kind;  // "up", "down", "stale", "fresh"
  std::string message;
};

// "HTTPS over IPv6"
std::string CheckLabel(const std::string& scheme, int family);

// The row after one more check at `now`; `event` is set when the state
// changed. `label` names the scheme and family in the message.
HealthRow NextHealth(const HealthRow& prev, const CheckResult& result,
                     const HealthPolicy& policy, long long now,
                     const std::string& label,
                     std::optional<EventRecord>* event);

// A time read from a mirror's trace file, checked against the clock:
// "trace file is 3600 s in the future" when it is ahead by more than the
// tolerance.
Status CheckTraceTime(long long trace_time, long long now);

struct Freshness {
  std::optional<long long> trace_time;  // mirrors.trace_time
  std::optional<long long> lag;         // mirrors.trace_lag
  std::string error;                    // mirrors.trace_error, "" none
  std::string detail{};                 // mirrors.trace_detail, "" none
};

// The mirror's freshness after a run. `times_read`: trace times read this
// run (already checked); `error` and its `detail`: why none could be read
// (used only when `times_read` is empty); `origin_time`: the origin's trace
// time, unset when the origin's file could not be read (the lag is then
// left as it was).
Freshness NextFreshness(const Freshness& prev,
                        const std::vector<long long>& times_read,
                        const std::string& error, const std::string& detail,
                        std::optional<long long> origin_time);

// An event when the mirror crossed its lag limit either way. `was_stale`
// comes from the mirror's last stale/fresh event (false when it has none),
// not from its previous lag, so that a changed limit counts too.
std::optional<EventRecord> FreshnessEvent(bool was_stale,
                                          std::optional<long long> lag,
                                          long long limit);

bool IsStale(std::optional<long long> lag, long long limit);

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_HEALTH_RULES_H_
