#include "core/model/health_rules.h"

#include <algorithm>

namespace waymark {

namespace {

std::string Checks(int n) {
  return std::to_string(n) + (n == 1 ? " check" : " checks");
}

std::string Seconds(long long s) { return std::to_string(s) + " s"; }

}  // namespace

std::string CheckLabel(const std::string& scheme, int family) {
  return std::string(scheme == "https" ? "HTTPS" : "HTTP") + " over IPv" +
         std::to_string(family);
}

HealthRow NextHealth(const HealthRow& prev, const CheckResult& result,
                     const HealthPolicy& policy, long long now,
                     const std::string& label,
                     std::optional<EventRecord>* event) {
  event->reset();
  HealthRow next = prev;
  next.exists = true;
  next.checked_at = now;
  next.latency_ms = result.latency_ms;
  next.offered = result.kind != CheckResult::Kind::kNotOffered;
  auto go = [&](bool up, const std::string& message) {
    next.up = up;
    next.since = now;
    *event = EventRecord{up ? "up" : "down", label + " " + message};
  };

  switch (result.kind) {
    case CheckResult::Kind::kNotOffered:
      // Nothing to count: the family simply is not there.
      next.failures = 0;
      next.successes = 0;
      next.reason = result.reason;
      next.detail.clear();
      if (!prev.exists || prev.up || prev.offered) {
        next.up = false;
        next.since = now;
        *event = EventRecord{"down", label + " not offered: " + result.reason};
      }
      break;

    case CheckResult::Kind::kOk:
      next.failures = 0;
      next.successes = prev.successes + 1;
      if (!prev.exists || !prev.offered) {
        next.reason.clear();
        next.detail.clear();
        go(true, prev.exists ? "up (offered again)" : "up (first check)");
      } else if (prev.up) {
        next.reason.clear();
        next.detail.clear();
      } else if (next.successes >= policy.recover_after) {
        std::string was =
            prev.reason.empty() ? "" : " (was down: " + prev.reason + ")";
        next.reason.clear();
        next.detail.clear();
        go(true, "up after " + Checks(next.successes) + " in a row" + was);
      }
      break;

    case CheckResult::Kind::kFailed:
      next.successes = 0;
      next.failures = prev.failures + 1;
      next.reason = result.reason;
      next.detail = result.detail;
      if (!prev.exists) {
        go(false, "down (first check): " + result.reason);
      } else if (!prev.offered) {
        go(false, "down (offered again): " + result.reason);
      } else if (prev.up && next.failures >= policy.fail_after) {
        go(false, "down after " + Checks(next.failures) +
                      " failed in a row: " + result.reason);
      }
      break;
  }
  return next;
}

Status CheckTraceTime(long long trace_time, long long now) {
  if (trace_time > now + kTraceFutureToleranceSeconds)
    return Status::InvalidArgument(
        "trace file is " + Seconds(trace_time - now) + " in the future");
  return Status::OK();
}

Freshness NextFreshness(const Freshness& prev,
                        const std::vector<long long>& times_read,
                        const std::string& error, const std::string& detail,
                        std::optional<long long> origin_time) {
  Freshness next = prev;
  if (!times_read.empty()) {
    next.trace_time = *std::min_element(times_read.begin(), times_read.end());
    next.error.clear();
    next.detail.clear();
  } else {
    next.error = error;
    next.detail = detail;
  }
  if (origin_time && next.trace_time)
    next.lag = std::max(0LL, *origin_time - *next.trace_time);
  return next;
}

bool IsStale(std::optional<long long> lag, long long limit) {
  return lag && *lag > limit;
}

std::optional<EventRecord> FreshnessEvent(bool was_stale,
                                          std::optional<long long> lag,
                                          long long limit) {
  if (!lag) return std::nullopt;
  std::string where =
      Seconds(*lag) + " behind the origin (limit " + Seconds(limit) + ")";
  bool now_stale = IsStale(lag, limit);
  if (now_stale && !was_stale) return EventRecord{"stale", "stale: " + where};
  if (!now_stale && was_stale)
    return EventRecord{"fresh", "fresh again: " + where};
  return std::nullopt;
}

}  // namespace waymark
