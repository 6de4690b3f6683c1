// `waymark geoip ADDR...`: what each configured GeoIP database says about
// an address, and the merged answer the redirector uses. No database
// connection needed.
#include <boost/program_options/value_semantic.hpp>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "admin/command.h"
#include "core/geo/country.h"
#include "core/geo/geoip.h"
#include "core/json.h"
#include "core/strings.h"
#include "core/text_table.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

std::string Coords(const GeoLocation& l) {
  if (!l.latitude) return "-";
  std::ostringstream o;
  o << std::fixed << std::setprecision(4) << *l.latitude << ", "
    << *l.longitude;
  if (l.centroid) o << " (country centroid)";
  return o.str();
}

nlohmann::json LocationJson(const GeoLocation& l) {
  nlohmann::json j;
  j["country"] = StringOrNull(l.country);
  j["continent"] = StringOrNull(l.continent);
  j["asn"] = OrNull(l.asn);
  j["latitude"] = OrNull(l.latitude);
  j["longitude"] = OrNull(l.longitude);
  j["centroid"] = l.centroid;
  return j;
}

std::vector<std::string> Row(const std::string& addr, const std::string& source,
                             const GeoLocation& l) {
  return {addr,
          source,
          l.country.empty() ? "-" : l.country,
          l.continent.empty() ? "-" : l.continent,
          l.asn ? std::to_string(*l.asn) : "-",
          Coords(l)};
}

Status RunGeoip(AdminContext* ctx) {
  std::vector<IpAddress> addrs;
  for (const auto& text : ctx->cl.positional) {
    IpAddress a;
    if (!IpAddress::Parse(text, &a))
      return Status::InvalidArgument("'" + Printable(text) +
                                     "' is not an IP address");
    addrs.push_back(a);
  }
  std::unique_ptr<GeoIp> geoip;
  Status s = GeoIp::Open(ctx->config, &geoip);
  if (!s.ok()) return s;

  if (ctx->json()) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < addrs.size(); ++i) {
      nlohmann::json j;
      j["address"] = ctx->cl.positional[i];
      j["global"] = addrs[i].IsGlobal();
      j["location"] = LocationJson(geoip->Lookup(addrs[i]));
      j["sources"] = nlohmann::json::array();
      for (const auto& [reader, loc] : geoip->LookupEach(addrs[i])) {
        nlohmann::json src = LocationJson(loc);
        src["kind"] = reader->kind();
        src["path"] = reader->path();
        src["description"] = reader->description();
        j["sources"].push_back(src);
      }
      out.push_back(j);
    }
    *ctx->out << JsonText(out);
    return Status::OK();
  }
  TextTable t({"ADDRESS", "SOURCE", "COUNTRY", "CONTINENT", "ASN", "LOCATION"});
  for (size_t i = 0; i < addrs.size(); ++i) {
    const std::string& text = ctx->cl.positional[i];
    if (!addrs[i].IsGlobal()) {
      t.AddRow({text, "(not a public address)", "-", "-", "-", "-"});
      continue;
    }
    t.AddRow(Row(text, "merged", geoip->Lookup(addrs[i])));
    for (const auto& [reader, loc] : geoip->LookupEach(addrs[i])) {
      t.AddRow(
          Row(text, std::string(reader->kind()) + " " + reader->path(), loc));
    }
  }
  t.Print(*ctx->out);
  return Status::OK();
}

void AddOptions(po::options_description* d) {
  d->add_options()("json", "print JSON for scripts");
}

}  // namespace

std::vector<Command> GeoipCommands() {
  return {
      {"geoip", "ADDR... [--json]",
       "show where each GeoIP database places an address (no database "
       "connection)",
       1, -1, AddOptions, RunGeoip},
  };
}

}  // namespace waymark
