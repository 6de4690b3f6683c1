// waymark export mirmon|json: the mirror list for outside tools. mirmon's
// list format for operators who already run mirmon, and JSON with each
// mirror's state, lag and last check. Both are meant to be published: no
// credentials (URLs that carry them are left out), no admin names or
// e-mail addresses, no operator comments.
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "admin/command.h"
#include "admin/mirror_json.h"
#include "core/json.h"
#include "core/model/health_rules.h"
#include "core/store/db.h"
#include "core/strings.h"
#include "core/url.h"

namespace waymark {

namespace {

using nlohmann::json;

struct TraceFacts {
  json time, lag, max_lag, checked_at, error;
  std::optional<long long> lag_value, max_lag_value;
};

constexpr char kIsoUtc[] = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

Status LoadTraceFacts(Database* db, std::map<int, TraceFacts>* trace,
                      std::map<int, json>* health) {
  try {
    pqxx::read_transaction tx(db->conn());
    std::string iso = kIsoUtc;
    for (const auto& row :
         tx.exec("SELECT id, to_char(trace_time AT TIME ZONE 'UTC', " + iso +
                 "), trace_lag, max_lag, "
                 "to_char(trace_checked_at AT TIME ZONE 'UTC', " +
                 iso + "), trace_error FROM mirrors")) {
      TraceFacts f;
      if (!row[1].is_null()) f.time = row[1].as<std::string>();
      if (!row[2].is_null()) {
        f.lag_value = row[2].as<long long>();
        f.lag = *f.lag_value;
      }
      if (!row[3].is_null()) {
        f.max_lag_value = row[3].as<long long>();
        f.max_lag = *f.max_lag_value;
      }
      if (!row[4].is_null()) f.checked_at = row[4].as<std::string>();
      if (!row[5].is_null()) f.error = row[5].as<std::string>();
      (*trace)[row[0].as<int>()] = f;
    }
    for (const auto& row : tx.exec(
             "SELECT mirror_id, scheme, family, up, to_char(since AT TIME ZONE "
             "'UTC', " +
             iso +
             "), reason, latency_ms, to_char(checked_at AT TIME ZONE 'UTC', " +
             iso +
             "), offered FROM mirror_health "
             "ORDER BY mirror_id, scheme, family")) {
      // The public reason only, never the check's detail (what the mirror
      // sent): this is the public mirror list.
      json h = {{"scheme", row[1].as<std::string>()},
                {"family", row[2].as<int>()},
                {"up", row[3].as<bool>()},
                {"offered", row[8].as<bool>()},
                {"since", row[4].as<std::string>()},
                {"reason",
                 row[5].is_null() ? json() : json(row[5].as<std::string>())},
                {"latency_ms",
                 row[6].is_null() ? json() : json(row[6].as<long long>())},
                {"checked_at",
                 row[7].is_null() ? json() : json(row[7].as<std::string>())}};
      (*health)[row[0].as<int>()].push_back(std::move(h));
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read mirror health");
  }
}

Status RunExportJson(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  std::vector<Mirror> mirrors;
  Status s = LoadMirrors(*ctx, &mirrors, &db);
  if (!s.ok()) return s;
  std::map<int, TraceFacts> trace;
  std::map<int, json> health;
  s = LoadTraceFacts(db.get(), &trace, &health);
  if (!s.ok()) return s;
  const long long max_lag =
      ctx->config.GetDurationSeconds(keys::kRedirectorMaxLag);
  json out;
  out["max_lag"] = max_lag;
  out["mirrors"] = json::array();
  for (const Mirror& m : mirrors) {
    const TraceFacts& f = trace[m.id];
    long long limit = f.max_lag_value.value_or(max_lag);
    json j = MirrorJson(m, UrlReader::kPublic);
    j["freshness"] = !f.lag_value                  ? "unknown"
                     : IsStale(f.lag_value, limit) ? "stale"
                                                   : "fresh";
    j["trace_time"] = f.time;
    j["lag"] = f.lag;
    j["max_lag"] = limit;
    j["last_check"] = f.checked_at;
    j["trace_error"] = f.error;
    j["health"] = health.count(m.id) ? health[m.id] : json::array();
    out["mirrors"].push_back(std::move(j));
  }
  *ctx->out << JsonText(out);
  return Status::OK();
}

Status RunExportMirmon(AdminContext* ctx) {
  std::vector<Mirror> mirrors;
  Status s = LoadMirrors(*ctx, &mirrors);
  if (!s.ok()) return s;
  // mirmon's list: "cc url" per line, one line per URL; the e-mail field
  // mirmon allows is left out.
  for (const Mirror& m : mirrors) {
    if (!m.enabled) continue;
    std::string cc = m.country.empty() ? "--" : ToLower(m.country);
    for (const std::string* url :
         {&m.http_url, &m.https_url, &m.ftp_url, &m.rsync_url}) {
      std::string pub = ShownUrl(*url, UrlReader::kPublic);
      if (!pub.empty()) *ctx->out << cc << " " << pub << "\n";
    }
  }
  return Status::OK();
}

}  // namespace

std::vector<Command> ExportCommands() {
  return {
      {"export mirmon", "", "print the enabled mirrors in mirmon's list format",
       0, 0, nullptr, RunExportMirmon},
      {"export json", "",
       "print every mirror with its state, lag and last check as JSON", 0, 0,
       nullptr, RunExportJson},
  };
}

}  // namespace waymark
