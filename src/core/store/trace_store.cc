#include "core/store/trace_store.h"

#include <algorithm>
#include <map>

#include "core/store/db.h"
#include "core/store/inventory.h"
#include "core/store/mirror_store.h"

namespace waymark {

namespace {

// Any number will do as long as every waymark-trace uses the same one.
constexpr long long kCheckLockKey = 0x77796d6b74726365LL;  // "wymktrce"

// A PostgreSQL array literal of text values: every element double-quoted
// with quotes and backslashes escaped, so any reason text survives.
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

}  // namespace

Status LockTraceChecks(Database* db) {
  try {
    pqxx::nontransaction tx(db->conn());
    if (!tx.exec_params1("SELECT pg_try_advisory_lock($1)", kCheckLockKey)[0]
             .as<bool>())
      return Status::FailedPrecondition(
          "another waymark-trace is checking the mirrors");
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot take the check lock");
  }
}

Status LoadTraceTargets(Database* db, const std::vector<std::string>& names,
                        std::vector<TraceTarget>* out) {
  try {
    pqxx::read_transaction tx(db->conn());
    std::map<std::string, TraceTarget> by_name;
    for (const auto& row : tx.exec(
             "SELECT id, name, coalesce(http_url, ''), coalesce(https_url, "
             "''), max_lag, "
             "allow_redirects, extract(epoch FROM trace_time)::bigint, "
             "trace_lag, "
             "coalesce(trace_error, ''), enabled, coalesce(trace_detail, '') "
             "FROM mirrors ORDER BY name")) {
      bool enabled = row[9].as<bool>();
      std::string name = row[1].as<std::string>();
      if (names.empty() && !enabled) continue;
      TraceTarget t;
      t.id = row[0].as<int>();
      t.name = name;
      t.http_url = row[2].as<std::string>();
      t.https_url = row[3].as<std::string>();
      if (!row[4].is_null()) t.max_lag = row[4].as<long long>();
      t.allow_redirects = row[5].as<bool>();
      if (!row[6].is_null()) t.prev.trace_time = row[6].as<long long>();
      if (!row[7].is_null()) t.prev.lag = row[7].as<long long>();
      t.prev.error = row[8].as<std::string>();
      t.prev.detail = row[10].as<std::string>();
      by_name[name] = std::move(t);
    }
    std::vector<TraceTarget> targets;
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
    std::map<int, TraceTarget*> by_id;
    for (auto& t : targets) by_id[t.id] = &t;
    for (const auto& row :
         tx.exec("SELECT mirror_id, scheme, family, up, extract(epoch FROM "
                 "since)::bigint, "
                 "coalesce(reason, ''), failures, successes, latency_ms, "
                 "coalesce(extract(epoch FROM checked_at)::bigint, 0), "
                 "coalesce(detail, ''), offered FROM mirror_health")) {
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
      h.detail = row[10].as<std::string>();
      h.offered = row[11].as<bool>();
      it->second->health[{row[1].as<std::string>(), row[2].as<int>()}] = h;
    }
    for (const auto& row : tx.exec(
             "SELECT DISTINCT ON (mirror_id) mirror_id, kind FROM "
             "mirror_events "
             "WHERE kind IN ('stale', 'fresh') ORDER BY mirror_id, id DESC")) {
      auto it = by_id.find(row[0].as<int>());
      if (it != by_id.end())
        it->second->was_stale = row[1].as<std::string>() == "stale";
    }
    *out = std::move(targets);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the mirrors");
  }
}

Status PickProbeFiles(Database* db, int count, std::mt19937_64* rng,
                      TraceTarget* t) {
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
        long long id = static_cast<long long>(c) * kFilesPerChunk +
                       static_cast<long long>(byte) * 8 + bit;
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
  for (size_t i = 0; i < ids.size(); ++i)
    array += (i ? "," : "") + std::to_string(ids[i]);
  array += "}";
  try {
    pqxx::read_transaction tx(db->conn());
    for (const auto& row :
         tx.exec_params("SELECT path, size FROM files WHERE id = "
                        "ANY($1::integer[]) ORDER BY path",
                        array)) {
      t->probes.push_back({row[0].as<std::string>(), row[1].as<long long>()});
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e,
                         "cannot read the files of mirror '" + t->name + "'");
  }
}

// Four statements over arrays in one transaction, not a few statements per
// mirror: 500 mirrors are written in milliseconds, and the redirector sees
// the whole run at once.
Status WriteTraceResults(Database* db, const std::vector<TraceTarget>& targets,
                         const std::vector<MirrorReport>& reports,
                         long long now) {
  ArrayLiteral m_id, m_time, m_lag, m_error, m_detail;
  ArrayLiteral h_id, h_scheme, h_family, h_up, h_since, h_reason, h_failures,
      h_successes, h_latency, h_checked, h_detail, h_offered;
  ArrayLiteral e_id, e_kind, e_message;
  for (size_t i = 0; i < targets.size(); ++i) {
    const TraceTarget& t = targets[i];
    const MirrorReport& m = reports[i];
    m_id.Add(t.id);
    m_time.Add(m.freshness.trace_time.value_or(-1));
    m_lag.Add(std::min<long long>(m.freshness.lag.value_or(-1), 2147483647LL));
    m_error.Add(m.freshness.error);
    m_detail.Add(m.freshness.detail);
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
      h_latency.Add(
          std::min<long long>(h.latency_ms.value_or(-1), 2147483647LL));
      h_checked.Add(h.checked_at);
      h_detail.Add(h.detail);
      h_offered.Add(h.offered ? "true" : "false");
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
        "UPDATE mirrors m SET trace_time = CASE WHEN u.tt < 0 THEN NULL ELSE "
        "to_timestamp(u.tt) END, "
        "trace_lag = NULLIF(u.lag, -1), trace_checked_at = to_timestamp($5), "
        "trace_error = NULLIF(u.err, ''), trace_detail = NULLIF(u.detail, '') "
        "FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::text[], "
        "$6::text[]) AS u(id, tt, lag, err, detail) "
        "WHERE m.id = u.id",
        m_id.str(), m_time.str(), m_lag.str(), m_error.str(), now,
        m_detail.str());
    // Rows of schemes a mirror no longer offers go.
    tx.exec_params(
        "DELETE FROM mirror_health h WHERE h.mirror_id = ANY($1::integer[]) "
        "AND "
        "(h.mirror_id, h.scheme, h.family) NOT IN "
        "(SELECT * FROM unnest($2::integer[], $3::text[], $4::smallint[]))",
        m_id.str(), h_id.str(), h_scheme.str(), h_family.str());
    tx.exec_params(
        "INSERT INTO mirror_health (mirror_id, scheme, family, up, since, "
        "reason, failures, "
        "successes, latency_ms, checked_at, detail, offered) "
        "SELECT u.id, u.scheme, u.family, u.up, to_timestamp(u.since), "
        "NULLIF(u.reason, ''), "
        "u.failures, u.successes, NULLIF(u.latency, -1), "
        "to_timestamp(u.checked), NULLIF(u.detail, ''), u.offered "
        "FROM unnest($1::integer[], $2::text[], $3::smallint[], $4::boolean[], "
        "$5::bigint[], "
        "$6::text[], $7::integer[], $8::integer[], $9::integer[], "
        "$10::bigint[], $11::text[], $12::boolean[]) "
        "AS u(id, scheme, family, up, since, reason, failures, successes, "
        "latency, checked, detail, offered) "
        "ON CONFLICT (mirror_id, scheme, family) DO UPDATE SET up = "
        "EXCLUDED.up, "
        "since = EXCLUDED.since, reason = EXCLUDED.reason, failures = "
        "EXCLUDED.failures, "
        "successes = EXCLUDED.successes, latency_ms = EXCLUDED.latency_ms, "
        "checked_at = EXCLUDED.checked_at, detail = EXCLUDED.detail, "
        "offered = EXCLUDED.offered",
        h_id.str(), h_scheme.str(), h_family.str(), h_up.str(), h_since.str(),
        h_reason.str(), h_failures.str(), h_successes.str(), h_latency.str(),
        h_checked.str(), h_detail.str(), h_offered.str());
    tx.exec_params(
        "INSERT INTO mirror_events (mirror_id, at, kind, message, actor) "
        "SELECT u.id, to_timestamp($4), u.kind, u.message, 'waymark-trace' "
        "FROM unnest($1::integer[], $2::text[], $3::text[]) WITH ORDINALITY AS "
        "u(id, kind, message, n) "
        "ORDER BY u.n",
        e_id.str(), e_kind.str(), e_message.str(), now);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot record the checks");
  }
}

