#include "core/store/mirror_report.h"

#include "core/store/db.h"

namespace waymark {

Status LoadRepositoryReport(Database* db, RepositoryReport* out) {
  try {
    pqxx::read_transaction tx(db->conn());
    RepositoryReport rep;
    rep.files = tx.exec1("SELECT count(*) FROM files")[0].as<long long>();
    for (const auto& row :
         tx.exec("SELECT id, coalesce(to_char(last_scan_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD HH24:MI:SS'), ''), last_scan_ok, "
                 "coalesce(last_scan_error, ''), "
                 "coalesce(to_char(trace_checked_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD HH24:MI:SS'), ''), "
                 "coalesce(trace_error, '') FROM mirrors")) {
      MirrorReport& m = rep.mirrors[row[0].as<int>()];
      m.last_scan_at = row[1].as<std::string>();
      if (!row[2].is_null()) m.last_scan_ok = row[2].as<bool>();
      m.last_scan_error = row[3].as<std::string>();
      m.trace_checked_at = row[4].as<std::string>();
      m.trace_error = row[5].as<std::string>();
    }
    for (const auto& row :
         tx.exec("SELECT mirror_id, scheme, family, coalesce(reason, ''), "
                 "offered FROM mirror_health "
                 "WHERE NOT up ORDER BY mirror_id, scheme, family")) {
      auto it = rep.mirrors.find(row[0].as<int>());
      if (it == rep.mirrors.end()) continue;
      std::string why =
          row[1].as<std::string>() + "/IPv" + row[2].as<std::string>();
      if (!row[4].as<bool>()) {
        it->second.not_offered.push_back(why);
        continue;
      }
      std::string reason = row[3].as<std::string>();
      it->second.down_reasons.push_back(reason.empty() ? why
                                                       : why + ": " + reason);
    }
    // A mirror's bits are rewritten by every scan, so they name only files
    // that exist (as of its last scan).
    for (const auto& row :
         tx.exec("SELECT mirror_id, sum(bit_count(bits))::bigint FROM "
                 "mirror_files GROUP BY mirror_id")) {
      auto it = rep.mirrors.find(row[0].as<int>());
      if (it != rep.mirrors.end())
        it->second.files_held = row[1].as<long long>();
    }
    // Daily and pending rows, as the view download_counts adds them, but
    // without its join of every row to its path, which this does not need
    // (/mirrorstats runs it on each request).
    for (const auto& row :
         tx.exec("SELECT mirror_id, sum(downloads)::bigint FROM ("
                 "  SELECT day, mirror_id, downloads FROM downloads_daily "
                 "  UNION ALL SELECT day, mirror_id, downloads FROM "
                 "downloads_pending) c "
                 "WHERE day = (now() AT TIME ZONE 'UTC')::date GROUP BY "
                 "mirror_id")) {
      auto it = rep.mirrors.find(row[0].as<int>());
      if (it != rep.mirrors.end())
        it->second.downloads_today = row[1].as<long long>();
    }
    *out = std::move(rep);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the mirror report");
  }
}

}  // namespace waymark
