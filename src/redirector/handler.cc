#include "redirector/handler.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/clock.h"
#include "core/model/request_path.h"
#include "core/strings.h"
#include "core/url.h"
#include "redirector/pages/mirror_stats.h"
#include "version.h"  // build/gen, from the Makefile's VERSION

namespace waymark {

namespace {

InventoryCacheOptions CacheOptions(const HandlerOptions& o,
                                   std::function<time_t()> clock) {
  InventoryCacheOptions c;
  c.refresh_seconds = o.refresh_seconds;
  c.index = o.index;
  c.metrics = o.metrics;
  c.clock = std::move(clock);
  c.published = o.inventory_published;
  c.log = o.log;
  c.max_age = o.max_inventory_age;
  c.fallback_serves = !o.fallbacks.empty() || !o.local_location.empty();
  c.node_log = o.node_log;
  return c;
}

DownloadCounterOptions CounterOptions(const HandlerOptions& o) {
  DownloadCounterOptions c;
  c.same_download_window = o.same_download_window;
  c.flush_interval = o.stats_flush_interval;
  c.flush_entries = o.stats_flush_entries;
  c.max_pending_bytes = o.stats_max_pending_bytes;
  c.recent = o.recent;
  c.metrics = o.metrics;
  c.worker_slot = o.worker_slot;
  c.writer = o.writer;
  c.log = o.log;
  return c;
}

// True when `path` (relative, already checked by ParseRequestPath) names a
// regular file below `root` once every symbolic link is resolved: what
// NotInIndex may send nginx to while the index is behind.
bool ResolvesBelow(const std::string& root, const std::string& path) {
  if (root.empty()) return false;
  char real_root[PATH_MAX], real_path[PATH_MAX];
  if (!realpath(root.c_str(), real_root) ||
      !realpath((root + "/" + path).c_str(), real_path))
    return false;
  std::string base =
      std::string(real_root) == "/" ? "/" : std::string(real_root) + "/";
  struct stat st;
  return StartsWith(real_path, base) && stat(real_path, &st) == 0 &&
         S_ISREG(st.st_mode);
}

}  // namespace

Handler::Handler(HandlerOptions options, const GeoIp* geoip,
                 InventorySource* source, std::function<double()> uniform01,
                 std::function<time_t()> clock)
    : options_(std::move(options)),
      geoip_(geoip),
      uniform01_(std::move(uniform01)),
      clock_(std::move(clock)),
      cache_(CacheOptions(options_, clock_), source),
      counter_(CounterOptions(options_), clock_()) {}

Response Handler::ServeLocally(const std::string& path,
                               const std::string& why) {
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

Response Handler::Fallback(const std::string& path, const Client& client,
                           const std::string& why) {
  if (options_.metrics) options_.metrics->fallbacks++;
  const waymark::Fallback* f =
      ChooseFallback(options_.fallbacks, client.location);
  if (!f && !options_.local_location.empty()) return ServeLocally(path, why);
  if (!f)
    return ErrorResponse(503,
                         "no mirror can serve this file now (" + why + ")");
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

namespace {

// Sets *url to "http://host/", for links back to the origin. Host names
// only: a hostile Host header cannot shape the Link header or the pages.
void OriginUrl(const RequestInfo& req, std::string* url) {
  bool host_ok = !req.host.empty() && req.host.size() <= 255 &&
                 std::all_of(req.host.begin(), req.host.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                          c == ':' || c == '[' || c == ']';
                 });
  url->assign(req.https ? "https://" : "http://");
  url->append(host_ok ? req.host : "localhost").append("/");
}

}  // namespace

Response Handler::Redirect(const RequestInfo& req, const FileRecord& file,
                           const Client& client) {
  if (file.size < options_.min_size && !options_.local_location.empty())
    return ServeLocally(file.path, "small file");
  facts_.size = file.size;
  snap_->bitmaps->Holders(file.id, &facts_.holders);
  // The 302 shows the choice and max_link_headers more, and no reasons.
  SelectionNeeds needs;
  needs.reasons = false;
  needs.ranked =
      1 + static_cast<size_t>(std::max(options_.max_link_headers, 0));
  Selection sel = Select(snap_->mirrors, snap_->rows, facts_, client, *policy_,
                         uniform01_, needs);
  if (sel.ranked.empty())
    return Fallback(file.path, client, "no candidate mirror");
  served_.mirror_id = sel.ranked.front().status->mirror.id;
  served_.tier = TierName(sel.ranked.front().tier);
  OriginUrl(req, &origin_url_);
  return RedirectResponse(sel, file, origin_url_, options_.max_link_headers);
}

MirrorListData Handler::ListData(const RequestInfo& req, const FileRecord& file,
                                 const Client& client,
                                 const std::string& address, bool from_ip,
                                 time_t now) {
  MirrorListData d;
  d.file.path = file.path;
  d.file.size = file.size;
  d.file.sha256_hex = file.sha256.Hex();
  FileDetails details;
  d.file.details_known = cache_.Details(file.id, &details);
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
  snap_->bitmaps->Holders(file.id, &facts.holders);
  d.selection =
      Select(snap_->mirrors, snap_->rows, facts, client, *policy_, uniform01_);
  if (d.selection.ranked.empty()) {
    if (const waymark::Fallback* f =
            ChooseFallback(options_.fallbacks, client.location))
      d.fallback_url = f->url + EncodePath(file.path);
  }
  OriginUrl(req, &d.origin_url);
  d.generated_at = FormatUtc(now, UtcFormat::kDateTime);
  d.data = Age(now);
  return d;
}

DataAge Handler::Age(time_t now) const {
  DataAge age;
  if (snap_->loaded)
    age.as_of = FormatUtc(snap_->loaded_at, UtcFormat::kDateTime);
  age.suspect = cache_.Suspect(now);
  age.node = options_.node;
  age.view = snap_->loaded ? ViewKind(*snap_) : "";
  age.age_seconds = cache_.Age(now);
  age.stale = cache_.Stale(now);
  age.max_age = options_.max_inventory_age;
  return age;
}

const SelectionPolicy& Handler::PolicyAt(time_t now) {
  // Which clocks: a mirror's check time is the trace checker's
  // (mirrors.trace_checked_at, as replicated), compared with `now`, this
  // node's clock, not with the time of the data the node has (the
  // standby's last replayed commit). On a standby whose replay is paused,
  // or cut off from its primary, no new check arrives: against now, the
  // checks it has grow old and stop being trusted; against the replayed
  // data's own time they would look as fresh as when replay stopped,
  // forever. A node whose view is current trusts every check however old
  // (how often checks run is cron's business, every 5 min by default, and
  // redirector.max_lag judges the mirrors' copies): the rule applies only
  // once the node's own view is past the limit, which is when it cannot
  // see newer checks.
  if (!cache_.Stale(now) ||
      (options_.fallbacks.empty() && options_.local_location.empty()))
    return options_.policy;
  stale_policy_ = options_.policy;
  stale_policy_.checks_trusted_from = now - options_.max_inventory_age;
  return stale_policy_;
}

Response Handler::MirrorStats(bool json, time_t now) {
  std::shared_ptr<const TimedReport> report = cache_.Report(now);
  bool suspect = cache_.Suspect(now);
  const long long age = static_cast<long long>(cache_.Age(now));
  StatsPage& page = stats_pages_[json ? 1 : 0];
  if (!page.made || page.serial != snap_->serial || page.report != report ||
      page.suspect != suspect || page.age != age) {
    MirrorStatsData d;
    d.mirrors = &snap_->mirrors;
    d.data = Age(now);
    if (report) {
      d.report = &report->report;
      d.report_as_of = FormatUtc(report->at, UtcFormat::kDateTime);
    }
    d.generated_at = FormatUtc(now, UtcFormat::kDateTime);
    page.body = json ? MirrorStatsJson(d) : MirrorStatsHtml(d);
    page.made = true;
    page.serial = snap_->serial;
    page.report = std::move(report);
    page.suspect = suspect;
    page.age = age;
  }
  return DocumentResponse(
      json ? "application/json" : "text/html; charset=utf-8", page.body);
}

Response Handler::NotInIndex(Output output, const std::string& path,
                             const Client& client, FileLookup lookup) {
  // Neither the inventory nor the index knows the path: no download
  // (served_.path stays empty), however it is answered.
  if (lookup == FileLookup::kNotFound)
    return ErrorResponse(404, "not in the inventory: " + path);
  bool away = lookup == FileLookup::kUnknown;
  // It may be a file added since the index was built. nginx is sent only
  // to a regular file that stays in the repository once links are
  // resolved, and only when the index is known to be behind (or there is
  // none): what a complete index lacks stays unserved through an outage.
  // A fallback server decides for itself, but only for what may be new.
  bool on_disk =
      cache_.IndexBehind() && ResolvesBelow(options_.repository_root, path);
  if (output == Output::kRedirect &&
      (on_disk ||
       (away && ChooseFallback(options_.fallbacks, client.location))))
    return Fallback(path, client,
                    away ? "inventory unavailable" : "not indexed yet");
  if (away)
    return ErrorResponse(503, "the inventory is unavailable; try again later");
  if (on_disk)
    return ErrorResponse(503, "this file is being indexed; try again later");
  return ErrorResponse(404, "not in the inventory: " + path);
}

Response Handler::Handle(const RequestInfo& req) {
  served_ = Served{};
  time_t now = clock_();
  std::string country;
  Response r = Answer(req, now, &country);
  if (options_.metrics) options_.metrics->CountRequest(r.status, served_.tier);
  // Only a GET redirected or served for a file the inventory or the index
  // knows (Answer() then sets served_.path) is a download.
  if (req.method == "GET" && served_.mirror_id >= 0 && !served_.path.empty()) {
    // The path is not needed after this: moved, not copied.
    counter_.Count(req.remote_addr, !req.range.empty(), std::move(served_.path),
                   served_.mirror_id, country, now);
  }
  return r;
}

Response Handler::Answer(const RequestInfo& req, time_t now,
                         std::string* country) {
  if (req.method != "GET" && req.method != "HEAD")
    return ErrorResponse(405, "only GET and HEAD are allowed");
  Route route;
  Status s = RouteRequest(req.uri, req.query, req.accept, options_.output_mode,
                          &route);
  if (!s.ok()) return ErrorResponse(400, s.message());
  snap_ = &cache_.Current();
  policy_ = &PolicyAt(now);
  if (route.output == Output::kMetrics) {
    if (!options_.metrics)
      return ErrorResponse(404, "no metrics in this process");
    // The node's lines come from this worker's snapshot; the workers
    // refresh on the same beat, so they agree within a round.
    return DocumentResponse(
        "text/plain; version=0.0.4; charset=utf-8",
        PrometheusText(*options_.metrics) +
            NodeMetricsText(options_.node, cache_.Age(now), cache_.Stale(now)));
  }
  if (route.output == Output::kMirrorStats ||
      route.output == Output::kMirrorStatsJson)
    return MirrorStats(route.output == Output::kMirrorStatsJson, now);

  std::string path;
  s = ParseRequestPath(route.uri, &path);
  if (!s.ok()) return ErrorResponse(400, "bad path: " + s.message());

  // ?fromip shows the list as another client would get it; it never
  // changes where this client is redirected.
  bool listing = route.output == Output::kMirrorList ||
                 route.output == Output::kJson ||
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
    return ErrorResponse(
        400, "fromip: '" + Printable(route.from_ip) + "' is not an IP address");
  }
  client.https = req.https;
  *country = client.location.country.size() == 2 &&
                     isupper(client.location.country[0]) &&
                     isupper(client.location.country[1])
                 ? client.location.country
                 : "--";
  FileLookup lookup = cache_.Lookup(path, now, &file_);
  if (lookup != FileLookup::kFound)
    return NotInIndex(route.output, path, client, lookup);
  const FileRecord& record = file_;
  if (route.output == Output::kRedirect) served_.path = record.path;
  switch (route.output) {
    case Output::kSha256:
      return ChecksumResponse(record.sha256.Hex(), record.path,
                              "no SHA-256 is known for this file");
    case Output::kSha1:
    case Output::kMd5: {
      bool sha1 = route.output == Output::kSha1;
      FileDetails details;
      if (!cache_.Details(record.id, &details))
        return ErrorResponse(503,
                             cache_.Suspect(now)
                                 ? "the inventory is unavailable; try again "
                                   "later"
                                 : "this hash is being looked up; try again "
                                   "shortly");
      return ChecksumResponse(sha1 ? details.sha1_hex : details.md5_hex,
                              record.path,
                              sha1 ? "no SHA-1 is known for this file"
                                   : "no MD5 is known for this file");
    }
    case Output::kMirrorList:
      return DocumentResponse(
          "text/html; charset=utf-8",
          MirrorListHtml(ListData(req, record, client, address, from_ip, now)));
    case Output::kJson:
      return DocumentResponse(
          "application/json",
          MirrorListJson(ListData(req, record, client, address, from_ip, now)));
    case Output::kMetalink: {
      Response r = DocumentResponse(
          "application/metalink4+xml",
          MetalinkXml(ListData(req, record, client, address, from_ip, now),
                      std::string("waymark/") + WAYMARK_VERSION));
      r.AddHeader(
          "Content-Disposition",
          ContentDisposition("inline", BaseName(record.path) + ".meta4"));
      return r;
    }
    default:
      return Redirect(req, record, client);
  }
}

}  // namespace waymark
