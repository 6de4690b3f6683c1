// Download statistics in PostgreSQL (downloads_pending, downloads_daily,
// downloads_monthly, download_paths and the view download_counts of
// sql/migrations/): the redirector's batched appends, their merge into
// daily rows, the roll-up of old daily rows into monthly ones, and the
// queries behind `waymark stats`.
#ifndef WAYMARK_CORE_STORE_DOWNLOAD_STATS_H_
#define WAYMARK_CORE_STORE_DOWNLOAD_STATS_H_

#include <string>
#include <tuple>
#include <vector>

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct DownloadKey {
  std::string day;      // UTC "YYYY-MM-DD"
  std::string path;     // the file's own path
  int mirror_id = 0;    // 0: a fallback or the origin
  std::string country;  // ISO code, "--" unknown

  bool operator<(const DownloadKey& o) const {
    return std::tie(day, path, mirror_id, country) <
           std::tie(o.day, o.path, o.mirror_id, o.country);
  }
};

struct DownloadCount {
  DownloadKey key;
  long long downloads = 0;
};

// Appends the counts to downloads_pending in one transaction (COPY: no
// index, no look-up). Nothing is written when it fails. Reports see them
// at once (view download_counts); MergeDownloadCounts() folds them into
// downloads_daily later. kInvalidArgument when the database rejects the
// rows' data (a path that is not valid UTF-8, ...): retrying cannot help.
Status WriteDownloadCounts(Database* db,
                           const std::vector<DownloadCount>& counts);

// A batch of counts written once: its id (unique; the redirector makes
// 128 random bits) is recorded in download_batches (migration 0007) with
// the node that wrote it, in the same transaction as the counts. When the
// id is there already, nothing is written and `*already` is set: a batch
// sent again after its commit's acknowledgement was lost counts once.
// Errors as WriteDownloadCounts(). The node is stored as given (made
// printable, at most 200 bytes): it is for the operator.
Status WriteDownloadBatch(Database* db, const std::string& id,
                          const std::string& node,
                          const std::vector<DownloadCount>& counts,
                          bool* already);

// Forgets batch ids recorded more than `older_than_days` days ago: a batch
// sent again later than that would count twice. `waymark stats rollup`
// (nightly) runs it.
Status PruneDownloadBatches(Database* db, int older_than_days,
                            long long* pruned);

// Folds every pending count into downloads_daily in one transaction (sql
// function merge_download_counts of migration 0005): how many pending rows
// it took and how many daily rows it added to or created; `busy` when
// another merge was running, which does the work instead. Rows appended
// while it runs wait for the next merge.
struct MergeResult {
  long long pending_rows = 0;
  long long daily_rows = 0;
  bool busy = false;
};
Status MergeDownloadCounts(Database* db, MergeResult* result);

// Moves daily rows older than `older_than_days` days into monthly rows, in
// one statement (a run that fails changes nothing; a second run adds
// nothing twice). `moved` daily rows became `months` monthly rows.
Status RollUpDownloads(Database* db, int older_than_days, long long* moved,
                       long long* months);

struct StatsQuery {
  std::string by = "day";    // day, month, country, mirror, file
  std::string mirror;        // a mirror name; "" all
  std::string file_glob;     // shell glob on the path (* ? []); "" all
  std::string since, until;  // "YYYY-MM-DD", inclusive; "" open
};

struct StatsRow {
  std::string key;  // the day, month, country, mirror name or path
  long long downloads = 0;
};

// Daily and monthly rows together (a month rolled up counts for the days
// it holds only by month: --by day shows it as "YYYY-MM"). Ordered by key
// for day and month, by downloads (most first) otherwise.
// kInvalidArgument for a bad --by or date.
Status QueryDownloads(Database* db, const StatsQuery& q,
                      std::vector<StatsRow>* out);

// A shell glob as a LIKE pattern (escape character '\').
std::string GlobToLike(const std::string& glob);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_DOWNLOAD_STATS_H_
