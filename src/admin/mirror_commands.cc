// `waymark mirror ...`: add, edit, remove, list, show, enable, disable, log.
#include <boost/program_options/value_semantic.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "admin/command.h"
#include "admin/mirror_json.h"
#include "core/geo/country.h"
#include "core/geo/geoip.h"
#include "core/geo/mirror_geo.h"
#include "core/json.h"
#include "core/log.h"
#include "core/store/db.h"
#include "core/store/mirror_store.h"
#include "core/store/trace_store.h"
#include "core/strings.h"
#include "core/text_table.h"
#include "core/url.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

// ---------------------------------------------------------------------------
// Field options, shared by `add` and `edit`. An empty value clears an
// optional field in `edit` ("--https ''").

using ApplyFn = Status (*)(const std::string& what, const std::string& value,
                           Mirror* m);

struct FieldOption {
  const char* name;        // option name without "--"
  const char* value_name;  // for --help
  const char* help;
  ApplyFn apply;
};

constexpr char kHttp[] = "http";
constexpr char kHttps[] = "https";
constexpr char kRsync[] = "rsync";
constexpr char kFtp[] = "ftp";

// A base URL of the given scheme, normalised; "" removes it.
template <std::string Mirror::*Field, const char* Scheme>
Status ApplyUrl(const std::string& what, const std::string& value, Mirror* m) {
  if (value.empty()) {
    m->*Field = "";
    return Status::OK();
  }
  BaseUrl url;
  Status s = ParseBaseUrl(value, Scheme, what, &url);
  if (!s.ok()) return s;
  if (!url.password.empty())
    LogWarning(
        what +
        ": a password on the command line is visible to every local user (ps); "
        "use " +
        what + "-password-file");
  m->*Field = url.ToString();
  return Status::OK();
}

// The password for --rsync-password-file and --ftp-password-file: the
// first line of `path`, or of standard input for "-". Bounded: a password
// file is small.
Status ReadPasswordFile(const std::string& what, const std::string& path,
                        std::string* out) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file)
      return Status::InvalidArgument(what + ": cannot read '" +
                                     Printable(path) + "'");
    in = &file;
  }
  std::string line;
  char c;
  while (in->get(c) && c != '\n') {
    if (line.size() >= 1024)
      return Status::InvalidArgument(
          what + ": the password is longer than 1024 bytes");
    line += c;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty())
    return Status::InvalidArgument(what + ": no password on its first line");
  for (unsigned char b : line) {
    // What a URL's userinfo can carry as it is stored (see core/url.h).
    if (b <= 0x20 || b >= 0x7f || b == '/' || b == '?' || b == '#')
      return Status::InvalidArgument(what +
                                     ": the password has a space, control, "
                                     "non-ASCII, '/', '?' or '#' character");
  }
  *out = std::move(line);
  return Status::OK();
}

// --rsync-password-file FILE / --ftp-password-file FILE: the password of
// the mirror's URL of that scheme (given in the same command or stored),
// read from a file so it is never on a command line.
template <std::string Mirror::*Field, const char* Scheme>
Status ApplyPasswordFile(const std::string& what, const std::string& value,
                         Mirror* m) {
  std::string url_option = std::string("--") + Scheme;
  if ((m->*Field).empty())
    return Status::InvalidArgument(what + " needs the mirror's " + url_option +
                                   " URL");
  BaseUrl url;
  Status s = ParseBaseUrl(m->*Field, Scheme, url_option, &url);
  if (!s.ok()) return s;
  if (url.user.empty())
    return Status::InvalidArgument(what + ": the " + url_option +
                                   " URL names no user (" + Scheme +
                                   "://USER@HOST/...)");
  s = ReadPasswordFile(what, value, &url.password);
  if (!s.ok()) return s;
  m->*Field = url.ToString();
  return Status::OK();
}

// An optional field: "" clears it, anything else goes through Parse.
template <typename T, std::optional<T> Mirror::*Field,
          Status (*Parse)(const std::string&, const std::string&, T*)>
Status ApplyOptional(const std::string& what, const std::string& value,
                     Mirror* m) {
  if (value.empty()) {
    (m->*Field).reset();
    return Status::OK();
  }
  T parsed;
  Status s = Parse(what, value, &parsed);
  if (s.ok()) m->*Field = parsed;
  return s;
}

