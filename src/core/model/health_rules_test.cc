#include "core/model/health_rules.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

CheckResult Ok(long long ms = 5) { return {CheckResult::Kind::kOk, "", ms}; }
CheckResult Fail(const std::string& why = "timeout") {
  return {CheckResult::Kind::kFailed, why, std::nullopt};
}
CheckResult NotOffered() {
  return {CheckResult::Kind::kNotOffered, "no IPv6 address", std::nullopt};
}

// A run of checks, one per minute: the state after each ('U' up, 'D' down)
// and the event each one wrote ('-' none, 'u' up, 'd' down).
struct Sequence {
  const char* name;
  HealthPolicy policy;
  std::vector<CheckResult> checks;
  const char* states;
  const char* events;
};

TEST(HealthRulesTest, Sequences) {
  const Sequence cases[] = {
      {"first success decides", {3, 2}, {Ok(), Ok()}, "UU", "u-"},
      {"first failure decides", {3, 2}, {Fail(), Fail()}, "DD", "d-"},
      {"down after three",
       {3, 2},
       {Ok(), Fail(), Fail(), Fail(), Fail()},
       "UUUDD",
       "u--d-"},
      {"a success resets the count",
       {3, 2},
       {Ok(), Fail(), Fail(), Ok(), Fail(), Fail(), Fail()},
       "UUUUUUD",
       "u-----d"},
      {"up after two", {3, 2}, {Fail(), Ok(), Ok(), Ok()}, "DDUU", "d-u-"},
      {"a failure resets recovery",
       {3, 2},
       {Fail(), Ok(), Fail(), Ok(), Ok()},
       "DDDDU",
       "d---u"},
      {"fail_after 1", {1, 1}, {Ok(), Fail(), Ok(), Fail()}, "UDUD", "udud"},
      {"recover_after 3",
       {2, 3},
       {Ok(), Fail(), Fail(), Ok(), Ok(), Ok()},
       "UUDDDU",
       "u-d--u"},
      {"not offered is down at once",
       {3, 2},
       {NotOffered(), NotOffered()},
       "DD",
       "d-"},
      {"losing a family is down at once",
       {3, 2},
       {Ok(), NotOffered()},
       "UD",
       "ud"},
      // Not offered is no failure to recover from: like a new mirror's,
      // the first check of a family that appears decides.
      {"a family that appears is decided by its first check",
       {3, 2},
       {NotOffered(), Ok(), Ok()},
       "DUU",
       "du-"},
      {"a family that appears failing is down at once",
       {3, 2},
       {NotOffered(), Fail(), Ok(), Ok()},
       "DDDU",
       "dd-u"},
  };
  for (const Sequence& c : cases) {
    HealthRow row;
    long long now = 1795074768;
    std::string states, events;
    for (const CheckResult& r : c.checks) {
      std::optional<EventRecord> ev;
      row = NextHealth(row, r, c.policy, now, "HTTP over IPv4", &ev);
      states += row.up ? 'U' : 'D';
      events += !ev                  ? '-'
                : ev->kind == "up"   ? 'u'
                : ev->kind == "down" ? 'd'
                                     : '?';
      EXPECT_EQ(row.checked_at, now);
      EXPECT_TRUE(row.exists);
      now += 60;
    }
    EXPECT_EQ(states, c.states) << c.name;
    EXPECT_EQ(events, c.events) << c.name;
  }
}

TEST(HealthRulesTest, RowFieldsAndMessages) {
  HealthPolicy p{2, 2};
  HealthRow row;
  std::optional<EventRecord> ev;
  row = NextHealth(row, Ok(12), p, 1000, "HTTPS over IPv6", &ev);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->message, "HTTPS over IPv6 up (first check)");
  EXPECT_EQ(row.since, 1000);
  EXPECT_EQ(row.latency_ms, 12);
  EXPECT_EQ(row.successes, 1);

  row = NextHealth(row, Fail("connection refused"), p, 1060, "HTTPS over IPv6",
                   &ev);
  EXPECT_FALSE(ev);
  EXPECT_TRUE(row.up);
  EXPECT_EQ(row.since, 1000);
  EXPECT_EQ(row.failures, 1);
  EXPECT_EQ(row.successes, 0);
  EXPECT_EQ(row.reason, "connection refused");
  EXPECT_EQ(row.latency_ms, std::nullopt);

  row = NextHealth(row, Fail("HTTP 503"), p, 1120, "HTTPS over IPv6", &ev);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, "down");
  EXPECT_EQ(ev->message,
            "HTTPS over IPv6 down after 2 checks failed in a row: HTTP 503");
  EXPECT_FALSE(row.up);
  EXPECT_EQ(row.since, 1120);
  EXPECT_EQ(row.reason, "HTTP 503");

  row = NextHealth(row, Ok(7), p, 1180, "HTTPS over IPv6", &ev);
  EXPECT_FALSE(ev);
  EXPECT_EQ(row.reason, "HTTP 503")
      << "the reason it is down stays until it is up";
  row = NextHealth(row, Ok(7), p, 1240, "HTTPS over IPv6", &ev);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->message,
            "HTTPS over IPv6 up after 2 checks in a row (was down: HTTP 503)");
  EXPECT_TRUE(row.up);
  EXPECT_EQ(row.since, 1240);
  EXPECT_EQ(row.reason, "");

  HealthRow fresh;
  row = NextHealth(fresh, Fail("TLS error: SSL certificate problem"), p, 5,
                   "HTTPS over IPv4", &ev);
  EXPECT_EQ(
      ev->message,
      "HTTPS over IPv4 down (first check): TLS error: SSL certificate problem");
  row = NextHealth(fresh, NotOffered(), p, 5, "HTTP over IPv6", &ev);
  EXPECT_EQ(ev->message, "HTTP over IPv6 not offered: no IPv6 address");
  EXPECT_EQ(row.failures, 0);
  EXPECT_FALSE(row.offered);
  EXPECT_FALSE(row.up);
  // Offered again (an AAAA record added): the first check decides.
  HealthRow was = row;
  row = NextHealth(was, Ok(), p, 65, "HTTP over IPv6", &ev);
  EXPECT_EQ(ev->message, "HTTP over IPv6 up (offered again)");
  EXPECT_TRUE(row.up && row.offered);
  row = NextHealth(was, Fail("HTTP 503"), p, 65, "HTTP over IPv6", &ev);
  EXPECT_EQ(ev->message, "HTTP over IPv6 down (offered again): HTTP 503");
  EXPECT_FALSE(row.up);
  EXPECT_TRUE(row.offered);
  // A failure's detail is kept beside its public reason, and goes with it.
  CheckResult bad = Fail("not a trace file");
  bad.detail = "bad trace: not a trace file: '<html>'";
  row = NextHealth(fresh, bad, p, 5, "HTTP over IPv4", &ev);
  EXPECT_EQ(row.reason, "not a trace file");
  EXPECT_EQ(row.detail, "bad trace: not a trace file: '<html>'");
  EXPECT_EQ(ev->message, "HTTP over IPv4 down (first check): not a trace file");
  row = NextHealth(row, Ok(), p, 65, "HTTP over IPv4", &ev);
  row = NextHealth(row, Ok(), p, 125, "HTTP over IPv4", &ev);
  EXPECT_TRUE(row.up);
  EXPECT_EQ(row.detail, "");
}

