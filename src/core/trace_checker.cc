#include "core/trace_checker.h"

#include <arpa/inet.h>

#include <map>
#include <random>

#include "core/http_fetch.h"
#include "core/inventory.h"
#include "core/mirror_store.h"
#include "core/strings.h"
#include "core/trace_file.h"
#include "core/url.h"

namespace waymark {

namespace {

// Any number will do as long as every waymark-trace uses the same one.
constexpr long long kCheckLockKey = 0x77796d6b74726365LL;  // "wymktrce"

// A mirror as this run sees it.
struct Target {
  int id = 0;
  std::string name;
  std::string http_url, https_url;
  std::optional<long long> max_lag;
  bool allow_redirects = false;
  Freshness prev;
  bool was_stale = false;  // its last stale/fresh event said stale
  std::map<std::pair<std::string, int>, HealthRow> health;
  std::vector<ProbeFile> probes;
};

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

std::string NoAddress(int family) { return "no IPv" + std::to_string(family) + " address"; }

Status LoadTargets(Database* db, const std::vector<std::string>& names,
                   std::vector<Target>* out) {
  try {
    pqxx::read_transaction tx(db->conn());
    std::map<std::string, Target> by_name;
    for (const auto& row : tx.exec(
             "SELECT id, name, coalesce(http_url, ''), coalesce(https_url, ''), max_lag, "
             "allow_redirects, extract(epoch FROM trace_time)::bigint, trace_lag, "
             "coalesce(trace_error, ''), enabled FROM mirrors ORDER BY name")) {
      bool enabled = row[9].as<bool>();
      std::string name = row[1].as<std::string>();
      if (names.empty() && !enabled) continue;
      Target t;
      t.id = row[0].as<int>();
      t.name = name;
      t.http_url = row[2].as<std::string>();
      t.https_url = row[3].as<std::string>();
      if (!row[4].is_null()) t.max_lag = row[4].as<long long>();
      t.allow_redirects = row[5].as<bool>();
      if (!row[6].is_null()) t.prev.trace_time = row[6].as<long long>();
      if (!row[7].is_null()) t.prev.lag = row[7].as<long long>();
      t.prev.error = row[8].as<std::string>();
      by_name[name] = std::move(t);
    }
    std::vector<Target> targets;
    if (names.empty()) {
      for (auto& [n, t] : by_name) targets.push_back(std::move(t));
    } else {
      for (const auto& n : names) {
        auto it = by_name.find(n);
        if (it == by_name.end()) return MirrorNotFound(n);
        bool dup = false;
        for (const auto& t : targets) dup = dup || t.name == n;
        if (!dup) targets.push_back(it->second);
      }
    }
    std::map<int, Target*> by_id;
    for (auto& t : targets) by_id[t.id] = &t;
    for (const auto& row : tx.exec(
             "SELECT mirror_id, scheme, family, up, extract(epoch FROM since)::bigint, "
             "coalesce(reason, ''), failures, successes, latency_ms, "
             "coalesce(extract(epoch FROM checked_at)::bigint, 0) FROM mirror_health")) {
      auto it = by_id.find(row[0].as<int>());
      if (it == by_id.end()) continue;
      HealthRow h;
      h.exists = true;
      h.up = row[3].as<bool>();
      h.since = row[4].as<long long>();
      h.reason = row[5].as<std::string>();
      h.failures = row[6].as<int>();
      h.successes = row[7].as<int>();
      if (!row[8].is_null()) h.latency_ms = row[8].as<long long>();
      h.checked_at = row[9].as<long long>();
      it->second->health[{row[1].as<std::string>(), row[2].as<int>()}] = h;
    }
    for (const auto& row : tx.exec(
             "SELECT DISTINCT ON (mirror_id) mirror_id, kind FROM mirror_events "
             "WHERE kind IN ('stale', 'fresh') ORDER BY mirror_id, id DESC")) {
      auto it = by_id.find(row[0].as<int>());
      if (it != by_id.end()) it->second->was_stale = row[1].as<std::string>() == "stale";
    }
    *out = std::move(targets);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the mirrors");
  }
}

// Up to `count` files drawn at random among those the mirror holds.
Status PickProbeFiles(Database* db, int count, std::mt19937_64* rng, Target* t) {
  std::vector<std::string> chunks;
  Status s = LoadMirrorBitmaps(db, t->id, &chunks);
  if (!s.ok()) return s;
  // Reservoir sampling over the set bits.
  std::vector<long long> ids;
  long long seen = 0;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const std::string& bits = chunks[c];
    for (size_t byte = 0; byte < bits.size(); ++byte) {
      unsigned char b = static_cast<unsigned char>(bits[byte]);
      for (int bit = 0; b && bit < 8; ++bit) {
        if (!((b >> bit) & 1)) continue;
        long long id = static_cast<long long>(c) * kFilesPerChunk + static_cast<long long>(byte) * 8 + bit;
        ++seen;
        if (static_cast<long long>(ids.size()) < count) {
          ids.push_back(id);
        } else {
          std::uniform_int_distribution<long long> pick(0, seen - 1);
          long long j = pick(*rng);
          if (j < count) ids[static_cast<size_t>(j)] = id;
        }
      }
    }
  }
  if (ids.empty()) return Status::OK();
  std::string array = "{";
  for (size_t i = 0; i < ids.size(); ++i) array += (i ? "," : "") + std::to_string(ids[i]);
  array += "}";
  try {
    pqxx::read_transaction tx(db->conn());
    for (const auto& row : tx.exec_params(
             "SELECT path, size FROM files WHERE id = ANY($1::integer[]) ORDER BY path", array)) {
      t->probes.push_back({row[0].as<std::string>(), row[1].as<long long>()});
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the files of mirror '" + t->name + "'");
  }
}

// A PostgreSQL array literal of text values: every element double-quoted
// with '"' and '\\' escaped, so any reason text survives.
class ArrayLiteral {
 public:
  void Add(const std::string& v) {
    text_ += text_.empty() ? "{" : ",";
    text_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  void Add(long long v) { Add(std::to_string(v)); }
  std::string str() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

// Everything the run learnt, in one transaction of four statements over
// arrays (not a few statements per mirror): 500 mirrors are written in
// milliseconds, and the redirector sees the whole run at once.
Status WriteResults(Database* db, const std::vector<Target>& targets,
                    const std::vector<MirrorReport>& reports, long long now) {
  ArrayLiteral m_id, m_time, m_lag, m_error;
  ArrayLiteral h_id, h_scheme, h_family, h_up, h_since, h_reason, h_failures, h_successes,
      h_latency, h_checked;
  ArrayLiteral e_id, e_kind, e_message;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    const MirrorReport& m = reports[i];
    m_id.Add(t.id);
    m_time.Add(m.freshness.trace_time.value_or(-1));
    m_lag.Add(std::min<long long>(m.freshness.lag.value_or(-1), 2147483647LL));
    m_error.Add(m.freshness.error);
    for (const auto& c : m.checks) {
      const HealthRow& h = t.health.at({c.scheme, c.family});
      h_id.Add(t.id);
      h_scheme.Add(c.scheme);
      h_family.Add(c.family);
      h_up.Add(h.up ? "true" : "false");
      h_since.Add(h.since);
      h_reason.Add(h.reason);
      h_failures.Add(h.failures);
      h_successes.Add(h.successes);
      h_latency.Add(std::min<long long>(h.latency_ms.value_or(-1), 2147483647LL));
      h_checked.Add(h.checked_at);
    }
    for (const auto& ev : m.events) {
      e_id.Add(t.id);
      e_kind.Add(ev.kind);
      e_message.Add(ev.message);
    }
  }
  try {
    pqxx::work tx(db->conn());
    tx.exec_params(
        "UPDATE mirrors m SET trace_time = CASE WHEN u.tt < 0 THEN NULL ELSE to_timestamp(u.tt) END, "
        "trace_lag = NULLIF(u.lag, -1), trace_checked_at = to_timestamp($5), "
        "trace_error = NULLIF(u.err, '') "
        "FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::text[]) AS u(id, tt, lag, err) "
        "WHERE m.id = u.id",
        m_id.str(), m_time.str(), m_lag.str(), m_error.str(), now);
    // Rows of schemes a mirror no longer offers go.
    tx.exec_params(
        "DELETE FROM mirror_health h WHERE h.mirror_id = ANY($1::integer[]) AND "
        "(h.mirror_id, h.scheme, h.family) NOT IN "
        "(SELECT * FROM unnest($2::integer[], $3::text[], $4::smallint[]))",
        m_id.str(), h_id.str(), h_scheme.str(), h_family.str());
    tx.exec_params(
        "INSERT INTO mirror_health (mirror_id, scheme, family, up, since, reason, failures, "
        "successes, latency_ms, checked_at) "
        "SELECT u.id, u.scheme, u.family, u.up, to_timestamp(u.since), NULLIF(u.reason, ''), "
        "u.failures, u.successes, NULLIF(u.latency, -1), to_timestamp(u.checked) "
        "FROM unnest($1::integer[], $2::text[], $3::smallint[], $4::boolean[], $5::bigint[], "
        "$6::text[], $7::integer[], $8::integer[], $9::integer[], $10::bigint[]) "
        "AS u(id, scheme, family, up, since, reason, failures, successes, latency, checked) "
        "ON CONFLICT (mirror_id, scheme, family) DO UPDATE SET up = EXCLUDED.up, "
        "since = EXCLUDED.since, reason = EXCLUDED.reason, failures = EXCLUDED.failures, "
        "successes = EXCLUDED.successes, latency_ms = EXCLUDED.latency_ms, "
        "checked_at = EXCLUDED.checked_at",
        h_id.str(), h_scheme.str(), h_family.str(), h_up.str(), h_since.str(), h_reason.str(),
        h_failures.str(), h_successes.str(), h_latency.str(), h_checked.str());
    tx.exec_params(
        "INSERT INTO mirror_events (mirror_id, at, kind, message, actor) "
        "SELECT u.id, to_timestamp($4), u.kind, u.message, 'waymark-trace' "
        "FROM unnest($1::integer[], $2::text[], $3::text[]) WITH ORDINALITY AS u(id, kind, message, n) "
        "ORDER BY u.n",
        e_id.str(), e_kind.str(), e_message.str(), now);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot record the checks");
  }
}

}  // namespace

namespace {

std::string Redirect(const FetchResult& r) {
  return "redirect (HTTP " + std::to_string(r.status) + ") to " + Printable(r.redirect_url) +
         " but the mirror may not redirect";
}

}  // namespace

CheckResult EvaluateTraceAnswer(const FetchResult& r, long long now,
                                std::optional<long long>* time) {
  CheckResult out;
  out.kind = CheckResult::Kind::kFailed;
  if (!r.ok()) {
    out.reason = r.message;
  } else if (r.status >= 300 && r.status < 400) {
    out.reason = Redirect(r);
  } else if (r.status != 200) {
    out.reason = "HTTP " + std::to_string(r.status);
  } else {
    long long t = 0;
    Status s = ParseTraceFile(r.body, &t);
    if (s.ok()) s = CheckTraceTime(t, now);
    if (!s.ok()) {
      out.reason = "bad trace: " + s.message();
    } else {
      *time = t;
      out.kind = CheckResult::Kind::kOk;
    }
  }
  out.latency_ms = r.latency_ms;
  return out;
}

std::string EvaluateProbeAnswer(const FetchResult& r, const ProbeFile& f) {
  std::string path = Printable(f.path);
  if (!r.ok()) return "probe of " + path + ": " + r.message;
  if (r.status == 404 || r.status == 410)
    return "lying mirror: " + path + " is missing (HTTP " + std::to_string(r.status) + ")";
  if (r.status >= 300 && r.status < 400) return "probe of " + path + ": " + Redirect(r);
  if (r.status != 200) return "probe of " + path + ": HTTP " + std::to_string(r.status);
  if (r.content_length >= 0 && r.content_length != f.size)
    return "lying mirror: " + path + " has Content-Length " + std::to_string(r.content_length) +
           ", the inventory says " + std::to_string(f.size);
  return "";
}

bool FamilyNotOffered(bool resolve_failed, bool other_resolve_failed) {
  return resolve_failed && !other_resolve_failed;
}

TraceOptions TraceOptions::FromConfig(const Config& c) {
  TraceOptions o;
  o.trace_file = c.GetString("repository.trace_file");
  o.trace_path = c.GetString("repository.path") + "/" + o.trace_file;
  o.max_lag = c.GetDurationSeconds("redirector.max_lag");
  o.policy.fail_after = static_cast<int>(c.GetInt("trace.fail_after"));
  o.policy.recover_after = static_cast<int>(c.GetInt("trace.recover_after"));
  o.connect_timeout_ms = c.GetDurationSeconds("trace.connect_timeout") * 1000;
  o.timeout_ms = c.GetDurationSeconds("trace.timeout") * 1000;
  o.parallel = static_cast<int>(c.GetInt("trace.parallel"));
  o.probe_files = static_cast<int>(c.GetInt("trace.probe_files"));
  o.ca_file = c.GetString("trace.ca_file");
  return o;
}

bool MirrorReport::failed() const {
  for (const auto& c : checks)
    if (c.result.kind == CheckResult::Kind::kFailed) return true;
  return !freshness.lag || stale();
}

bool TraceReport::AnyFailed() const {
  if (!origin_error.empty() || !origin_warning.empty()) return true;
  for (const auto& m : mirrors)
    if (m.failed()) return true;
  return false;
}

Status TraceChecker::Run(const std::vector<std::string>& names, TraceReport* report) {
  TraceReport rep;
  // One run at a time: two would count every failure twice. The lock is
  // the connection's and goes with it.
  try {
    pqxx::nontransaction tx(db_->conn());
    if (!tx.exec_params1("SELECT pg_try_advisory_lock($1)", kCheckLockKey)[0].as<bool>())
      return Status::FailedPrecondition("another waymark-trace is checking the mirrors");
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot take the check lock");
  }

  long long origin = 0;
  Status s = ReadTraceFile(options_.trace_path, &origin);
  if (s.ok()) {
    rep.origin_time = origin;
  } else {
    rep.origin_error = s.message();
  }

  std::vector<Target> targets;
  s = LoadTargets(db_, names, &targets);
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
  std::vector<Plan> plans;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    for (const std::string scheme : {"http", "https"}) {
      const std::string& base = scheme == "http" ? t.http_url : t.https_url;
      if (base.empty()) continue;
      BaseUrl parsed;
      std::string host = ParseBaseUrl(base, scheme, "url", &parsed).ok() ? parsed.host : "";
      for (int family : {4, 6}) {
        Plan p;
        p.target = i;
        p.scheme = scheme;
        p.family = family;
        p.base = base;
        if (IsAddress(host, family == 4 ? AF_INET6 : AF_INET)) {
          p.not_offered = NoAddress(family);
        } else {
          p.trace_request = requests.size();
          requests.push_back({base + EncodePath(options_.trace_file), family, false, t.allow_redirects});
          for (const auto& f : t.probes) {
            p.probe_requests.push_back(requests.size());
            requests.push_back({base + EncodePath(f.path), family, true, t.allow_redirects});
          }
        }
        plans.push_back(std::move(p));
      }
    }
  }
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
    rep.origin_warning = "the origin's trace file is " + std::to_string(now - *rep.origin_time) +
                         " s old, more than redirector.max_lag; is 'waymark-trace --stamp' "
                         "running from cron?";
  std::vector<MirrorReport> reports(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    reports[i].id = targets[i].id;
    reports[i].name = targets[i].name;
    reports[i].max_lag = targets[i].max_lag.value_or(options_.max_lag);
  }
  auto resolve_failed = [&](const Plan& p) {
    return p.not_offered.empty() && results[p.trace_request].error == FetchResult::Error::kResolve;
  };
  for (size_t k = 0; k < plans.size(); ++k) {
    Plan& p = plans[k];
    const Plan& other = plans[p.family == 4 ? k + 1 : k - 1];
    if (p.not_offered.empty() && FamilyNotOffered(resolve_failed(p), resolve_failed(other)))
      p.not_offered = NoAddress(p.family);
  }

