#include "redirector/pages/mirror_stats.h"

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

const MirrorReport* ReportOf(const MirrorStatsData& d, int id) {
  if (!d.report) return nullptr;
  auto it = d.report->mirrors.find(id);
  return it == d.report->mirrors.end() ? nullptr : &it->second;
}

// Share of the repository's files the mirror holds, in percent; -1 unknown.
double Share(const MirrorStatsData& d, const MirrorReport* r) {
  if (!r || !d.report || d.report->files == 0) return -1;
  return 100.0 * static_cast<double>(r->files_held) /
         static_cast<double>(d.report->files);
}

std::string Percent(double v) {
  if (v < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v);
  return buf;
}

std::string Lag(const std::optional<long long>& lag) {
  if (!lag) return "-";
  long long s = *lag;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 172800) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " d";
}

// Why the mirror does not serve, for people: health reasons and trace error.
std::string Problems(const MirrorReport* r) {
  std::vector<std::string> parts;
  if (r) {
    for (const auto& why : r->down_reasons) parts.push_back(why);
    if (!r->trace_error.empty()) parts.push_back("trace: " + r->trace_error);
  }
  return Join(parts, "; ");
}

// What the mirror does not offer, beside its state and apart from its
// problems: " (not offered: http/IPv6)", or "".
std::string NotOffered(const MirrorReport* r) {
  if (!r || r->not_offered.empty()) return "";
  return "<br><small class=\"neutral\">not offered: " +
         EscapeXml(Join(r->not_offered, ", ")) + "</small>";
}

std::string ScanText(const MirrorReport* r) {
  if (!r) return "-";
  if (r->last_scan_at.empty()) return "never";
  std::string s = r->last_scan_at + " UTC, ";
  if (!r->last_scan_ok) return s + "running or unknown";
  return s + (*r->last_scan_ok ? "ok" : "failed: " + r->last_scan_error);
}

}  // namespace

std::string MirrorStatsHtml(const MirrorStatsData& d) {
  std::string h = PageHead("Mirror status");
  h += "<h1>Mirror status</h1>\n";
  if (d.data.suspect) {
    h += "<p class=\"down\">The database is unavailable: states are as "
         "this server last saw them" +
         (d.data.as_of.empty() ? std::string()
                               : " at " + EscapeXml(d.data.as_of) + " UTC") +
         (d.report ? "; scan results, repository shares and download counts "
                     "as of " +
                         EscapeXml(d.report_as_of) + " UTC"
                   : "; scan results, repository shares and download counts "
                     "are missing") +
         ".</p>\n";
  } else {
    h += DataAgeHtml(d.data);
  }
  h += NodeHtml(d.data);
  if (d.report) {
    h += "<p>" + std::to_string(d.mirrors->size()) +
         " mirrors; the repository holds " + std::to_string(d.report->files) +
         " files (as of " + EscapeXml(d.report_as_of) + " UTC).</p>\n";
  } else if (!d.data.suspect) {
    h += "<p>Scan results, repository shares and download counts are being "
         "computed; reload the page in a few seconds.</p>\n";
  }
  std::vector<MapPoint> points;
  for (const MirrorStatus& st : *d.mirrors) {
    const Mirror& m = st.mirror;
    if (m.latitude && m.longitude)
      points.push_back(
          {*m.latitude, *m.longitude,
           m.state == "up" ? MapPoint::Kind::kUp : MapPoint::Kind::kDown,
           m.name + ": " + m.state});
  }
  h += "<figure>\n" + WorldMapSvg(points) +
       "<figcaption>Green: up; red: down, disabled or not checked "
       "yet.</figcaption>\n</figure>\n";
  h += "<div "
       "class=\"scroll\"><table>\n<thead><tr><th>Mirror</th><th>Country</"
       "th><th>State</th>"
       "<th>Since</th><th>Problems</th><th>Trace lag</th><th>Last "
       "scan</th><th>Holds</th>"
       "<th>Downloads today</th></tr></thead>\n<tbody>\n";
  for (const MirrorStatus& st : *d.mirrors) {
    const Mirror& m = st.mirror;
    const MirrorReport* r = ReportOf(d, m.id);
    std::string state_class = m.state == "up" ? "up" : "down";
    h += "<tr><td>" + EscapeXml(m.name) + "</td><td>" +
         EscapeXml(m.country.empty() ? "-" : m.country) + "</td><td class=\"" +
         state_class + "\">" + EscapeXml(m.state) + NotOffered(r) +
         "</td><td>" +
         EscapeXml(m.state_since.empty() ? "-" : m.state_since + " UTC") +
         "</td><td>" + EscapeXml(Problems(r)) + "</td><td>" +
         EscapeXml(Lag(st.trace_lag)) + "</td><td>" + EscapeXml(ScanText(r)) +
         "</td><td>" + EscapeXml(Percent(Share(d, r))) + "</td><td>" +
         (r ? std::to_string(r->downloads_today) : "-") + "</td></tr>\n";
  }
  h += "</tbody>\n</table></div>\n";
  h += PageFoot(d.generated_at);
  return h;
}

std::string MirrorStatsJson(const MirrorStatsData& d) {
  json j;
  j["database_available"] = !d.data.suspect;
  j["data_as_of"] = StringOrNull(d.data.as_of);
  j["data_possibly_stale"] = d.data.suspect;
  j["node"] = d.data.node;
  j["view"] = StringOrNull(d.data.view);
  j["inventory_age_seconds"] =
      d.data.age_seconds < 0 ? json(nullptr) : json(d.data.age_seconds);
  j["inventory_stale"] = d.data.stale;
  j["max_inventory_age_seconds"] = d.data.max_age;
  j["report_as_of"] = d.report ? json(d.report_as_of) : json(nullptr);
  j["repository_files"] = d.report ? json(d.report->files) : json(nullptr);
  j["mirrors"] = json::array();
  for (const MirrorStatus& st : *d.mirrors) {
    const Mirror& m = st.mirror;
    const MirrorReport* r = ReportOf(d, m.id);
    json e = {{"name", m.name},
              {"country", StringOrNull(m.country)},
              {"continent", StringOrNull(m.continent)},
              {"url", ShownUrl(PreferredUrl(m), UrlReader::kPublic)},
              {"enabled", m.enabled},
              {"state", m.state},
              {"since", StringOrNull(m.state_since)},
              {"trace_lag", OrNull(st.trace_lag)},
              {"weight", m.weight}};
    if (r) {
      e["down_reasons"] = r->down_reasons;
      e["not_offered"] = r->not_offered;
      e["trace_error"] = StringOrNull(r->trace_error);
      e["last_scan_at"] = StringOrNull(r->last_scan_at);
      e["last_scan_ok"] = OrNull(r->last_scan_ok);
      e["last_scan_error"] = StringOrNull(r->last_scan_error);
      e["files_held"] = r->files_held;
      double share = Share(d, r);
      e["share_percent"] = share < 0 ? json(nullptr) : json(share);
      e["downloads_today"] = r->downloads_today;
    }
    j["mirrors"].push_back(e);
  }
  j["generated_at"] = d.generated_at;
  return JsonText(j);
}

}  // namespace waymark
