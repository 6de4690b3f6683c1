// Download statistics in PostgreSQL (downloads_daily, downloads_monthly,
// download_paths of sql/migrations/0001_initial.sql): the redirector's
// batched writes, the roll-up of old daily rows into monthly ones, and the
// queries behind `waymark stats`.
#ifndef WAYMARK_CORE_DOWNLOAD_STATS_H_
#define WAYMARK_CORE_DOWNLOAD_STATS_H_

#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/db.h"
#include "core/status.h"

namespace waymark {

struct DownloadKey {
  std::string day;      // UTC "YYYY-MM-DD"
  std::string path;     // the file's own path
  int mirror_id = 0;    // 0: a fallback or the origin
  std::string country;  // ISO code, "--" unknown

  bool operator<(const DownloadKey& o) const {
    return std::tie(day, path, mirror_id, country) < std::tie(o.day, o.path, o.mirror_id, o.country);
  }
};

struct DownloadCount {
  DownloadKey key;
  long long downloads = 0;
};

// The ids of download_paths rows a writer has already seen. Rows are never
// renumbered or deleted by waymark, so a writer keeps them for its life and
// a batch of known paths writes only its counts. Bounded: forgotten as a
// whole beyond `max_paths`.
class DownloadPathIds {
 public:
  explicit DownloadPathIds(size_t max_paths = 1000000) : max_paths_(max_paths) {}
  // 0 when unknown.
  int Find(const std::string& path) const {
    auto it = ids_.find(path);
    return it == ids_.end() ? 0 : it->second;
  }
  void Add(const std::string& path, int id) {
    if (ids_.size() >= max_paths_) ids_.clear();
    ids_.emplace(path, id);
  }
  size_t size() const { return ids_.size(); }
  void Clear() { ids_.clear(); }

 private:
  size_t max_paths_;
  std::unordered_map<std::string, int> ids_;
};

// Adds the counts in one transaction (new paths numbered on the way); keys
// must be distinct. Nothing is written when it fails. `path_ids` (may be
// null) spares the look-up of paths already seen; it learns the new ones
// once the transaction committed.
Status WriteDownloadCounts(Database* db, const std::vector<DownloadCount>& counts,
                           DownloadPathIds* path_ids = nullptr);

// Moves daily rows older than `older_than_days` days into monthly rows, in
// one statement (a run that fails changes nothing; a second run adds
// nothing twice). `moved` daily rows became `months` monthly rows.
Status RollUpDownloads(Database* db, int older_than_days, long long* moved, long long* months);

struct StatsQuery {
  std::string by = "day";   // day, month, country, mirror, file
  std::string mirror;       // a mirror name; "" all
  std::string file_glob;    // shell glob on the path (* ? []); "" all
  std::string since, until; // "YYYY-MM-DD", inclusive; "" open
};

struct StatsRow {
  std::string key;  // the day, month, country, mirror name or path
  long long downloads = 0;
};

// Daily and monthly rows together (a month rolled up counts for the days
// it holds only by month: --by day shows it as "YYYY-MM"). Ordered by key
// for day and month, by downloads (most first) otherwise.
// kInvalidArgument for a bad --by or date.
Status QueryDownloads(Database* db, const StatsQuery& q, std::vector<StatsRow>* out);

// A shell glob as a LIKE pattern (escape character '\').
std::string GlobToLike(const std::string& glob);

}  // namespace waymark

#endif  // WAYMARK_CORE_DOWNLOAD_STATS_H_
