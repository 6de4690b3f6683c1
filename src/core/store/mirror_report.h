// Per-mirror facts for the mirror statistics page that selection does not
// need: last scan and its result, trace errors, why it is down, how much of
// the repository it holds, downloads today. One round of queries, made
// only when someone asks for /mirrorstats.
#ifndef WAYMARK_CORE_STORE_MIRROR_REPORT_H_
#define WAYMARK_CORE_STORE_MIRROR_REPORT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct MirrorReport {
  std::string last_scan_at;  // UTC "YYYY-MM-DD HH:MM:SS", "" never scanned
  std::optional<bool> last_scan_ok;
  std::string last_scan_error;
  std::string trace_checked_at;
  std::string trace_error;  // public phrase; never the mirror's own bytes
  // "https/IPv6: connection refused" for each scheme and family that is down.
  std::vector<std::string> down_reasons;
  // "http/IPv6" for each one the mirror does not offer (no problem).
  std::vector<std::string> not_offered;
  long long files_held = 0;
  long long downloads_today = 0;  // UTC day
};

struct RepositoryReport {
  long long files = 0;
  std::map<int, MirrorReport> mirrors;  // by mirror id
};

Status LoadRepositoryReport(Database* db, RepositoryReport* out);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_MIRROR_REPORT_H_