const std::vector<FieldOption>& FieldOptions() {
  static const std::vector<FieldOption> kFields = {
      {"http", "URL", "base URL over HTTP", ApplyUrl<&Mirror::http_url, kHttp>},
      {"https", "URL", "base URL over HTTPS",
       ApplyUrl<&Mirror::https_url, kHttps>},
      {"rsync", "URL", "rsync URL the scanner lists (may hold user:password@)",
       ApplyUrl<&Mirror::rsync_url, kRsync>},
      {"ftp", "URL", "FTP URL the scanner lists (may hold user:password@)",
       ApplyUrl<&Mirror::ftp_url, kFtp>},
      // After --rsync and --ftp: the URLs they complete are set by then.
      {"rsync-password-file", "FILE",
       "the rsync URL's password, from FILE's first line (- stdin)",
       ApplyPasswordFile<&Mirror::rsync_url, kRsync>},
      {"ftp-password-file", "FILE",
       "the FTP URL's password, from FILE's first line (- stdin)",
       ApplyPasswordFile<&Mirror::ftp_url, kFtp>},
      {"country", "CC", "ISO 3166-1 country code; also sets the continent",
       [](const std::string& w, const std::string& v, Mirror* m) {
         if (v.empty()) {
           m->country.clear();
           return Status::OK();
         }
         Status s = ParseCountry(w, v, &m->country);
         if (s.ok()) m->continent = ContinentOfCountry(m->country);
         return s;
       }},
      {"continent", "CC", "continent code: AF AN AS EU NA OC SA",
       [](const std::string& w, const std::string& v, Mirror* m) {
         if (v.empty()) {
           m->continent.clear();
           return Status::OK();
         }
         return ParseContinent(w, v, &m->continent);
       }},
      {"asn", "N", "autonomous system number of the mirror's network",
       ApplyOptional<long long, &Mirror::asn, ParseAsn>},
      {"lat", "DEG", "latitude in decimal degrees (with --lon)",
       ApplyOptional<double, &Mirror::latitude, ParseLatitude>},
      {"lon", "DEG", "longitude in decimal degrees (with --lat)",
       ApplyOptional<double, &Mirror::longitude, ParseLongitude>},
      {"weight", "N",
       "share of traffic among near-equal mirrors (1 to 1000000, default 100)",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseWeight(w, v, &m->weight);
       }},
      {"also-countries", "CC,..", "other countries served as if local",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseCountryList(w, v, &m->also_countries);
       }},
      {"exclude-countries", "CC,..", "countries this mirror never serves",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseCountryList(w, v, &m->exclude_countries);
       }},
      {"max-size", "BYTES",
       "largest file the mirror takes (K, M, G, T suffixes)",
       ApplyOptional<long long, &Mirror::max_size, ParseMaxSize>},
      {"max-lag", "DURATION",
       "the mirror's own lag limit (s, m, h, d), else redirector.max_lag",
       [](const std::string& w, const std::string& v, Mirror* m) {
         if (v.empty()) {
           m->max_lag.reset();
           return Status::OK();
         }
         long long secs = 0;
         Status s = ParseMaxLag(w, v, &secs);
         if (s.ok()) m->max_lag = secs;
         return s;
       }},
      {"sponsor", "TEXT", "who sponsors the mirror",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseText(w, v, &m->sponsor_name);
       }},
      {"sponsor-url", "URL", "the sponsor's web page",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseWebUrl(w, v, &m->sponsor_url);
       }},
      {"admin-name", "TEXT", "the mirror admin's name",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseText(w, v, &m->admin_name);
       }},
      {"admin-email", "ADDR", "the mirror admin's e-mail (never published)",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseEmail(w, v, &m->admin_email);
       }},
      {"comment", "TEXT", "free text for operators",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseText(w, v, &m->comment);
       }},
      {"scan-protocols", "LIST",
       "order in which waymark-scan tries rsync, ftp, http (default "
       "scan.protocols)",
       [](const std::string& w, const std::string& v, Mirror* m) {
         return ParseScanProtocols(w, v, &m->scan_protocols);
       }},
  };
  return kFields;
}

struct FlagOption {
  const char* name;
  const char* help;
  bool Mirror::*field;
  const char* no_help = "lift that restriction";  // for --no-NAME in edit
};

const std::vector<FlagOption>& FlagOptions() {
  static const std::vector<FlagOption> kFlags = {
      {"country-only",
       "serve only clients in its country (and --also-countries)",
       &Mirror::country_only},
      {"continent-only", "serve only clients on its continent",
       &Mirror::continent_only},
      {"asn-only", "serve only clients in its autonomous system",
       &Mirror::asn_only},
      {"allow-redirects",
       "the trace check follows the mirror's redirects (else a failure)",
       &Mirror::allow_redirects,
       "count the mirror's redirects as failed checks again"},
  };
  return kFlags;
}

