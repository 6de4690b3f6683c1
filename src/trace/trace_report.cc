#include "trace/trace_report.h"

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/text_table.h"

namespace waymark {

namespace {

const char* KindWord(CheckResult::Kind k) {
  switch (k) {
    case CheckResult::Kind::kOk:
      return "ok";
    case CheckResult::Kind::kFailed:
      return "failed";
    case CheckResult::Kind::kNotOffered:
      return "not_offered";
  }
  return "failed";
}

}  // namespace

std::string FreshnessWord(const MirrorReport& m) {
  if (!m.freshness.lag) return "unknown";
  return m.stale() ? "stale" : "fresh";
}

void PrintTraceSummary(const TraceReport& r, std::ostream& out) {
  if (r.origin_time) {
    out << "origin trace: " << FormatUtc(*r.origin_time) << "\n";
    if (!r.origin_warning.empty())
      out << "warning: " << r.origin_warning << "\n";
  } else {
    out << "origin trace: unreadable (" << r.origin_error
        << "); lags not updated\n";
  }
  if (r.mirrors.empty()) {
    out << "no mirrors to check\n";
    return;
  }
  TextTable checks({"MIRROR", "SCHEME", "IP", "STATE", "MS", "RESULT"});
  for (const auto& m : r.mirrors) {
    for (const auto& c : m.checks) {
      // The operator's report: the detail, with what the mirror sent.
      std::string result = c.result.kind == CheckResult::Kind::kOk ? "ok"
                           : c.result.detail.empty() ? c.result.reason
                                                     : c.result.detail;
      const char* state = c.result.kind == CheckResult::Kind::kNotOffered
                              ? "not offered"
                          : c.up ? "up"
                                 : "down";
      checks.AddRow({m.name, c.scheme, "v" + std::to_string(c.family), state,
                     c.result.latency_ms &&
                             c.result.kind != CheckResult::Kind::kNotOffered
                         ? std::to_string(*c.result.latency_ms)
                         : "-",
                     result});
    }
  }
  checks.Print(out);
  out << "\n";
  TextTable fresh({"MIRROR", "FRESHNESS", "LAG", "LIMIT", "TRACE", "ERROR"});
  for (const auto& m : r.mirrors) {
    const Freshness& f = m.freshness;
    fresh.AddRow({m.name, FreshnessWord(m),
                  f.lag ? std::to_string(*f.lag) + " s" : "-",
                  std::to_string(m.max_lag) + " s",
                  f.trace_time ? FormatUtc(*f.trace_time) : "-",
                  f.detail.empty() ? f.error : f.detail});
  }
  fresh.Print(out);
  bool any = false;
  for (const auto& m : r.mirrors) {
    for (const auto& e : m.events) {
      if (!any) out << "\nchanges:\n";
      any = true;
      out << "  " << m.name << ": " << Printable(e.message) << "\n";
    }
  }
}

void PrintTraceChanges(const TraceReport& r, std::ostream& out) {
  if (!r.origin_time)
    out << "origin trace: unreadable (" << r.origin_error << ")\n";
  if (!r.origin_warning.empty()) out << "warning: " << r.origin_warning << "\n";
  for (const auto& m : r.mirrors)
    for (const auto& e : m.events)
      out << m.name << ": " << Printable(e.message) << "\n";
}

void PrintTraceJson(const TraceReport& r, std::ostream& out) {
  using nlohmann::json;
  json j;
  j["checked_at"] = FormatUtc(r.checked_at);
  j["origin"] = {
      {"trace_time", r.origin_time ? json(FormatUtc(*r.origin_time)) : json()},
      {"error", StringOrNull(r.origin_error)},
      {"warning", StringOrNull(r.origin_warning)}};
  j["mirrors"] = json::array();
  for (const auto& m : r.mirrors) {
    const Freshness& f = m.freshness;
    json jm = {
        {"name", m.name},
        {"freshness", FreshnessWord(m)},
        {"trace_time", f.trace_time ? json(FormatUtc(*f.trace_time)) : json()},
        {"lag", OrNull(f.lag)},
        {"max_lag", m.max_lag},
        {"error", StringOrNull(f.error)},
        {"detail", StringOrNull(f.detail)},
        {"failed", m.failed()}};
    jm["checks"] = json::array();
    for (const auto& c : m.checks) {
      jm["checks"].push_back(
          {{"scheme", c.scheme},
           {"family", c.family},
           {"url", c.url},
           {"result", KindWord(c.result.kind)},
           {"reason", StringOrNull(c.result.reason)},
           {"detail", StringOrNull(c.result.detail)},
           {"up", c.up},
           {"latency_ms",
            c.result.latency_ms &&
                    c.result.kind != CheckResult::Kind::kNotOffered
                ? json(*c.result.latency_ms)
                : json()},
           {"trace_time",
            c.trace_time ? json(FormatUtc(*c.trace_time)) : json()}});
    }
    jm["events"] = json::array();
    for (const auto& e : m.events)
      jm["events"].push_back({{"kind", e.kind}, {"message", e.message}});
    j["mirrors"].push_back(std::move(jm));
  }
  j["failed"] = r.AnyFailed();
  // Invalid UTF-8 from a mirror (its URL) is replaced, never fatal.
  out << JsonText(j);
}

}  // namespace waymark
