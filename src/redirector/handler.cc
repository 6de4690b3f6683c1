#include "redirector/handler.h"

#include <algorithm>

#include "core/clock.h"
#include "core/store/db.h"
#include "core/model/request_path.h"
#include "core/strings.h"
#include "core/url.h"
#include "redirector/pages/mirror_stats.h"

namespace waymark {

namespace {

class PostgresInventory : public InventorySource {
 public:
  explicit PostgresInventory(std::string dsn) : db_(std::move(dsn)) {}

  Status LoadMirrors(std::vector<MirrorStatus>* out, InventoryGens* gens) override {
    return db_.Run([&](Database* db) {
      // Counters first: a change racing with the mirror query is then seen
      // again on the next round rather than missed.
      Status s = LoadInventoryGens(db, gens);
      return s.ok() ? LoadMirrorStatuses(db, out) : s;
    });
  }
  Status LoadBitmaps(int mirror_id, std::vector<std::string>* chunks) override {
    return db_.Run([&](Database* db) { return LoadMirrorBitmaps(db, mirror_id, chunks); });
  }
  Status LoadFile(const std::string& path, FileRecord* record) override {
    return db_.Run([&](Database* db) { return LoadFileRecord(db, path, record); });
  }
  Status LoadFileDetails(int file_id, FileDetails* details) override {
    return db_.Run([&](Database* db) { return waymark::LoadFileDetails(db, file_id, details); });
  }
  Status LoadRepositoryReport(RepositoryReport* report) override {
    return db_.Run([&](Database* db) { return waymark::LoadRepositoryReport(db, report); });
  }