void AddFieldOptions(po::options_description* d, bool editing) {
  for (const auto& f : FieldOptions()) {
    d->add_options()(f.name, po::value<std::string>()->value_name(f.value_name),
                     f.help);
  }
  for (const auto& f : FlagOptions()) {
    d->add_options()(f.name, f.help);
    if (editing)
      d->add_options()((std::string("no-") + f.name).c_str(), f.no_help);
  }
}

// Applies the field and flag options given on the command line to `m`, in
// table order. `changes` lists them for the event log (URLs redacted).
Status ApplyFieldOptions(const CommandLine& cl, bool editing, Mirror* m,
                         std::vector<std::string>* changes) {
  for (const auto& f : FieldOptions()) {
    if (!cl.Has(f.name)) continue;
    std::string what = std::string("--") + f.name;
    std::string value = cl.Get(f.name);
    Status s = f.apply(what, value, m);
    if (!s.ok()) return s;
    changes->push_back(what + "=" + RedactUrl(value));
  }
  for (const auto& f : FlagOptions()) {
    std::string no = std::string("no-") + f.name;
    bool on = cl.Has(f.name), off = editing && cl.Has(no);
    if (on && off)
      return Status::InvalidArgument(std::string("--") + f.name + " and --" +
                                     no + " contradict each other");
    if (on) m->*f.field = true;
    if (off) m->*f.field = false;
    if (on || off) changes->push_back("--" + (on ? std::string(f.name) : no));
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Output

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string FormatCoord(double d) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(4) << d;
  return o.str();
}

std::string Restrictions(const Mirror& m) {
  std::vector<std::string> r;
  if (m.asn_only) r.push_back("only its AS");
  if (m.country_only) r.push_back("only its country");
  if (m.continent_only) r.push_back("only its continent");
  if (!m.also_countries.empty())
    r.push_back("also serves " + Join(m.also_countries, ","));
  if (!m.exclude_countries.empty())
    r.push_back("excludes " + Join(m.exclude_countries, ","));
  if (m.max_size)
    r.push_back("files up to " + std::to_string(*m.max_size) + " bytes");
  return r.empty() ? "none" : Join(r, "; ");
}

void PrintShow(const Mirror& m, std::ostream& out) {
  std::string country = m.country;
  if (!country.empty()) country += " (" + CountryName(m.country) + ")";
  std::string admin = m.admin_name;
  if (!m.admin_email.empty())
    admin += admin.empty() ? m.admin_email : " <" + m.admin_email + ">";
  std::string sponsor = m.sponsor_name;
  if (!m.sponsor_url.empty())
    sponsor += sponsor.empty() ? m.sponsor_url : " " + m.sponsor_url;
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"name", m.name},
      {"state", m.state + " since " + m.state_since + " UTC"},
      {"http", OrDash(m.http_url)},
      {"https", OrDash(m.https_url)},
      {"rsync", OrDash(RedactUrl(m.rsync_url))},
      {"ftp", OrDash(RedactUrl(m.ftp_url))},
      {"country", OrDash(country)},
      {"continent", OrDash(m.continent)},
      {"asn", m.asn ? std::to_string(*m.asn) : "-"},
      {"location",
       m.latitude ? FormatCoord(*m.latitude) + ", " + FormatCoord(*m.longitude)
                  : "-"},
      {"weight", std::to_string(m.weight)},
      {"restrictions", Restrictions(m)},
      {"max lag", m.max_lag ? std::to_string(*m.max_lag) + " s"
                            : "- (redirector.max_lag)"},
      {"redirects", m.allow_redirects ? "allowed" : "not allowed"},
      {"sponsor", OrDash(sponsor)},
      {"admin", OrDash(admin)},
      {"comment", OrDash(m.comment)},
      {"scan", m.scan_protocols.empty() ? "default order (scan.protocols)"
                                        : m.scan_protocols},
      {"created", m.created_at + " UTC"},
      {"updated", m.updated_at + " UTC"},
  };
  for (const auto& [k, v] : rows) {
    out << k << ":" << std::string(14 - k.size(), ' ') << Printable(v) << "\n";
  }
}