Status LoadCheckView(Database* db, int mirror_id, FreshnessView* freshness,
                     std::vector<HealthView>* health) {
  const std::string utc = "'YYYY-MM-DD HH24:MI:SS'";
  try {
    pqxx::read_transaction tx(db->conn());
    FreshnessView f;
    auto r = tx.exec_params(
        "SELECT trace_lag, coalesce(to_char(trace_time AT TIME ZONE 'UTC', " +
            utc +
            "), ''), "
            "coalesce(to_char(trace_checked_at AT TIME ZONE 'UTC', " +
            utc +
            "), ''), "
            "coalesce(trace_error, ''), coalesce(trace_detail, '') "
            "FROM mirrors WHERE id = $1",
        mirror_id);
    if (!r.empty()) {
      if (!r[0][0].is_null()) f.lag = r[0][0].as<long long>();
      f.trace_time = r[0][1].as<std::string>();
      f.checked_at = r[0][2].as<std::string>();
      f.error = r[0][3].as<std::string>();
      f.detail = r[0][4].as<std::string>();
    }
    std::vector<HealthView> rows;
    for (const auto& row : tx.exec_params(
             "SELECT scheme, family, up, to_char(since AT TIME ZONE 'UTC', " +
                 utc +
                 "), "
                 "coalesce(reason, ''), coalesce(to_char(checked_at AT TIME "
                 "ZONE 'UTC', " +
                 utc +
                 "), ''), latency_ms, coalesce(detail, ''), offered "
                 "FROM mirror_health WHERE mirror_id = $1 "
                 "ORDER BY scheme, family",
             mirror_id)) {
      HealthView h;
      h.scheme = row[0].as<std::string>();
      h.family = row[1].as<int>();
      h.up = row[2].as<bool>();
      h.since = row[3].as<std::string>();
      h.reason = row[4].as<std::string>();
      h.checked_at = row[5].as<std::string>();
      if (!row[6].is_null()) h.latency_ms = row[6].as<long long>();
      h.detail = row[7].as<std::string>();
      h.offered = row[8].as<bool>();
      rows.push_back(std::move(h));
    }
    *freshness = std::move(f);
    *health = std::move(rows);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(
        e, "cannot read the checks of mirror " + std::to_string(mirror_id));
  }
}

}  // namespace waymark
