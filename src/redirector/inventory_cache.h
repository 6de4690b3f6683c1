// What one redirector worker knows of the inventory, and how it keeps it
// fresh. Owned by the worker's Handler (redirector/handler.h); reads
// through an InventorySource (redirector/inventory_source.h).
//
// Data path, chosen so that a request costs no SQL once its file is known:
// - every `refresh_seconds` (5 s) Refresh() runs one round of small queries
//   that reloads the mirror list (health, lag, settings) and the
//   inventory's change counters (sql/migrations/0002_change_tracking.sql),
//   so a change of state reaches every worker within that time, without a
//   restart;
// - every mirror's file bitmaps live in the worker, as a row of bits per
//   file (core/store/inventory.h; 8 MB at 1M files x 50 mirrors), reloaded
//   only for a mirror whose counter moved (it was rescanned);
// - file records come from the FileIndex the master handed the workers
//   (core/model/file_index.h), shared by all of them: no SQL, no
//   per-worker memory. While the files counter says the repository changed
//   since the index was built (the next one is being built), or when there
//   is no index (PostgreSQL was away at start), records are read from the
//   database and cached in an LRU bounded by entries, dropped as a whole
//   when the files counter moves, and at most `file_max_age` old.
// We poll counters rather than LISTEN/NOTIFY: polling needs no extra
// connection state, cannot miss a notification across a reconnect, and
// costs one tiny query per worker every 5 s.
// When PostgreSQL is away the cache keeps everything it has and says so
// (database_away(), Lookup()'s `database_down`); the source reconnects by
// itself.
//
// Refresh() is the one entry that reads the mirrors and counters: today the
// Handler calls it before each request, so that the round runs at most
// once per interval; it can as well be driven from a thread of its own.
#ifndef WAYMARK_REDIRECTOR_INVENTORY_CACHE_H_
#define WAYMARK_REDIRECTOR_INVENTORY_CACHE_H_

#include <ctime>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/file_index.h"
#include "core/model/selection.h"
#include "core/store/file_details.h"
#include "core/store/inventory.h"
#include "core/store/mirror_report.h"
#include "redirector/inventory_source.h"
#include "redirector/metrics.h"

namespace waymark {

struct InventoryCacheOptions {
  int refresh_seconds = 5;
  int file_max_age = 300;
  size_t file_cache_entries = 100000;
  // Built outside the worker; nullptr when there is none.
  std::shared_ptr<const FileIndex> index;
  // Cache hits and misses, database errors; nullptr: not counted.
  Metrics* metrics = nullptr;
};

class InventoryCache {
 public:
  InventoryCache(InventoryCacheOptions options, InventorySource* source);
  InventoryCache(const InventoryCache&) = delete;
  InventoryCache& operator=(const InventoryCache&) = delete;

  // Reloads the mirrors and counters when `refresh_seconds` have passed
  // since the last round (or there is no snapshot yet), and then what they
  // say changed. On failure keeps the last snapshot and tries again after
  // the same interval.
  void Refresh(time_t now);

  // The file (or the file an alias names), from the index when it matches
  // the inventory, else from the cache when fresh, else from the source.
  // nullptr when unknown; *database_down when the database could not say
  // (a cached record, however old, is then returned when there is one).
  // The record stays valid until the next Lookup() or Refresh().
  const FileRecord* Lookup(const std::string& path, time_t now,
                           bool* database_down);

  // The file's details from the cache or the source; false while the
  // database is away and they are not cached.
  bool Details(int file_id, time_t now, FileDetails* out);

  // Read on each request for /mirrorstats (not cached).
  Status LoadRepositoryReport(RepositoryReport* report) {
    return source_->LoadRepositoryReport(report);
  }

  // The last snapshot (empty before the first successful refresh).
  const std::vector<MirrorStatus>& mirrors() const { return mirrors_; }
  const std::vector<SelectionRow>& rows() const {
    return rows_;
  }  // SelectionRows(mirrors())
  // The mirrors holding the file, into `out`.
  void Holders(int file_id, MirrorIdSet* out) const {
    bitmaps_.Holders(file_id, out);
  }
  // The last refresh failed.
  bool database_away() const { return database_away_; }

 private:
  struct CachedFile {
    bool found = false;
    FileRecord record;
    time_t loaded = 0;
    std::list<std::string>::iterator lru;
  };
  struct CachedDetails {
    FileDetails details;
    time_t loaded = 0;
  };

  InventoryCacheOptions options_;
  InventorySource* source_;
  std::vector<MirrorStatus> mirrors_;
  std::vector<SelectionRow> rows_;
  time_t mirrors_loaded_ = 0;
  bool have_mirrors_ = false;
  bool database_away_ = false;
  InventoryGens gens_;
  FileBitmaps bitmaps_;
  std::map<int, long long>
      bitmap_gens_;       // the counter each mirror's bitmaps were read at
  FileRecord index_hit_;  // the last record found in the index
  std::unordered_map<std::string, CachedFile> files_;
  std::list<std::string> lru_;  // most recent first
  // Few files are asked for their details; the whole map is dropped when
  // it is full or the files counter moves.
  std::unordered_map<int, CachedDetails> details_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_INVENTORY_CACHE_H_
