// The redirector's request handling, without FastCGI: a request's
// parameters in, a Response out. Owned by one worker process.
//
// Data path, chosen so that a request costs no SQL once its file is known:
// - every `refresh_seconds` (5 s) one round of small queries reloads the
//   mirror list (health, lag, settings) and the inventory's change counters
//   (sql/migrations/0002_change_tracking.sql), so a change of state reaches
//   every worker within that time, without a restart;
// - every mirror's file bitmaps live in the worker, as a row of bits per
//   file (core/inventory.h; 8 MB at 1M files x 50 mirrors), reloaded only for a
//   mirror whose counter moved (it was rescanned);
// - file records come from the FileIndex the master built before forking
//   (core/file_index.h), shared by all workers: no SQL, no per-worker
//   memory. While the files counter says the repository changed since the
//   index was built (the master is building the next one), or when there is
//   no index (PostgreSQL was away at start), records are read from the
//   database and cached in an LRU bounded by entries, dropped as a whole
//   when the files counter moves, and at most `file_max_age` old.
// We poll counters rather than LISTEN/NOTIFY: polling needs no extra
// connection state, cannot miss a notification across a reconnect, and
// costs one tiny query per worker every 5 s.
// When PostgreSQL is away, the worker keeps everything it has, sends files
// it does not know to the fallback (never a 500), and reconnects by itself.
//
// Besides the 302 the handler answers the outputs of redirector/routing.h.
// The mirror list, JSON, Metalink and ?sha1/?md5 need what the index does
// not hold (mtime, SHA-1, MD5, piece hashes): those rare requests read it
// from the database (one indexed query, cached like file records) and,
// while it is away, answer without it and say so. /mirrorstats reads its
// per-mirror report from the database on each request.
//
// Download statistics: each redirected GET (to a mirror, a fallback or the
// origin) is counted in memory (redirector/download_counts.h); Tick(),
// called by the worker between requests, hands them in one batch every
// `stats_flush_interval` (or sooner when `stats_flush_entries` wait) to the
// StatsWriter thread, which writes and retries them off the request path;
// while it is busy they keep adding up here, up to `stats_max_pending`.
#ifndef WAYMARK_REDIRECTOR_HANDLER_H_
#define WAYMARK_REDIRECTOR_HANDLER_H_

#include <ctime>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/model/fallback.h"
#include "core/store/file_details.h"
#include "core/store/mirror_report.h"
#include "redirector/download_counts.h"
#include "redirector/metrics.h"
#include "redirector/stats_writer.h"
#include "core/model/file_index.h"
#include "core/geo/geoip.h"
#include "core/store/inventory.h"
#include "core/model/selection.h"
#include "redirector/pages/mirror_list.h"
#include "redirector/response.h"
#include "redirector/routing.h"

namespace waymark {

// The inventory as the handler sees it; one real implementation over
// PostgreSQL, and fakes in tests.
class InventorySource {
 public:
  virtual ~InventorySource() = default;
  // The mirrors and the change counters, read together.
  virtual Status LoadMirrors(std::vector<MirrorStatus>* out, InventoryGens* gens) = 0;
  virtual Status LoadBitmaps(int mirror_id, std::vector<std::string>* chunks) = 0;
  // kNotFound when the path is not in the inventory.
  virtual Status LoadFile(const std::string& path, FileRecord* record) = 0;
  // core/file_details.h and core/mirror_report.h.
  virtual Status LoadFileDetails(int file_id, FileDetails* details) = 0;
  virtual Status LoadRepositoryReport(RepositoryReport* report) = 0;
};

// Over a PostgreSQL connection, reconnecting after failures.
std::unique_ptr<InventorySource> NewPostgresInventory(const std::string& dsn);

struct RequestInfo {
  std::string method;       // REQUEST_METHOD
  // The path as the client sent it, still percent-encoded: REQUEST_URI
  // without its query. (nginx's DOCUMENT_URI is already decoded, and
  // decoding twice would misread a file named "100%25.iso".)
  std::string uri;
  std::string query;        // QUERY_STRING
  std::string remote_addr;  // REMOTE_ADDR
  bool https = false;       // HTTPS=on
  std::string host;         // HTTP_HOST, for links back to the origin
  std::string accept;       // HTTP_ACCEPT
  std::string range;        // HTTP_RANGE
};

struct HandlerOptions {
  SelectionPolicy policy;
  std::vector<Fallback> fallbacks;
  int max_link_headers = 5;
  // redirector.local_location: internal nginx prefix for X-Accel-Redirect
  // ("" = none); redirector.min_size: smaller files are served there.
  std::string local_location;
  long long min_size = 0;
  int refresh_seconds = 5;
  int file_max_age = 300;
  size_t file_cache_entries = 100000;
  // redirector.output
  OutputMode output_mode = OutputMode::kAuto;
  // Built by the master; nullptr when there is none.
  std::shared_ptr<const FileIndex> index;
  // Download statistics.
  long long same_download_window = 600;
  int stats_flush_interval = 5;
  size_t stats_flush_entries = 20000;  // waymark.conf's default
  size_t stats_max_pending = 100000;
  // Shared by the workers (the master maps them before forking); nullptr:
  // no range de-duplication / no metrics.
  RecentDownloads* recent = nullptr;
  Metrics* metrics = nullptr;
  // Takes the counts and writes them (a StatsWriter, on its own thread);
  // nullptr: they are kept, within stats_max_pending, and never written
  // (tests that do not look at them).
  CountsSink* writer = nullptr;
  int worker_slot = 0;  // which stats_pending gauge is this worker's
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

class Handler {
 public:
  Handler(HandlerOptions options, const GeoIp* geoip, InventorySource* source,
          std::function<double()> uniform01, std::function<time_t()> clock);