 private:
  ReconnectingDatabase db_;
};

}  // namespace

std::unique_ptr<InventorySource> NewPostgresInventory(const std::string& dsn) {
  return std::make_unique<PostgresInventory>(dsn);
}

Handler::Handler(HandlerOptions options, const GeoIp* geoip, InventorySource* source,
                 std::function<double()> uniform01, std::function<time_t()> clock)
    : options_(std::move(options)),
      geoip_(geoip),
      source_(source),
      uniform01_(std::move(uniform01)),
      clock_(std::move(clock)),
      counts_(options_.stats_max_pending),
      last_flush_(clock_()) {}

void Handler::Refresh() {
  time_t now = clock_();
  if (have_mirrors_ && now - mirrors_loaded_ < options_.refresh_seconds) return;
  mirrors_loaded_ = now;  // on failure, try again after the same interval
  std::vector<MirrorStatus> fresh;
  InventoryGens gens;
  database_away_ = !source_->LoadMirrors(&fresh, &gens).ok();
  if (database_away_) {
    if (options_.metrics) options_.metrics->database_errors++;
    return;  // keep the last snapshot
  }
  // Bitmaps of mirrors that were rescanned; forget removed mirrors.
  for (const auto& [id, gen] : gens.mirrors) {
    auto known = bitmap_gens_.find(id);
    if (known != bitmap_gens_.end() && known->second == gen) continue;
    std::vector<std::string> chunks;
    if (!source_->LoadBitmaps(id, &chunks).ok()) return;  // all or nothing: retry next round
    bitmaps_.Set(id, std::move(chunks));
    bitmap_gens_[id] = gen;
  }
  for (auto it = bitmap_gens_.begin(); it != bitmap_gens_.end();) {
    if (gens.mirrors.count(it->first)) {
      ++it;
    } else {
      bitmaps_.Erase(it->first);
      it = bitmap_gens_.erase(it);
    }
  }
  if (!have_mirrors_ || gens.files != gens_.files) {
    files_.clear();
    lru_.clear();
    details_.clear();
  }
  gens_ = std::move(gens);
  mirrors_ = std::move(fresh);
  rows_ = SelectionRows(mirrors_);
  have_mirrors_ = true;
}

const Handler::CachedFile* Handler::Lookup(const std::string& path, bool* database_down) {
  *database_down = false;
  if (options_.index && have_mirrors_ && gens_.files == options_.index->gen) {
    index_hit_.found = options_.index->Find(path, &index_hit_.record);
    if (options_.metrics) options_.metrics->cache_hits++;
    // A file the index does not know may have been added since the database
    // went away: the fallback, not a 404, while it is away.
    *database_down = !index_hit_.found && database_away_;
    return index_hit_.found ? &index_hit_ : nullptr;
  }
  time_t now = clock_();
  auto it = files_.find(path);
  if (it != files_.end() && now - it->second.loaded < options_.file_max_age) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    if (options_.metrics) options_.metrics->cache_hits++;
    return it->second.found ? &it->second : nullptr;
  }
  CachedFile fresh;
  if (options_.metrics) options_.metrics->cache_misses++;
  Status s = source_->LoadFile(path, &fresh.record);
  if (!s.ok() && !s.IsNotFound()) {
    if (options_.metrics) options_.metrics->database_errors++;
    // The database is away: answer from what is cached, however old.
    *database_down = true;
    if (it != files_.end() && it->second.found) return &it->second;
    return nullptr;
  }
  fresh.found = s.ok();
  fresh.loaded = now;
  if (it != files_.end()) {
    fresh.lru = it->second.lru;
    lru_.splice(lru_.begin(), lru_, fresh.lru);
    it->second = std::move(fresh);
  } else {
    if (files_.size() >= options_.file_cache_entries && !lru_.empty()) {
      files_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(path);
    fresh.lru = lru_.begin();
    it = files_.emplace(path, std::move(fresh)).first;
  }
  return it->second.found ? &it->second : nullptr;
}

Response Handler::ServeLocally(const std::string& path, const std::string& why) {
  served_.mirror_id = 0;
  served_.tier = "origin";
  Response r;
  r.status = 200;
  // nginx replaces this answer with the internal location's; the path is
  // sent encoded, as nginx decodes an X-Accel-Redirect URI.
  r.AddHeader("X-Accel-Redirect", options_.local_location + EncodePath(path));
  r.AddHeader("X-Waymark-Mirror", "origin; reason=" + why);
  return r;
}

Response Handler::Fallback(const std::string& path, const Client& client, const std::string& why) {
  if (options_.metrics) options_.metrics->fallbacks++;
  const waymark::Fallback* f = ChooseFallback(options_.fallbacks, client.location);
  if (!f && !options_.local_location.empty()) return ServeLocally(path, why);
  if (!f) return ErrorResponse(503, "no mirror can serve this file now (" + why + ")");
  served_.mirror_id = 0;
  served_.tier = "fallback";
  Response r;
  r.status = 302;
  std::string location = f->url + EncodePath(path);
  r.AddHeader("Location", location);
  r.AddHeader("Cache-Control", "private, no-store");
  r.AddHeader("X-Waymark-Mirror", "fallback; reason=" + why);
  r.AddHeader("Content-Type", "text/plain; charset=utf-8");
  r.body = "Found: " + location + "\n";
  return r;
}

std::string Handler::Now() const { return FormatUtc(clock_(), UtcFormat::kDateTime); }

namespace {

constexpr size_t kMaxCachedDetails = 10000;

// Sets *url to "http://host/", for links back to the origin. Host names
// only: a hostile Host header cannot shape the Link header or the pages.
void OriginUrl(const RequestInfo& req, std::string* url) {
  bool host_ok = !req.host.empty() && req.host.size() <= 255 &&
                 std::all_of(req.host.begin(), req.host.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
                          c == '[' || c == ']';
                 });
  url->assign(req.https ? "https://" : "http://");
  url->append(host_ok ? req.host : "localhost").append("/");
}

}  // namespace

bool Handler::Details(int file_id, FileDetails* out) {
  time_t now = clock_();
  auto it = details_.find(file_id);
  if (it != details_.end() && now - it->second.loaded < options_.file_max_age) {
    *out = it->second.details;
    return true;
  }
  FileDetails fresh;
  Status s = source_->LoadFileDetails(file_id, &fresh);
  if (!s.ok()) {
    if (it == details_.end()) return false;
    *out = it->second.details;  // the database is away: what we had
    return true;
  }
  if (details_.size() >= kMaxCachedDetails) details_.clear();
  details_[file_id] = {fresh, now};
  *out = std::move(fresh);
  return true;
}

Response Handler::Redirect(const RequestInfo& req, const FileRecord& file, const Client& client) {
  if (file.size < options_.min_size && !options_.local_location.empty())
    return ServeLocally(file.path, "small file");
  facts_.size = file.size;
  bitmaps_.Holders(file.id, &facts_.holders);
  // The 302 shows the choice and max_link_headers more, and no reasons.
  SelectionNeeds needs;
  needs.reasons = false;
  needs.ranked = 1 + static_cast<size_t>(std::max(options_.max_link_headers, 0));
  Selection sel = Select(mirrors_, rows_, facts_, client, options_.policy, uniform01_, needs);
  if (sel.ranked.empty()) return Fallback(file.path, client, "no candidate mirror");
  served_.mirror_id = sel.ranked.front().status->mirror.id;
  served_.tier = TierName(sel.ranked.front().tier);
  OriginUrl(req, &origin_url_);
  return RedirectResponse(sel, file, origin_url_, options_.max_link_headers);
}