// What waymark-trace recorded (see waymark-trace(8)).
void PrintChecks(const FreshnessView& f, const std::vector<HealthView>& health,
                 long long limit, std::ostream& out) {
  std::string fresh = "- (not checked yet)";
  if (f.lag) {
    fresh = std::string(IsStale(f.lag, limit) ? "stale" : "fresh") + ", " +
            std::to_string(*f.lag) + " s behind the origin (limit " +
            std::to_string(limit) + " s), trace of " + f.trace_time + " UTC";
  }
  if (!f.checked_at.empty()) fresh += ", checked " + f.checked_at + " UTC";
  // The admin sees the whole story, with what the mirror sent; the public
  // pages only the reason's phrase.
  if (!f.error.empty())
    fresh += "; last check: " + (f.detail.empty() ? f.error : f.detail);
  out << "freshness:     " << Printable(fresh) << "\n";
  if (health.empty()) out << "health:        - (not checked yet)\n";
  for (size_t i = 0; i < health.size(); ++i) {
    const HealthView& h = health[i];
    std::string line = CheckLabel(h.scheme, h.family) + ": ";
    if (!h.offered) {
      line +=
          "not offered (" + h.reason + "), checked " + h.checked_at + " UTC";
      out << (i == 0 ? "health:        " : "               ") << Printable(line)
          << "\n";
      continue;
    }
    line += (h.up ? "up" : "down") + std::string(" since ") + h.since + " UTC";
    if (h.latency_ms && h.up)
      line += ", " + std::to_string(*h.latency_ms) + " ms";
    std::string why = h.detail.empty() ? h.reason : h.detail;
    if (!why.empty()) line += (h.up ? ", failing: " : ": ") + why;
    out << (i == 0 ? "health:        " : "               ") << Printable(line)
        << "\n";
  }
}

void AddChecksJson(const FreshnessView& f,
                   const std::vector<HealthView>& health, long long limit,
                   nlohmann::json* j) {
  (*j)["freshness"] = {{"lag", OrNull(f.lag)},
                       {"limit", limit},
                       {"stale", IsStale(f.lag, limit)},
                       {"trace_time", StringOrNull(f.trace_time)},
                       {"checked_at", StringOrNull(f.checked_at)},
                       {"error", StringOrNull(f.error)},
                       {"detail", StringOrNull(f.detail)}};
  (*j)["health"] = nlohmann::json::array();
  for (const auto& h : health) {
    (*j)["health"].push_back({{"scheme", h.scheme},
                              {"family", h.family},
                              {"up", h.up},
                              {"offered", h.offered},
                              {"since", h.since},
                              {"reason", StringOrNull(h.reason)},
                              {"detail", StringOrNull(h.detail)},
                              {"latency_ms", OrNull(h.latency_ms)},
                              {"checked_at", StringOrNull(h.checked_at)}});
  }
}

// ---------------------------------------------------------------------------
// Handlers

// Fills the location fields the operator did not give from GeoIP, via the
// addresses of the mirror's web host. Problems are warnings: a mirror can be
// added without a location and edited later.
void FillFromGeoIp(const AdminContext& ctx, Mirror* m,
                   std::vector<std::string>* notes) {
  const CommandLine& cl = ctx.cl;
  bool want_place = !cl.Has("country") && !cl.Has("continent");
  bool want_asn = !cl.Has("asn");
  bool want_coords = !cl.Has("lat") && !cl.Has("lon");
  if (!want_place && !want_asn && !want_coords) return;
  auto warn = [](const std::string& w) { LogWarning(w); };
  BaseUrl url;
  const std::string& base = PreferredUrl(*m);
  if (!ParseBaseUrl(base, base.rfind("https", 0) == 0 ? "https" : "http", "",
                    &url)
           .ok())
    return;
  std::unique_ptr<GeoIp> geoip;
  Status s = GeoIp::Open(ctx.config, &geoip);
  if (!s.ok())
    return warn(s.message() + "; the mirror's location stays unknown");
  std::vector<IpAddress> addrs;
  s = ResolveHost(url.host, &addrs);
  if (!s.ok())
    return warn(s.message() + "; the mirror's location stays unknown");
  MirrorPlace place = LocateAddresses(*geoip, url.host, addrs);
  for (const auto& w : place.warnings) warn(w);
  const GeoLocation& l = place.location;
  if (want_place && !l.country.empty()) {
    m->country = l.country;
    m->continent =
        l.continent.empty() ? ContinentOfCountry(l.country) : l.continent;
    notes->push_back(m->country + "/" + m->continent);
  }
  if (want_asn && l.asn) {
    m->asn = l.asn;
    notes->push_back("AS" + std::to_string(*l.asn));
  }
  // A country's centroid is not the mirror's place; leave it unknown.
  if (want_coords && l.latitude && !l.centroid) {
    m->latitude = l.latitude;
    m->longitude = l.longitude;
    notes->push_back(FormatCoord(*l.latitude) + ", " +
                     FormatCoord(*l.longitude));
  }
}