  Response Handle(const RequestInfo& request);
  // Between requests: hands the download counts to the writer when due.
  // `final` hands over whatever waits and waits for it to be written (a
  // stopping worker), once.
  void Tick(bool final = false);
  size_t pending_downloads() const { return counts_.entries(); }

 private:
  struct CachedFile {
    bool found = false;
    FileRecord record;
    time_t loaded = 0;
    std::list<std::string>::iterator lru;
  };

  // Reloads the mirrors and counters when due, and what they say changed.
  void Refresh();
  // The file, from the cache when fresh; nullptr when unknown (or when the
  // database is away and it is not cached).
  const CachedFile* Lookup(const std::string& path, bool* database_down);
  // No mirror can serve: a fallback URL, else the origin itself through
  // X-Accel-Redirect, else 503.
  Response Fallback(const std::string& path, const Client& client, const std::string& why);
  Response ServeLocally(const std::string& path, const std::string& why);
  // The plain download: a mirror, else Fallback().
  Response Redirect(const RequestInfo& req, const FileRecord& file, const Client& client);
  // The mirror list data for the outputs that show it.
  MirrorListData ListData(const RequestInfo& req, const FileRecord& file, const Client& client,
                          const std::string& address, bool from_ip);
  // The file's details from the cache or the database; false while the
  // database is away and they are not cached.
  bool Details(int file_id, FileDetails* out);
  Response MirrorStats(bool json);
  std::string Now() const;  // UTC "YYYY-MM-DD HH:MM:SS"
  Response Answer(const RequestInfo& req, std::string* tier);
  void SetPendingGauge();
  void HandOverCounts(bool final, time_t now);

  HandlerOptions options_;
  const GeoIp* geoip_;
  InventorySource* source_;
  std::function<double()> uniform01_;
  std::function<time_t()> clock_;
  std::vector<MirrorStatus> mirrors_;
  std::vector<SelectionRow> rows_;  // SelectionRows(mirrors_), set with it
  time_t mirrors_loaded_ = 0;
  bool have_mirrors_ = false;
  bool database_away_ = false;  // the last refresh failed
  InventoryGens gens_;
  FileBitmaps bitmaps_;
  std::map<int, long long> bitmap_gens_;  // the counter each mirror's bitmaps were read at
  CachedFile index_hit_;  // the last record found in the index
  std::unordered_map<std::string, CachedFile> files_;
  std::list<std::string> lru_;  // most recent first
  struct CachedDetails {
    FileDetails details;
    time_t loaded = 0;
  };
  // Few files are asked for their details; the whole map is dropped when
  // it is full or the files counter moves.
  std::unordered_map<int, CachedDetails> details_;
  // Download statistics waiting to be written.
  DownloadCounts counts_;
  time_t last_flush_ = 0;
  long long unlogged_drops_ = 0;
  time_t last_drop_log_ = 0;
  // What the current request decided, for the statistics.
  struct Served {
    std::string path;
    int mirror_id = -1;          // -1: not a download
    const char* tier = "none";   // for the metrics: a kMetricTiers value
  } served_;
  // Scratch for Redirect(), kept to spare allocations per request.
  FileFacts facts_;
  std::string origin_url_;
  // The UTC day of download counts, remade when the day changes.
  long long day_number_ = -1;
  std::string day_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_HANDLER_H_
