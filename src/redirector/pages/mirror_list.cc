#include "redirector/pages/mirror_list.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/markup.h"
#include "core/strings.h"
#include "core/url.h"
#include "redirector/pages/page.h"
#include "redirector/pages/world_map.h"

namespace waymark {

namespace {

using nlohmann::json;

std::string Km(const std::optional<double>& d) {
  if (!d) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f km", *d);
  return buf;
}

// "2026-11-01 10:00:00" -> "2026-11-01T10:00:00Z"
std::string Rfc3339(const std::string& utc) {
  if (utc.size() < 19) return "";
  std::string s = utc.substr(0, 19);
  s[10] = 'T';
  return s + "Z";
}

std::string Where(const GeoLocation& l) {
  if (!l.known()) return "unknown location";
  std::string s = l.country.empty() ? "unknown country" : l.country;
  if (!l.continent.empty()) s += ", " + l.continent;
  if (l.asn) s += ", AS" + std::to_string(*l.asn);
  return s;
}

}  // namespace

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string MirrorListJson(const MirrorListData& d) {
  const std::string encoded = EncodePath(d.file.path);
  json j;
  json file = {{"path", d.file.path},
               {"size", d.file.size},
               {"sha256", StringOrNull(d.file.sha256_hex)},
               {"details_known", d.file.details_known},
               {"mtime", StringOrNull(Rfc3339(d.file.mtime))},
               {"sha1", StringOrNull(d.file.sha1_hex)},
               {"md5", StringOrNull(d.file.md5_hex)}};
  if (d.file.piece_size > 0)
    file["pieces"] = {{"length", d.file.piece_size},
                      {"sha1", d.file.piece_sha1_hex}};
  j["file"] = file;
  const GeoLocation& c = d.client.location;
  j["client"] = {{"address", d.client.address},
                 {"from_ip", d.client.from_ip},
                 {"family", d.client.family},
                 {"https", d.client.https},
                 {"country", StringOrNull(c.country)},
                 {"continent", StringOrNull(c.continent)},
                 {"asn", OrNull(c.asn)},
                 {"latitude", OrNull(c.latitude)},
                 {"longitude", OrNull(c.longitude)}};
  j["near_equal"] = d.selection.near_equal;
  j["mirrors"] = json::array();
  for (size_t i = 0; i < d.selection.ranked.size(); ++i) {
    const Candidate& k = d.selection.ranked[i];
    const Mirror& m = k.status->mirror;
    j["mirrors"].push_back({{"rank", i + 1},
                            {"name", m.name},
                            {"url", std::string(k.url) + encoded},
                            {"tier", TierName(k.tier)},
                            {"distance_km", OrNull(k.distance_km)},
                            {"weight", m.weight},
                            {"http_fallback", k.http_fallback},
                            {"https_upgrade", k.https_upgrade},
                            {"country", StringOrNull(m.country)},
                            {"continent", StringOrNull(m.continent)},
                            {"latitude", OrNull(m.latitude)},
                            {"longitude", OrNull(m.longitude)},
                            {"sponsor", StringOrNull(m.sponsor_name)},
                            {"sponsor_url", StringOrNull(m.sponsor_url)}});
  }
  j["excluded"] = json::array();
  for (const Exclusion& e : d.selection.excluded)
    j["excluded"].push_back(
        {{"name", e.status->mirror.name},
         {"country", StringOrNull(e.status->mirror.country)},
         {"reason", e.reason}});
  j["fallback"] = StringOrNull(d.fallback_url);
  j["metalink"] = d.origin_url + encoded + ".meta4";
  j["generated_at"] = Rfc3339(d.generated_at);
  j["data_as_of"] = StringOrNull(Rfc3339(d.data.as_of));
  j["data_possibly_stale"] = d.data.suspect;
  j["node"] = d.data.node;
  j["inventory_age_seconds"] =
      d.data.age_seconds < 0 ? json(nullptr) : json(d.data.age_seconds);
  j["inventory_stale"] = d.data.stale;
  // Bytes that are not UTF-8 (a file name in Latin-1) become U+FFFD rather
  // than an exception.
  return JsonText(j);
}

std::string MirrorListHtml(const MirrorListData& d) {
  const std::string encoded = EncodePath(d.file.path);
  const std::string name = BaseName(d.file.path);
  const std::string self = "/" + encoded;
  std::string h = PageHead("Mirrors for " + name);
  h += "<h1>" + EscapeXml(name) + "</h1>\n" + DataAgeHtml(d.data) + "<dl>\n";
  auto row = [&](const std::string& k, const std::string& v_html) {
    h += "<dt>" + EscapeXml(k) + "</dt><dd>" + v_html + "</dd>\n";
  };
  row("Path", "<code>" + EscapeXml("/" + d.file.path) + "</code>");
  row("Size", EscapeXml(HumanSize(d.file.size) + " (" +
                        std::to_string(d.file.size) + " bytes)"));
  std::string unknown = d.file.details_known ? "not known"
                        : d.data.suspect
                            ? "unavailable (the database is away)"
                            : "being looked up; reload the page in a moment";
  row("Date",
      EscapeXml(d.file.mtime.empty() ? unknown : d.file.mtime + " UTC"));
  auto hash = [&](const char* label, const std::string& hex,
                  const char* query) {
    if (hex.empty()) {
      row(label,
          EscapeXml(label == std::string("SHA-256") ? "not known" : unknown));
    } else {
      row(label, "<code class=\"hash\">" + EscapeXml(hex) +
                     "</code> <a href=\"" + EscapeXml(self + "?" + query) +
                     "\">" + query + "</a>");
    }
  };
  hash("SHA-256", d.file.sha256_hex, "sha256");
  hash("SHA-1", d.file.sha1_hex, "sha1");
  hash("MD5", d.file.md5_hex, "md5");
  row("Metalink", "<a href=\"" + EscapeXml(self + ".meta4") + "\">" +
                      EscapeXml(name + ".meta4") + "</a>, <a href=\"" +
                      EscapeXml(self + "?json") + "\">JSON</a>");
  h += "</dl>\n";

  const GeoLocation& c = d.client.location;
  h += std::string("<h2>") +
       (d.client.from_ip ? "As seen from" : "Your location") + "</h2>\n<p>" +
       EscapeXml(d.client.address + ": " + Where(c) + ", IPv" +
                 std::to_string(d.client.family) + ", " +
                 (d.client.https ? "HTTPS" : "HTTP")) +
       "</p>\n";

  std::vector<MapPoint> points;
  for (const Exclusion& e : d.selection.excluded) {
    const Mirror& m = e.status->mirror;
    if (m.latitude && m.longitude)
      points.push_back({*m.latitude, *m.longitude, MapPoint::Kind::kExcluded,
                        m.name + ": " + e.reason});
  }
  for (size_t i = d.selection.ranked.size(); i-- > 0;) {
    const Mirror& m = d.selection.ranked[i].status->mirror;
    if (m.latitude && m.longitude)
      points.push_back(
          {*m.latitude, *m.longitude,
           i == 0 ? MapPoint::Kind::kChosen : MapPoint::Kind::kCandidate,
           "#" + std::to_string(i + 1) + " " + m.name});
  }
  if (c.latitude && c.longitude)
    points.push_back({*c.latitude, *c.longitude, MapPoint::Kind::kClient,
                      d.client.from_ip ? "client " + d.client.address : "you"});
  h += "<figure>\n" + WorldMapSvg(points) + "<figcaption>Orange: " +
       std::string(d.client.from_ip ? "the client" : "you") +
       "; green: the first choice; blue: other mirrors that can serve; grey: "
       "excluded.</figcaption>\n</figure>\n";

  h += "<h2>Mirrors (" + std::to_string(d.selection.ranked.size()) + ")</h2>\n";
  if (d.selection.ranked.empty()) {
    h += "<p>No mirror can serve this file to this client now";
    if (!d.fallback_url.empty())
      h += "; it is sent to <a href=\"" + EscapeXml(d.fallback_url) + "\">" +
           EscapeXml(d.fallback_url) + "</a>";
    h += ".</p>\n";
  } else {
    if (d.selection.near_equal > 1)
      h += "<p>The first " + std::to_string(d.selection.near_equal) +
           " are near-equal: each request draws among them by weight.</p>\n";
    h += "<div "
         "class=\"scroll\"><table>\n<thead><tr><th>#</th><th>Mirror</"
         "th><th>Tier</th>"
         "<th>Distance</th><th>Weight</th><th>URL</th></tr></thead>\n<tbody>\n";
    for (size_t i = 0; i < d.selection.ranked.size(); ++i) {
      const Candidate& k = d.selection.ranked[i];
      const Mirror& m = k.status->mirror;
      std::string url = std::string(k.url) + encoded;
      std::string where = m.country.empty() ? "" : " (" + m.country + ")";
      h += "<tr><td>" + std::to_string(i + 1) + "</td><td>" +
           EscapeXml(m.name + where) + "</td><td>" +
           EscapeXml(std::string(TierName(k.tier)) +
                     (k.http_fallback   ? ", over HTTP"
                      : k.https_upgrade ? ", over HTTPS"
                                        : "")) +
           "</td><td>" + EscapeXml(Km(k.distance_km)) + "</td><td>" +
           std::to_string(m.weight) + "</td><td><a href=\"" + EscapeXml(url) +
           "\">" + EscapeXml(url) + "</a></td></tr>\n";
    }
    h += "</tbody>\n</table></div>\n";
  }
  if (!d.selection.excluded.empty()) {
    h += "<h2>Excluded (" + std::to_string(d.selection.excluded.size()) +
         ")</h2>\n"
         "<div "
         "class=\"scroll\"><table>\n<thead><tr><th>Mirror</th><th>Why</th></"
         "tr></thead>\n<tbody>\n";
    for (const Exclusion& e : d.selection.excluded)
      h += "<tr><td>" + EscapeXml(e.status->mirror.name) + "</td><td>" +
           EscapeXml(e.reason) + "</td></tr>\n";
    h += "</tbody>\n</table></div>\n";
  }
  h += PageFoot(d.generated_at);
  return h;
}

std::string MetalinkXml(const MirrorListData& d, const std::string& generator) {
  const std::string encoded = EncodePath(d.file.path);
  std::string x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">\n";
  x += "  <generator>" + EscapeXml(generator) + "</generator>\n";
  x += "  <origin dynamic=\"true\">" +
       EscapeXml(d.origin_url + encoded + ".meta4") + "</origin>\n";
  std::string published = Rfc3339(d.file.mtime);
  if (!published.empty()) x += "  <published>" + published + "</published>\n";
  std::string updated = Rfc3339(d.generated_at);
  if (!updated.empty()) x += "  <updated>" + updated + "</updated>\n";
  x += "  <file name=\"" + EscapeXml(BaseName(d.file.path)) + "\">\n";
  x += "    <size>" + std::to_string(d.file.size) + "</size>\n";
  if (!d.file.sha256_hex.empty())
    x += "    <hash type=\"sha-256\">" + EscapeXml(d.file.sha256_hex) +
         "</hash>\n";
  if (!d.file.sha1_hex.empty())
    x += "    <hash type=\"sha-1\">" + EscapeXml(d.file.sha1_hex) + "</hash>\n";
  if (!d.file.md5_hex.empty())
    x += "    <hash type=\"md5\">" + EscapeXml(d.file.md5_hex) + "</hash>\n";
  if (d.file.piece_size > 0 && !d.file.piece_sha1_hex.empty()) {
    x += "    <pieces length=\"" + std::to_string(d.file.piece_size) +
         "\" type=\"sha-1\">\n";
    for (const std::string& p : d.file.piece_sha1_hex)
      x += "      <hash>" + EscapeXml(p) + "</hash>\n";
    x += "    </pieces>\n";
  }
  int priority = 1;
  for (const Candidate& k : d.selection.ranked) {
    const Mirror& m = k.status->mirror;
    x += "    <url priority=\"" + std::to_string(priority++) + "\"";
    if (!m.country.empty())
      x += " location=\"" + EscapeXml(ToLower(m.country)) + "\"";
    x += ">" + EscapeXml(std::string(k.url) + encoded) + "</url>\n";
  }
  if (!d.fallback_url.empty())
    x += "    <url priority=\"" + std::to_string(priority) + "\">" +
         EscapeXml(d.fallback_url) + "</url>\n";
  x += "  </file>\n</metalink>\n";
  return x;
}

}  // namespace waymark
