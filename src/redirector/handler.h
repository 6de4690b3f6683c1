// The redirector's request handling, without FastCGI: a request's
// parameters in, a Response out. Owned by one worker process
// (redirector/worker.h).
//
// The Handler routes: it reads which output a request asks for
// (redirector/routing.h) and answers it from what the worker knows. What
// it knows of the inventory is an InventoryCache (redirector/
// inventory_cache.h: the snapshot of mirrors and bitmaps, the file index,
// the details and the /mirrorstats report, and the refresh work that
// reads them); the downloads it redirects go to a DownloadCounter
// (redirector/download_counter.h). The Handler itself keeps only what one
// request needs, and the last /mirrorstats pages it rendered.
//
// No request waits on the database. The mirror list, JSON, Metalink and
// ?sha1/?md5 need what the index does not hold (mtime, SHA-1, MD5, piece
// hashes): the refresh work loads them when first asked for, and while it
// cannot (PostgreSQL stalled or away) those requests are answered without
// them and say so. Pages say how old the worker's data is, and that it may
// be out of date when the last refresh failed or is overdue; /mirrorstats,
// its JSON, ?json and ?metrics name the node (redirector.node) and say how
// old its view is (InventoryCache::Age()). A node whose view is older than
// redirector.max_inventory_age trusts no mirror check older than that
// (PolicyAt()). A path the
// index does not know is a 404 while the index is complete; while the
// index is behind the inventory (or there is none, or the database is
// away) it may be a new file: a fallback or, for a regular file that
// stays in the repository, the origin serves it (never a 500).
#ifndef WAYMARK_REDIRECTOR_HANDLER_H_
#define WAYMARK_REDIRECTOR_HANDLER_H_

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/geo/geoip.h"
#include "core/model/fallback.h"
#include "core/model/file_index.h"
#include "core/model/selection.h"
#include "redirector/download_counter.h"
#include "redirector/inventory_cache.h"
#include "redirector/inventory_source.h"
#include "redirector/metrics.h"
#include "redirector/pages/mirror_list.h"
#include "redirector/pages/page.h"
#include "redirector/response.h"
#include "redirector/routing.h"
#include "redirector/stats_writer.h"

namespace waymark {

struct RequestInfo {
  std::string method;  // REQUEST_METHOD
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
  // repository.path: with no index (PostgreSQL away since the start), a
  // path is handed to local_location only when it resolves to a regular
  // file below it.
  std::string repository_root;
  int refresh_seconds = 5;
  // redirector.output
  OutputMode output_mode = OutputMode::kAuto;
  // Built by the master; nullptr when there is none.
  std::shared_ptr<const FileIndex> index;
  // Download statistics.
  long long same_download_window = 600;
  int stats_flush_interval = 5;
  size_t stats_flush_entries = 20000;         // waymark.conf's default
  size_t stats_max_pending_bytes = 32 << 20;  // waymark.conf's default
  // Shared by the workers (the master maps them before forking); nullptr:
  // no range de-duplication / no metrics.
  RecentDownloads* recent = nullptr;
  Metrics* metrics = nullptr;
  // Takes the counts and writes them (a StatsWriter, on its own thread);
  // nullptr: they are kept, within stats_max_pending_bytes, and never written
  // (tests that do not look at them).
  CountsSink* writer = nullptr;
  int worker_slot = 0;  // which stats_pending gauge is this worker's
  std::function<void(const std::string&)> log = [](const std::string&) {};
  // InventoryCacheOptions::published: after each refresh (the worker's
  // word to the master); may be empty.
  std::function<void(const InventorySnapshot&)> inventory_published;
  // redirector.node: the node's name (HandlerOptionsFrom() puts the host
  // name when it is unset).
  std::string node;
  // redirector.max_inventory_age, in seconds; 0: no limit.
  long long max_inventory_age = 600;
  // The node's log state, shared by the workers (redirector/node_log.h);
  // nullptr: the inventory cache's own.
  NodeLog* node_log = nullptr;
};

class Handler {
 public:
  Handler(HandlerOptions options, const GeoIp* geoip, InventorySource* source,
          std::function<double()> uniform01, std::function<time_t()> clock);

  Response Handle(const RequestInfo& request);
  // Between requests: hands the download counts to the writer when due.
  // `final` hands over whatever waits and gives it `final_wait_ms` to be
  // written before it goes to the spool (a stopping worker), once.
  void Tick(bool final = false, int final_wait_ms = 5000) {
    counter_.Tick(clock_(), final, final_wait_ms);
  }
  size_t pending_downloads() const { return counter_.entries(); }
  // The worker starts its refresh thread here (InventoryCache::Start());
  // tests run the refresh work with RunDue().
  InventoryCache& inventory() { return cache_; }

 private:
  // No mirror can serve: a fallback URL, else the origin itself through
  // X-Accel-Redirect, else 503.
  Response Fallback(const std::string& path, const Client& client,
                    const std::string& why);
  Response ServeLocally(const std::string& path, const std::string& why);
  // The plain download: a mirror, else Fallback().
  Response Redirect(const RequestInfo& req, const FileRecord& file,
                    const Client& client);
  // The mirror list data for the outputs that show it.
  MirrorListData ListData(const RequestInfo& req, const FileRecord& file,
                          const Client& client, const std::string& address,
                          bool from_ip, time_t now);
  Response MirrorStats(bool json, time_t now);
  // A path the index does not hold, as Lookup() judged it.
  Response NotInIndex(Output output, const std::string& path,
                      const Client& client, FileLookup lookup);
  // How old the worker's data is, for the pages.
  DataAge Age(time_t now) const;
  // The selection policy for requests at `now`: options_.policy, unless
  // the node's view is stale and a fallback (or the origin, through
  // local_location) can serve instead; then the same with
  // checks_trusted_from = now - max_inventory_age.
  const SelectionPolicy& PolicyAt(time_t now);
  Response Answer(const RequestInfo& req, time_t now, std::string* country);

  HandlerOptions options_;
  const GeoIp* geoip_;
  std::function<double()> uniform01_;
  std::function<time_t()> clock_;
  InventoryCache cache_;
  DownloadCounter counter_;
  // What the current request decided, for the statistics.
  struct Served {
    std::string path;
    int mirror_id = -1;         // -1: not a download
    const char* tier = "none";  // for the metrics: a kMetricTiers value
  } served_;
  // The snapshot the request in progress answers from, and its policy
  // (PolicyAt()).
  const InventorySnapshot* snap_ = nullptr;
  const SelectionPolicy* policy_ = nullptr;
  SelectionPolicy stale_policy_;
  // Scratch for Redirect(), kept to spare allocations per request.
  FileRecord file_;
  FileFacts facts_;
  std::string origin_url_;
  // The last /mirrorstats page of each kind and what it was made from:
  // a flood of page requests renders it once per refresh, not per request.
  struct StatsPage {
    bool made = false;
    uint64_t serial = 0;                        // InventorySnapshot::serial
    std::shared_ptr<const TimedReport> report;  // held: the key stays unique
    bool suspect = false;
    long long age = 0;  // whole seconds (it grows while suspect)
    std::string body;
  } stats_pages_[2];  // HTML, JSON
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_HANDLER_H_