MirrorListData Handler::ListData(const RequestInfo& req, const FileRecord& file,
                                 const Client& client, const std::string& address, bool from_ip) {
  MirrorListData d;
  d.file.path = file.path;
  d.file.size = file.size;
  d.file.sha256_hex = file.sha256.Hex();
  FileDetails details;
  d.file.details_known = Details(file.id, &details);
  if (d.file.details_known) {
    d.file.mtime = details.mtime;
    d.file.sha1_hex = details.sha1_hex;
    d.file.md5_hex = details.md5_hex;
    d.file.piece_size = details.piece_size;
    d.file.piece_sha1_hex = details.piece_sha1_hex;
  }
  d.client.address = address;
  d.client.from_ip = from_ip;
  d.client.location = client.location;
  d.client.family = client.family;
  d.client.https = client.https;
  FileFacts facts;
  facts.size = file.size;
  bitmaps_.Holders(file.id, &facts.holders);
  d.selection = Select(mirrors_, rows_, facts, client, options_.policy, uniform01_);
  if (d.selection.ranked.empty()) {
    if (const waymark::Fallback* f = ChooseFallback(options_.fallbacks, client.location))
      d.fallback_url = f->url + EncodePath(file.path);
  }
  OriginUrl(req, &d.origin_url);
  d.generated_at = Now();
  return d;
}

Response Handler::MirrorStats(bool json) {
  RepositoryReport report;
  bool known = source_->LoadRepositoryReport(&report).ok();
  MirrorStatsData d;
  d.mirrors = &mirrors_;
  d.report = known ? &report : nullptr;
  d.generated_at = Now();
  if (json) return DocumentResponse("application/json", MirrorStatsJson(d));
  return DocumentResponse("text/html; charset=utf-8", MirrorStatsHtml(d));
}

Response Handler::Handle(const RequestInfo& req) {
  served_ = Served{};
  std::string country;
  Response r = Answer(req, &country);
  if (options_.metrics) options_.metrics->CountRequest(r.status, served_.tier);
  if (req.method == "GET" && served_.mirror_id >= 0) {
    // Range requests of a download already counted (any worker) within
    // the window are the same download.
    bool repeat = false;
    if (options_.recent) {
      bool seen = options_.recent->SeenWithin(req.remote_addr, served_.path, clock_(),
                                              options_.same_download_window);
      repeat = seen && !req.range.empty();
    }
    if (!repeat) {
      time_t now = clock_();
      if (now / 86400 != day_number_) {
        day_number_ = now / 86400;
        day_ = FormatUtc(now, UtcFormat::kDate);
      }
      // The path is not needed after this: moved, not copied.
      DownloadKey key{day_, std::move(served_.path), served_.mirror_id, country};
      if (counts_.Add(std::move(key)) && options_.metrics) options_.metrics->downloads_counted++;
      SetPendingGauge();
    }
  }
  return r;
}

void Handler::SetPendingGauge() {
  if (options_.metrics && options_.worker_slot >= 0 && options_.worker_slot < kMaxWorkerSlots) {
    long long n = counts_.downloads() + (options_.writer ? options_.writer->pending() : 0);
    options_.metrics->stats_pending[options_.worker_slot].store(n);
  }
}

// A due batch is handed over when the writer is idle; while it is busy
// (writing, or waiting to retry while the database is away) the counts
// keep adding up here, within stats_max_pending.
void Handler::HandOverCounts(bool final, time_t now) {
  if (final) {
    long long lost = options_.writer->Finish(&counts_, 5000);
    if (lost > 0) {
      options_.log("stopping with " + std::to_string(lost) +
                   " download counts unwritten (the database did not take them in 5 s)");
    }
    return;
  }
  if (counts_.entries() == 0 || !options_.writer->idle()) return;
  bool due = counts_.entries() >= options_.stats_flush_entries ||
             now - last_flush_ >= options_.stats_flush_interval;
  if (!due) return;
  // Only this thread hands over, and the writer is idle: this succeeds.
  if (options_.writer->TryHandOver(&counts_)) last_flush_ = now;
}

