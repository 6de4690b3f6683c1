#include "trace/trace_checker.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <random>

#include "core/net/http_fetch.h"
#include "core/store/trace_store.h"
#include "core/strings.h"
#include "core/url.h"
#include "trace/trace_file.h"
#include "version.h"  // build/gen, from the Makefile's VERSION

namespace waymark {

namespace {

// One scheme and family of one target, and where its requests are.
struct Plan {
  size_t target = 0;
  std::string scheme;
  int family = 4;
  std::string base;
  std::string not_offered;  // reason, when no request is made
  size_t trace_request = 0;
  std::vector<size_t> probe_requests;
};

bool IsAddress(const std::string& host, int af) {
  unsigned char buf[16];
  return inet_pton(af, host.c_str(), buf) == 1;
}

std::string NoAddress(int family) {
  return "no IPv" + std::to_string(family) + " address";
}

// The public phrase for a failed transfer: our own words and numbers only,
// since libcurl's error text may quote what the server sent (a header, a
// certificate's name). The message itself is the detail.
std::string PublicFetchReason(const FetchResult& r) {
  switch (r.error) {
    case FetchResult::Error::kResolve:   // "cannot resolve host", "no IPv6
    case FetchResult::Error::kTimeout:   // address", "timeout after 5 s",
    case FetchResult::Error::kRefused:   // "connection refused", "answer
    case FetchResult::Error::kTooLarge:  // larger than 65536 bytes"
      return r.message;
    case FetchResult::Error::kTls:
      return "TLS error";
    default:
      if (!r.redirect_refused.empty() || StartsWith(r.message, "redirected to"))
        return "redirect not followed";
      return StartsWith(r.message, "cannot connect") ? "cannot connect"
                                                     : "transfer failed";
  }
}

// A failed result: `reason` public, `detail` the whole text when it says
// more.
CheckResult Failed(const std::string& reason, const std::string& detail) {
  CheckResult out;
  out.kind = CheckResult::Kind::kFailed;
  out.reason = reason;
  if (detail != reason) out.detail = detail;
  return out;
}

std::string NotFollowed(const FetchResult& r) {
  return "HTTP " + std::to_string(r.status) + " redirect not followed";
}

std::string Redirect(const FetchResult& r) {
  if (!r.redirect_refused.empty())
    return "HTTP " + std::to_string(r.status) + ": " + r.redirect_refused +
           ", not followed";
  return "redirect (HTTP " + std::to_string(r.status) + ") to " +
         Printable(r.redirect_url) + " but the mirror may not redirect";
}

// Where a mirror allowed to redirect may send a check: the hosts of its
// own base URLs.
std::vector<std::string> OwnHosts(const TraceTarget& t) {
  std::vector<std::string> hosts;
  for (const auto& [url, scheme] :
       {std::pair{t.http_url, "http"}, std::pair{t.https_url, "https"}}) {
    BaseUrl parsed;
    if (!url.empty() && ParseBaseUrl(url, scheme, "url", &parsed).ok())
      hosts.push_back(parsed.host);
  }
  return hosts;
}

// Two plans per scheme a mirror offers, IPv4 then IPv6, each with its trace
// request and probe requests appended to `requests` (none when the host is
// a literal address of the other family).
std::vector<Plan> PlanChecks(const std::vector<TraceTarget>& targets,
                             const std::string& trace_file,
                             std::vector<FetchRequest>* requests) {
  std::vector<Plan> plans;
  for (size_t i = 0; i < targets.size(); ++i) {
    const TraceTarget& t = targets[i];
    for (const std::string scheme : {"http", "https"}) {
      const std::string& base = scheme == "http" ? t.http_url : t.https_url;
      if (base.empty()) continue;
      BaseUrl parsed;
      std::string host =
          ParseBaseUrl(base, scheme, "url", &parsed).ok() ? parsed.host : "";
      for (int family : {4, 6}) {
        Plan p;
        p.target = i;
        p.scheme = scheme;
        p.family = family;
        p.base = base;
        if (IsAddress(host, family == 4 ? AF_INET6 : AF_INET)) {
          p.not_offered = NoAddress(family);
        } else {
          p.trace_request = requests->size();
          std::vector<std::string> hosts =
              t.allow_redirects ? OwnHosts(t) : std::vector<std::string>();
          requests->push_back({base + EncodePath(trace_file), family, false,
                               t.allow_redirects, hosts});
          for (const auto& f : t.probes) {
            p.probe_requests.push_back(requests->size());
            requests->push_back({base + EncodePath(f.path), family, true,
                                 t.allow_redirects, hosts});
          }
        }
        plans.push_back(std::move(p));
      }
    }
  }
  return plans;
}

}  // namespace

CheckResult EvaluateTraceAnswer(const FetchResult& r, long long now,
                                std::optional<long long>* time) {
  CheckResult out;
  if (!r.ok()) {
    out = Failed(PublicFetchReason(r), r.message);
  } else if (r.status >= 300 && r.status < 400) {
    out = Failed(NotFollowed(r), Redirect(r));
  } else if (r.status != 200) {
    out = Failed("HTTP " + std::to_string(r.status), "");
  } else {
    long long t = 0;
    Status s = ParseTraceFile(r.body, &t);
    if (!s.ok()) {
      // The parser's message quotes the body: the detail only.
      out =
          Failed(Trim(r.body).empty() ? "empty trace file" : "not a trace file",
                 "bad trace: " + s.message());
    } else if (!(s = CheckTraceTime(t, now)).ok()) {
      out = Failed(s.message(), "");
    } else {
      *time = t;
      out.kind = CheckResult::Kind::kOk;
    }
  }
  out.latency_ms = r.latency_ms;
  return out;
}

std::string EvaluateProbeAnswer(const FetchResult& r, const ProbeFile& f,
                                std::string* detail) {
  detail->clear();
  std::string path = Printable(f.path);
  if (!r.ok()) {
    std::string reason = "probe of " + path + ": " + PublicFetchReason(r);
    if (r.message != PublicFetchReason(r))
      *detail = "probe of " + path + ": " + r.message;
    return reason;
  }
  if (r.status == 404 || r.status == 410)
    return "lying mirror: " + path + " is missing (HTTP " +
           std::to_string(r.status) + ")";
  if (r.status >= 300 && r.status < 400) {
    *detail = "probe of " + path + ": " + Redirect(r);
    return "probe of " + path + ": " + NotFollowed(r);
  }
  if (r.status != 200)
    return "probe of " + path + ": HTTP " + std::to_string(r.status);
  if (r.content_length >= 0 && r.content_length != f.size)
    return "lying mirror: " + path + " has Content-Length " +
           std::to_string(r.content_length) + ", the inventory says " +
           std::to_string(f.size);
  return "";
}

bool FamilyNotOffered(bool resolve_failed, bool other_resolve_failed) {
  return resolve_failed && !other_resolve_failed;
}

Status TraceOptions::FromConfig(const Config& c, TraceOptions* out) {
  TraceOptions o;
  // Relative to the repository root and to each base URL (which ends in
  // '/'), whether or not the operator wrote a leading '/'.
  o.trace_file = c.GetString(keys::kRepositoryTraceFile);
  while (!o.trace_file.empty() && o.trace_file[0] == '/')
    o.trace_file.erase(0, 1);
  if (o.trace_file.empty())
    return Status::InvalidArgument("repository.trace_file must name a file");
  o.trace_path = c.GetString(keys::kRepositoryPath) + "/" + o.trace_file;
  o.max_lag = c.GetDurationSeconds(keys::kRedirectorMaxLag);
  o.policy.fail_after = static_cast<int>(c.GetInt(keys::kTraceFailAfter));
  o.policy.recover_after = static_cast<int>(c.GetInt(keys::kTraceRecoverAfter));
  o.connect_timeout_ms =
      c.GetDurationSeconds(keys::kTraceConnectTimeout) * 1000;
  o.timeout_ms = c.GetDurationSeconds(keys::kTraceTimeout) * 1000;
  o.parallel = static_cast<int>(c.GetInt(keys::kTraceParallel));
  o.probe_files = static_cast<int>(c.GetInt(keys::kTraceProbeFiles));
  o.ca_file = c.GetString(keys::kTraceCaFile);
  if (!o.ca_file.empty() && access(o.ca_file.c_str(), R_OK) != 0)
    return Status::InvalidArgument("trace.ca_file: cannot read " + o.ca_file +
                                   ": " + std::strerror(errno));
  for (DurationKey key : {keys::kTraceConnectTimeout, keys::kTraceTimeout}) {
    if (c.GetDurationSeconds(key) < 1)
      return Status::InvalidArgument(std::string(KeyName(key.id)) +
                                     " must be at least 1 s");
  }
  *out = std::move(o);
  return Status::OK();
}

Status TraceChecker::Run(const std::vector<std::string>& names,
                         TraceReport* report) {
  TraceReport rep;
  // One run at a time: two would count every failure twice. The lock is
  // the connection's and goes with it.
  Status s = LockTraceChecks(db_);
  if (!s.ok()) return s;

  long long origin = 0;
  s = ReadTraceFile(options_.trace_path, &origin);
  if (s.ok()) {
    rep.origin_time = origin;
  } else {
    rep.origin_error = s.message();
  }

  std::vector<TraceTarget> targets;
  s = LoadTraceTargets(db_, names, &targets);
  if (!s.ok()) return s;
  if (options_.probe_files > 0) {
    std::mt19937_64 rng{std::random_device{}()};
    for (auto& t : targets) {
      s = PickProbeFiles(db_, options_.probe_files, &rng, &t);
      if (!s.ok()) return s;
    }
  }

  // Every request of the run, then all at once.
  std::vector<FetchRequest> requests;
  std::vector<Plan> plans = PlanChecks(targets, options_.trace_file, &requests);
  FetchOptions fo;
  fo.connect_timeout_ms = options_.connect_timeout_ms;
  fo.timeout_ms = options_.timeout_ms;
  fo.parallel = options_.parallel;
  fo.ca_file = options_.ca_file;
  fo.user_agent = "waymark-trace/" WAYMARK_VERSION;
  fo.max_body = kMaxTraceFileBytes;
  std::vector<FetchResult> results;
  FetchAll(requests, fo, &results);

  const long long now = clock_->Now();
  rep.checked_at = now;
  if (rep.origin_time && now - *rep.origin_time > options_.max_lag)
    rep.origin_warning =
        "the origin's trace file is " + std::to_string(now - *rep.origin_time) +
        " s old, more than redirector.max_lag; is 'waymark-trace --stamp' "
        "running from cron?";
  std::vector<MirrorReport> reports(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    reports[i].id = targets[i].id;
    reports[i].name = targets[i].name;
    reports[i].max_lag = targets[i].max_lag.value_or(options_.max_lag);
  }
  auto resolve_failed = [&](const Plan& p) {
    return p.not_offered.empty() &&
           results[p.trace_request].error == FetchResult::Error::kResolve;
  };
  for (size_t k = 0; k < plans.size(); ++k) {
    Plan& p = plans[k];
    const Plan& other = plans[p.family == 4 ? k + 1 : k - 1];
    if (p.not_offered.empty() &&
        FamilyNotOffered(resolve_failed(p), resolve_failed(other)))
      p.not_offered = NoAddress(p.family);
  }

  for (const Plan& p : plans) {
    TraceTarget& t = targets[p.target];
    MirrorReport& m = reports[p.target];
    CheckReport c;
    c.scheme = p.scheme;
    c.family = p.family;
    c.url = p.base + EncodePath(options_.trace_file);
    if (!p.not_offered.empty()) {
      c.result = {CheckResult::Kind::kNotOffered, p.not_offered, std::nullopt};
    } else {
      c.result =
          EvaluateTraceAnswer(results[p.trace_request], now, &c.trace_time);
      if (c.result.kind == CheckResult::Kind::kOk) {
        for (size_t j = 0; j < p.probe_requests.size(); ++j) {
          std::string detail;
          std::string why = EvaluateProbeAnswer(results[p.probe_requests[j]],
                                                t.probes[j], &detail);
          if (why.empty()) continue;
          c.result.kind = CheckResult::Kind::kFailed;
          c.result.reason = why;
          c.result.detail = detail;
          break;
        }
      }
    }
    std::optional<EventRecord> ev;
    HealthRow& row = t.health[{p.scheme, p.family}];
    row = NextHealth(row, c.result, options_.policy, now,
                     CheckLabel(p.scheme, p.family), &ev);
    c.up = row.up;
    if (ev) m.events.push_back(*ev);
    m.checks.push_back(std::move(c));
  }

  for (size_t i = 0; i < targets.size(); ++i) {
    TraceTarget& t = targets[i];
    MirrorReport& m = reports[i];
    std::vector<long long> times;
    std::string error, detail;
    for (const auto& c : m.checks) {
      if (c.trace_time) times.push_back(*c.trace_time);
      if (error.empty() && c.result.kind == CheckResult::Kind::kFailed) {
        error = c.result.reason;
        detail = c.result.detail;
      }
    }
    if (times.empty() && error.empty())
      error = "no scheme or IP family to check";
    m.freshness = NextFreshness(t.prev, times, error, detail, rep.origin_time);
    if (auto ev = FreshnessEvent(t.was_stale, m.freshness.lag, m.max_lag))
      m.events.push_back(*ev);
  }
  s = WriteTraceResults(db_, targets, reports, now);
  if (!s.ok()) return s;
  rep.mirrors = std::move(reports);
  *report = std::move(rep);
  return Status::OK();
}

}  // namespace waymark