Status RunAdd(AdminContext* ctx) {
  Mirror m;
  m.name = ctx->arg(0);
  Status s = ValidateMirrorName(m.name);
  if (!s.ok()) return s;
  std::vector<std::string> changes;
  s = ApplyFieldOptions(ctx->cl, false, &m, &changes);
  if (!s.ok()) return s;
  s = ValidateMirror(m);
  if (!s.ok()) return s;
  std::vector<std::string> located;
  if (!ctx->cl.Has("no-geoip")) FillFromGeoIp(*ctx, &m, &located);
  std::unique_ptr<Database> db;
  s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  Mirror added;
  s = MirrorStore(db.get()).Add(m, CurrentActor(), &added);
  if (!s.ok()) return s;
  if (ctx->json()) {
    *ctx->out << JsonText(MirrorJson(added, UrlReader::kOperator));
  } else {
    if (!located.empty())
      *ctx->out << "located '" << added.name
                << "' by GeoIP: " << Join(located, ", ") << "\n";
    *ctx->out << "added mirror '" << added.name
              << "' (disabled; enable it with 'waymark mirror enable "
              << added.name << "' once it is scanned)\n";
  }
  return Status::OK();
}

Status RunEdit(AdminContext* ctx) {
  const std::string& name = ctx->arg(0);
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  MirrorStore store(db.get());
  Mirror m;
  s = store.Get(name, &m);
  if (!s.ok()) return s;
  std::vector<std::string> changes;
  if (ctx->cl.Has("name")) {
    std::string new_name = ctx->cl.Get("name");
    s = ValidateMirrorName(new_name);
    if (!s.ok()) return s;
    changes.push_back("--name=" + new_name);
    m.name = new_name;
  }
  s = ApplyFieldOptions(ctx->cl, true, &m, &changes);
  if (!s.ok()) return s;
  if (changes.empty())
    return Status::InvalidArgument(
        "mirror edit: nothing to change; give at least one --FIELD VALUE");
  s = ValidateMirror(m);
  if (!s.ok()) return s;
  s = store.Update(name, m, CurrentActor(), "set " + Join(changes, " "));
  if (!s.ok()) return s;
  *ctx->out << "updated mirror '" << m.name
            << "': " << Printable(Join(changes, " ")) << "\n";
  return Status::OK();
}

Status RunRemove(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  s = MirrorStore(db.get()).Remove(ctx->arg(0));
  if (!s.ok()) return s;
  *ctx->out << "removed mirror '" << ctx->arg(0) << "'\n";
  return Status::OK();
}

Status RunList(AdminContext* ctx) {
  std::vector<Mirror> mirrors;
  Status s = LoadMirrors(*ctx, &mirrors);
  if (!s.ok()) return s;
  if (ctx->json()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& m : mirrors)
      j.push_back(MirrorJson(m, UrlReader::kOperator));
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  if (mirrors.empty()) {
    *ctx->out
        << "no mirrors; add one with 'waymark mirror add NAME --https URL'\n";
    return Status::OK();
  }
  TextTable t({"NAME", "STATE", "SINCE", "COUNTRY", "ASN", "WEIGHT", "URL"});
  for (const auto& m : mirrors) {
    std::string where = m.country.empty() ? "-" : m.country;
    if (!m.continent.empty()) where += "/" + m.continent;
    t.AddRow({m.name, m.state, m.state_since, where,
              m.asn ? std::to_string(*m.asn) : "-", std::to_string(m.weight),
              PreferredUrl(m)});
  }
  t.Print(*ctx->out);
  return Status::OK();
}