void Handler::Tick(bool final) {
  time_t now = clock_();
  if (options_.writer) HandOverCounts(final, now);
  long long dropped = counts_.TakeDropped();
  if (dropped > 0 && options_.metrics) options_.metrics->stats_dropped += dropped;
  // Drops come one per request while the bound is full: logged once per
  // flush interval, not once per request.
  unlogged_drops_ += dropped;
  if (unlogged_drops_ > 0 && (final || now - last_drop_log_ >= options_.stats_flush_interval)) {
    options_.log("dropped " + std::to_string(unlogged_drops_) +
                 " download counts: more than redirector.stats_max_pending waited while the "
                 "database was away (" + std::to_string(counts_.dropped_total()) + " in all)");
    unlogged_drops_ = 0;
    last_drop_log_ = now;
  }
  SetPendingGauge();
}

Response Handler::Answer(const RequestInfo& req, std::string* country) {
  if (req.method != "GET" && req.method != "HEAD")
    return ErrorResponse(405, "only GET and HEAD are allowed");
  Route route;
  Status s = RouteRequest(req.uri, req.query, req.accept, options_.output_mode, &route);
  if (!s.ok()) return ErrorResponse(400, s.message());
  Refresh();
  if (route.output == Output::kMetrics) {
    if (!options_.metrics) return ErrorResponse(404, "no metrics in this process");
    return DocumentResponse("text/plain; version=0.0.4; charset=utf-8",
                            PrometheusText(*options_.metrics));
  }
  if (route.output == Output::kMirrorStats || route.output == Output::kMirrorStatsJson)
    return MirrorStats(route.output == Output::kMirrorStatsJson);

  std::string path;
  s = ParseRequestPath(route.uri, &path);
  if (!s.ok()) return ErrorResponse(400, "bad path: " + s.message());

  // ?fromip shows the list as another client would get it; it never
  // changes where this client is redirected.
  bool listing = route.output == Output::kMirrorList || route.output == Output::kJson ||
                 route.output == Output::kMetalink;
  bool from_ip = listing && !route.from_ip.empty();
  std::string address = from_ip ? route.from_ip : req.remote_addr;
  Client client;
  IpAddress ip;
  if (IpAddress::Parse(address, &ip)) {
    client.location = geoip_->Lookup(ip);
    client.family = ip.family();
    if (listing) address = ip.ToString();  // as the pages show it
  } else if (from_ip) {
    return ErrorResponse(400, "fromip: '" + Printable(route.from_ip) + "' is not an IP address");
  }
  client.https = req.https;
  *country = client.location.country.size() == 2 && isupper(client.location.country[0]) &&
                     isupper(client.location.country[1])
                 ? client.location.country
                 : "--";
  if (route.output == Output::kRedirect) served_.path = path;

  bool database_down = false;
  const CachedFile* file = Lookup(path, &database_down);
  if (!file) {
    if (database_down && route.output == Output::kRedirect)
      return Fallback(path, client, "inventory unavailable");
    if (database_down) return ErrorResponse(503, "the inventory is unavailable; try again later");
    return ErrorResponse(404, "not in the inventory: " + path);
  }
  const FileRecord& record = file->record;
  if (route.output == Output::kRedirect) served_.path = record.path;
  switch (route.output) {
    case Output::kSha256:
      return ChecksumResponse(record.sha256.Hex(), record.path, "no SHA-256 is known for this file");
    case Output::kSha1:
    case Output::kMd5: {
      bool sha1 = route.output == Output::kSha1;
      FileDetails details;
      if (!Details(record.id, &details))
        return ErrorResponse(503, "the inventory is unavailable; try again later");
      return ChecksumResponse(sha1 ? details.sha1_hex : details.md5_hex, record.path,
                              sha1 ? "no SHA-1 is known for this file"
                                   : "no MD5 is known for this file");
    }
    case Output::kMirrorList:
      return DocumentResponse("text/html; charset=utf-8",
                              MirrorListHtml(ListData(req, record, client, address, from_ip)));
    case Output::kJson:
      return DocumentResponse("application/json",
                              MirrorListJson(ListData(req, record, client, address, from_ip)));
    case Output::kMetalink: {
      Response r = DocumentResponse(
          "application/metalink4+xml",
          MetalinkXml(ListData(req, record, client, address, from_ip), std::string("waymark/") + WAYMARK_VERSION));
      r.AddHeader("Content-Disposition",
                  "inline; filename=\"" + EncodePath(BaseName(record.path)) + ".meta4\"");
      return r;
    }
    default:
      return Redirect(req, record, client);
  }
}

}  // namespace waymark