TEST(HealthRulesTest, TraceTimeAgainstTheClock) {
  const long long now = 1795074768;
  const std::pair<long long, std::string> cases[] = {
      {now, ""},
      {now - 86400 * 365, ""},
      {now + 60, ""},
      {now + 61, "trace file is 61 s in the future"},
      {now + 3600, "trace file is 3600 s in the future"},
  };
  for (const auto& [t, want] : cases) {
    Status s = CheckTraceTime(t, now);
    EXPECT_EQ(s.ok() ? "" : s.message(), want) << t;
  }
}

TEST(HealthRulesTest, Freshness) {
  struct Case {
    const char* name;
    Freshness prev;
    std::vector<long long> read;
    std::string error;
    std::optional<long long> origin;
    Freshness want;
  };
  const Case cases[] = {
      {"first reading", {}, {900}, "", 1000, {900, 100, ""}},
      {"oldest copy counts", {}, {950, 900, 990}, "", 1000, {900, 100, ""}},
      {"newer than origin is not negative",
       {},
       {1010},
       "",
       1000,
       {1010, 0, ""}},
      {"unreadable keeps ageing",
       {900, 100, ""},
       {},
       "timeout",
       5000,
       {900, 4100, "timeout"}},
      {"never read",
       {},
       {},
       "HTTP 404",
       5000,
       {std::nullopt, std::nullopt, "HTTP 404"}},
      {"a reading clears the error",
       {900, 100, "HTTP 404"},
       {4990},
       "",
       5000,
       {4990, 10, ""}},
      {"origin unreadable keeps the lag",
       {900, 100, ""},
       {950},
       "",
       std::nullopt,
       {950, 100, ""}},
  };
  for (const Case& c : cases) {
    // The detail goes and comes with the error.
    std::string detail = c.error.empty() ? "" : c.error + ": the whole story";
    Freshness got = NextFreshness(c.prev, c.read, c.error, detail, c.origin);
    EXPECT_EQ(got.trace_time, c.want.trace_time) << c.name;
    EXPECT_EQ(got.lag, c.want.lag) << c.name;
    EXPECT_EQ(got.error, c.want.error) << c.name;
    EXPECT_EQ(got.detail, c.want.error.empty() ? "" : detail) << c.name;
  }
}

TEST(HealthRulesTest, FreshnessEvents) {
  struct Case {
    bool was_stale;
    std::optional<long long> lag;
    long long limit;
    std::string want;  // "kind: message" or ""
  };
  const Case cases[] = {
      {false, 10, 3600, ""},
      {false, 3600, 3600, ""},
      {false, 3601, 3600,
       "stale: stale: 3601 s behind the origin (limit 3600 s)"},
      {true, 5000, 3600, ""},
      {true, 30, 3600,
       "fresh: fresh again: 30 s behind the origin (limit 3600 s)"},
      // The operator raised the limit above the lag.
      {true, 7200, 86400,
       "fresh: fresh again: 7200 s behind the origin (limit 86400 s)"},
      {false, std::nullopt, 3600, ""},
      {true, std::nullopt, 3600, ""},
  };
  for (const Case& c : cases) {
    auto ev = FreshnessEvent(c.was_stale, c.lag, c.limit);
    EXPECT_EQ(ev ? ev->kind + ": " + ev->message : "", c.want);
  }
  EXPECT_TRUE(IsStale(3601, 3600));
  EXPECT_FALSE(IsStale(3600, 3600));
  EXPECT_FALSE(IsStale(std::nullopt, 3600));
}

}  // namespace
}  // namespace waymark