  for (const Plan& p : plans) {
    Target& t = targets[p.target];
    MirrorReport& m = reports[p.target];
    CheckReport c;
    c.scheme = p.scheme;
    c.family = p.family;
    c.url = p.base + EncodePath(options_.trace_file);
    if (!p.not_offered.empty()) {
      c.result = {CheckResult::Kind::kNotOffered, p.not_offered, std::nullopt};
    } else {
      c.result = EvaluateTraceAnswer(results[p.trace_request], now, &c.trace_time);
      if (c.result.kind == CheckResult::Kind::kOk) {
        for (size_t j = 0; j < p.probe_requests.size(); ++j) {
          std::string why = EvaluateProbeAnswer(results[p.probe_requests[j]], t.probes[j]);
          if (why.empty()) continue;
          c.result.kind = CheckResult::Kind::kFailed;
          c.result.reason = why;
          break;
        }
      }
    }
    std::optional<EventRecord> ev;
    HealthRow& row = t.health[{p.scheme, p.family}];
    row = NextHealth(row, c.result, options_.policy, now, CheckLabel(p.scheme, p.family), &ev);
    c.up = row.up;
    if (ev) m.events.push_back(*ev);
    m.checks.push_back(std::move(c));
  }

  for (size_t i = 0; i < targets.size(); ++i) {
    Target& t = targets[i];
    MirrorReport& m = reports[i];
    std::vector<long long> times;
    std::string error;
    for (const auto& c : m.checks) {
      if (c.trace_time) times.push_back(*c.trace_time);
      if (error.empty() && c.result.kind == CheckResult::Kind::kFailed) error = c.result.reason;
    }
    if (times.empty() && error.empty()) error = "no scheme or IP family to check";
    m.freshness = NextFreshness(t.prev, times, error, rep.origin_time);
    if (auto ev = FreshnessEvent(t.was_stale, m.freshness.lag, m.max_lag)) m.events.push_back(*ev);
  }
  s = WriteResults(db_, targets, reports, now);
  if (!s.ok()) return s;
  rep.mirrors = std::move(reports);
  *report = std::move(rep);
  return Status::OK();
}

}  // namespace waymark
