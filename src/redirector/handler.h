// The redirector's request handling, without FastCGI: a request's
// parameters in, a Response out. Owned by one worker process.
//
// Data path: the mirror list (with health and lag) is a snapshot reloaded at
// most every `refresh_seconds` (5 s), so a change of state reaches every
// worker within that time without a query per request. Files are looked up
// once and cached for the same time, in an LRU bounded by entries. When
// PostgreSQL is away, the worker keeps the last snapshot and its cached
// files, sends unknown files to the fallback (never a 500), and reconnects
// by itself.
#ifndef WAYMARK_REDIRECTOR_HANDLER_H_
#define WAYMARK_REDIRECTOR_HANDLER_H_

#include <ctime>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fallback.h"
#include "core/geoip.h"
#include "core/inventory.h"
#include "core/selection.h"
#include "redirector/response.h"

namespace waymark {

// The inventory as the handler sees it; one real implementation over
// PostgreSQL, and fakes in tests.
class InventorySource {
 public:
  virtual ~InventorySource() = default;
  virtual Status LoadMirrors(std::vector<MirrorStatus>* out) = 0;
  // kNotFound when the path is not in the inventory.
  virtual Status LoadFile(const std::string& path, FileRecord* record, FileFacts* facts) = 0;
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
  size_t file_cache_entries = 100000;
};

class Handler {
 public:
  Handler(HandlerOptions options, const GeoIp* geoip, InventorySource* source,
          std::function<double()> uniform01, std::function<time_t()> clock);

  Response Handle(const RequestInfo& request);

 private:
  struct CachedFile {
    bool found = false;
    FileRecord record;
    FileFacts facts;
    time_t loaded = 0;
    std::list<std::string>::iterator lru;
  };

  void RefreshMirrors();
  // The file, from the cache when fresh; nullptr when unknown (or when the
  // database is away and it is not cached).
  const CachedFile* Lookup(const std::string& path, bool* database_down);
  // No mirror can serve: a fallback URL, else the origin itself through
  // X-Accel-Redirect, else 503.
  Response Fallback(const std::string& path, const Client& client, const std::string& why);
  Response ServeLocally(const std::string& path, const std::string& why);

  HandlerOptions options_;
  const GeoIp* geoip_;
  InventorySource* source_;
  std::function<double()> uniform01_;
  std::function<time_t()> clock_;
  std::vector<MirrorStatus> mirrors_;
  time_t mirrors_loaded_ = 0;
  bool have_mirrors_ = false;
  std::unordered_map<std::string, CachedFile> files_;
  std::list<std::string> lru_;  // most recent first
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_HANDLER_H_
