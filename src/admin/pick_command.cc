// `waymark pick PATH --ip ADDR [--https]`: the redirector's choice for one
// client, explained: every candidate with its tier, distance and weight, and
// why each other mirror was left out. Runs the same Select() as the
// redirector, on the same inventory.
#include <boost/program_options/value_semantic.hpp>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "admin/command.h"
#include "core/geo/geoip.h"
#include "core/json.h"
#include "core/model/fallback.h"
#include "core/model/request_path.h"
#include "core/model/selection.h"
#include "core/store/inventory.h"
#include "core/strings.h"
#include "core/text_table.h"
#include "core/url.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

std::string Km(const std::optional<double>& d) {
  if (!d) return "-";
  std::ostringstream o;
  o << std::fixed << std::setprecision(0) << *d << " km";
  return o.str();
}

std::string Where(const GeoLocation& l) {
  if (!l.known()) return "unknown location";
  std::string s = l.country.empty() ? "-" : l.country;
  if (!l.continent.empty()) s += "/" + l.continent;
  if (l.asn) s += " AS" + std::to_string(*l.asn);
  return s;
}

Status RunPick(AdminContext* ctx) {
  std::string path;
  Status s = ParseRequestPath(ctx->arg(0), &path);
  if (!s.ok())
    return Status::InvalidArgument("'" + Printable(ctx->arg(0)) +
                                   "': " + s.message());
  if (!ctx->cl.Has("ip"))
    return Status::InvalidArgument("pick: --ip ADDR is required");
  IpAddress ip;
  std::string ip_text = ctx->cl.Get("ip");
  if (!IpAddress::Parse(ip_text, &ip))
    return Status::InvalidArgument("--ip: '" + Printable(ip_text) +
                                   "' is not an IP address");
  std::unique_ptr<GeoIp> geoip;
  s = GeoIp::Open(ctx->config, &geoip);
  if (!s.ok()) return s;
  std::unique_ptr<Database> db;
  s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  FileRecord file;
  FileFacts facts;
  s = LoadFileFacts(db.get(), path, &file, &facts);
  if (!s.ok()) return s;
  std::vector<MirrorStatus> mirrors;
  s = LoadMirrorStatuses(db.get(), &mirrors);
  if (!s.ok()) return s;

  Client client;
  client.location = geoip->Lookup(ip);
  client.family = ip.family();
  client.https = ctx->cl.Has("https");
  SelectionPolicy policy;
  policy.max_lag = ctx->config.GetDurationSeconds(keys::kRedirectorMaxLag);
  policy.https_fallback_to_http =
      ctx->config.GetBool(keys::kRedirectorHttpsFallbackToHttp);
  policy.http_to_https = ctx->config.GetBool(keys::kRedirectorHttpToHttps);
  std::vector<Fallback> fallbacks;
  s = ParseFallbacks(ctx->config.GetList(keys::kRedirectorFallback),
                     &fallbacks);
  if (!s.ok()) return s;
  const Fallback* fallback = ChooseFallback(fallbacks, client.location);
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> u(0, 1);
  Selection sel =
      Select(mirrors, facts, client, policy, [&] { return u(rng); });
  const std::string encoded = EncodePath(file.path);

  if (ctx->json()) {
    nlohmann::json j;
    j["path"] = file.path;
    j["size"] = file.size;
    j["client"] = {{"address", ip.ToString()},
                   {"family", ip.family()},
                   {"https", client.https},
                   {"country", client.location.country},
                   {"continent", client.location.continent},
                   {"asn", OrNull(client.location.asn)}};
    j["near_equal"] = sel.near_equal;
    j["fallback"] = sel.ranked.empty() && fallback
                        ? nlohmann::json(fallback->url + encoded)
                        : nlohmann::json(nullptr);
    j["ranked"] = nlohmann::json::array();
    for (const auto& c : sel.ranked) {
      j["ranked"].push_back({{"mirror", c.status->mirror.name},
                             {"tier", TierName(c.tier)},
                             {"distance_km", OrNull(c.distance_km)},
                             {"weight", c.status->mirror.weight},
                             {"http_fallback", c.http_fallback},
                             {"https_upgrade", c.https_upgrade},
                             {"url", std::string(c.url) + encoded}});
    }
    j["excluded"] = nlohmann::json::array();
    for (const auto& e : sel.excluded)
      j["excluded"].push_back(
          {{"mirror", e.status->mirror.name}, {"reason", e.reason}});
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  std::ostream& out = *ctx->out;
  out << "file:    " << Printable(file.path) << ", " << file.size << " bytes, "
      << file.mtime << " UTC\n";
  out << "client:  " << ip.ToString() << ", " << Where(client.location)
      << " (IPv" << ip.family() << ", " << (client.https ? "HTTPS" : "HTTP")
      << ")\n\n";
  if (sel.ranked.empty()) {
    out << "No mirror can serve this file to this client: the redirector sends "
           "it to ";
    if (fallback) {
      out << "the fallback " << fallback->url + encoded << "\n";
    } else {
      out << "the origin, if an internal location is configured, else answers "
             "503.\n";
    }
  } else {
    TextTable t({"RANK", "MIRROR", "TIER", "DISTANCE", "WEIGHT", "URL"});
    for (size_t i = 0; i < sel.ranked.size(); ++i) {
      const Candidate& c = sel.ranked[i];
      t.AddRow({std::to_string(i + 1), c.status->mirror.name,
                std::string(TierName(c.tier)) + (c.http_fallback   ? " (http)"
                                                 : c.https_upgrade ? " (https)"
                                                                   : ""),
                Km(c.distance_km), std::to_string(c.status->mirror.weight),
                std::string(c.url) + encoded});
    }
    t.Print(out);
    if (sel.near_equal > 1) {
      out << "The first " << sel.near_equal
          << " are near-equal: each request draws among them by weight.\n";
    }
  }
  if (!sel.excluded.empty()) {
    out << "\n";
    TextTable t({"EXCLUDED", "REASON"});
    for (const auto& e : sel.excluded)
      t.AddRow({e.status->mirror.name, e.reason});
    t.Print(out);
  }
  return Status::OK();
}

void AddOptions(po::options_description* d) {
  d->add_options()("ip", po::value<std::string>()->value_name("ADDR"),
                   "the client's address")(
      "https", "the client asks over HTTPS")("json", "print JSON for scripts");
}

}  // namespace

std::vector<Command> PickCommands() {
  return {
      {"pick", "PATH --ip ADDR [--https] [--json]",
       "explain which mirrors the redirector would choose for a client, and "
       "why",
       1, 1, AddOptions, RunPick},
  };
}

}  // namespace waymark