Status RunShow(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  Mirror m;
  s = MirrorStore(db.get()).Get(ctx->arg(0), &m);
  if (!s.ok()) return s;
  FreshnessView freshness;
  std::vector<HealthView> health;
  s = LoadCheckView(db.get(), m.id, &freshness, &health);
  if (!s.ok()) return s;
  long long limit = m.max_lag.value_or(
      ctx->config.GetDurationSeconds(keys::kRedirectorMaxLag));
  if (ctx->json()) {
    nlohmann::json j = MirrorJson(m, UrlReader::kOperator);
    AddChecksJson(freshness, health, limit, &j);
    *ctx->out << JsonText(j);
  } else {
    PrintShow(m, *ctx->out);
    PrintChecks(freshness, health, limit, *ctx->out);
  }
  return Status::OK();
}

Status SetEnabled(AdminContext* ctx, bool enabled) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  std::string reason;
  if (ctx->cl.Has("reason")) {
    s = ParseText("--reason", ctx->cl.Get("reason"), &reason);
    if (!s.ok()) return s;
  }
  bool changed = false;
  const std::string& name = ctx->arg(0);
  s = MirrorStore(db.get()).SetEnabled(name, enabled, CurrentActor(), reason,
                                       &changed);
  if (!s.ok()) return s;
  const char* word = enabled ? "enabled" : "disabled";
  if (changed) {
    *ctx->out << word << " mirror '" << name << "'\n";
  } else {
    *ctx->out << "mirror '" << name << "' was already " << word << "\n";
  }
  return Status::OK();
}

Status RunEnable(AdminContext* ctx) { return SetEnabled(ctx, true); }
Status RunDisable(AdminContext* ctx) { return SetEnabled(ctx, false); }

Status RunLog(AdminContext* ctx) {
  long long limit = 50;
  if (ctx->cl.Has("limit") && (!ParseInt64(ctx->cl.Get("limit"), &limit) ||
                               limit < 1 || limit > 100000)) {
    return Status::InvalidArgument("--limit: '" +
                                   Printable(ctx->cl.Get("limit")) +
                                   "' is not a number from 1 to 100000");
  }
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  std::vector<MirrorEvent> events;
  s = MirrorStore(db.get()).Events(ctx->arg(0), static_cast<int>(limit),
                                   &events);
  if (!s.ok()) return s;
  if (ctx->json()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : events)
      j.push_back({{"at", e.at},
                   {"kind", e.kind},
                   {"message", e.message},
                   {"actor", e.actor}});
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  TextTable t({"TIME (UTC)", "EVENT", "BY", "DETAILS"});
  for (const auto& e : events)
    t.AddRow({e.at, e.kind, OrDash(e.actor), e.message});
  t.Print(*ctx->out);
  return Status::OK();
}

void AddOptionsAdd(po::options_description* d) {
  AddFieldOptions(d, false);
  d->add_options()("no-geoip", "do not fill the location from GeoIP");
  d->add_options()("json", "print the new mirror as JSON");
}
void AddOptionsEdit(po::options_description* d) {
  d->add_options()("name", po::value<std::string>()->value_name("NEW"),
                   "rename the mirror");
  AddFieldOptions(d, true);
}
void AddOptionsJson(po::options_description* d) {
  d->add_options()("json", "print JSON for scripts");
}
void AddOptionsReason(po::options_description* d) {
  d->add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                   "why, for the mirror's log");
}
void AddOptionsLog(po::options_description* d) {
  d->add_options()("limit", po::value<std::string>()->value_name("N"),
                   "show the newest N events [50]")("json",
                                                    "print JSON for scripts");
}

}  // namespace

std::vector<Command> MirrorCommands() {
  return {
      {"mirror add", "NAME (--http URL | --https URL) [OPTIONS]",
       "register a mirror (it starts disabled)", 1, 1, AddOptionsAdd, RunAdd},
      {"mirror edit", "NAME --FIELD VALUE...", "change a mirror's fields", 1, 1,
       AddOptionsEdit, RunEdit},
      {"mirror remove", "NAME", "delete a mirror with its listings and log", 1,
       1, nullptr, RunRemove},
      {"mirror list", "[--json]", "list the mirrors with their state", 0, 0,
       AddOptionsJson, RunList},
      {"mirror show", "NAME [--json]", "show every field of a mirror", 1, 1,
       AddOptionsJson, RunShow},
      {"mirror enable", "NAME [--reason TEXT]",
       "let the redirector use a mirror", 1, 1, AddOptionsReason, RunEnable},
      {"mirror disable", "NAME [--reason TEXT]",
       "stop sending clients to a mirror", 1, 1, AddOptionsReason, RunDisable},
      {"mirror log", "NAME [--limit N] [--json]", "show a mirror's event log",
       1, 1, AddOptionsLog, RunLog},
  };
}

}  // namespace waymark
