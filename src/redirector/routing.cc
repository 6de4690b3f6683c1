#include "redirector/routing.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

#include "core/strings.h"
#include "core/url.h"

namespace waymark {

namespace {

// True when the Accept header lists `type` with a non-zero quality.
bool Accepts(const std::string& accept, std::string_view type) {
  // Most clients send "*/*" or a browser's list: rule those out before
  // taking the header apart.
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  };
  if (std::search(accept.begin(), accept.end(), type.begin(), type.end(),
                  same) == accept.end())
    return false;
  for (const std::string& part : Split(accept, ',')) {
    std::vector<std::string> params = Split(part, ';');
    if (ToLower(Trim(params[0])) != type) continue;
    bool zero = false;
    for (size_t i = 1; i < params.size(); ++i) {
      std::string p = std::string(Trim(params[i]));
      if (StartsWith(p, "q=")) {
        std::string q = p.substr(2);
        zero = q.find_first_not_of("0.") == std::string::npos;
      }
    }
    if (!zero) return true;
  }
  return false;
}

}  // namespace

const char* OutputName(Output o) {
  switch (o) {
    case Output::kRedirect:
      return "redirect";
    case Output::kMirrorList:
      return "mirrorlist";
    case Output::kJson:
      return "json";
    case Output::kMetalink:
      return "metalink";
    case Output::kSha256:
      return "sha256";
    case Output::kSha1:
      return "sha1";
    case Output::kMd5:
      return "md5";
    case Output::kMirrorStats:
      return "mirrorstats";
    case Output::kMirrorStatsJson:
      return "mirrorstats-json";
    case Output::kMetrics:
      return "metrics";
  }
  return "redirect";
}

bool ParseOutputMode(const std::string& text, OutputMode* out) {
  if (text == "auto") {
    *out = OutputMode::kAuto;
  } else if (text == "redirect") {
    *out = OutputMode::kRedirect;
  } else {
    return false;
  }
  return true;
}

Status RouteRequest(const std::string& uri, const std::string& query,
                    const std::string& accept, OutputMode mode, Route* out) {
  Route r;
  r.uri = uri;
  std::map<std::string, std::string, std::less<>>
      q;  // found by literal, no string made
  for (const std::string& pair :
       query.empty() ? std::vector<std::string>() : Split(query, '&')) {
    for (const std::string& item : Split(pair, ';')) {
      if (item.empty()) continue;
      size_t eq = item.find('=');
      std::string key = ToLower(item.substr(0, eq));
      std::string value;
      if (eq != std::string::npos &&
          !PercentDecode(item.substr(eq + 1), &value, /*form_encoded=*/true))
        return Status::InvalidArgument("bad encoding in the query's '" +
                                       Printable(key) + "' value");
      q[key] = value;
    }
  }
  if (auto it = q.find("fromip"); it != q.end()) r.from_ip = it->second;

  if (q.count("metrics")) {
    r.output = Output::kMetrics;
  } else if (uri == "/mirrorstats" || EndsWith(uri, "/mirrorstats") ||
             q.count("mirrorstats")) {
    r.output =
        q.count("json") ? Output::kMirrorStatsJson : Output::kMirrorStats;
  } else {
    bool listed = false;
    if (EndsWith(uri, "/mirrorlist")) {
      r.uri = uri.substr(0, uri.size() - 11);
      listed = true;
    }
    bool meta4 = false;
    if (!listed && EndsWith(uri, ".meta4") && uri.size() > 7) {
      r.uri = uri.substr(0, uri.size() - 6);
      meta4 = true;
    }
    if (q.count("json")) {
      r.output = Output::kJson;
    } else if (meta4 || q.count("metalink")) {
      r.output = Output::kMetalink;
    } else if (listed || q.count("mirrorlist")) {
      r.output = Output::kMirrorList;
    } else if (q.count("sha256")) {
      r.output = Output::kSha256;
    } else if (q.count("sha1")) {
      r.output = Output::kSha1;
    } else if (q.count("md5")) {
      r.output = Output::kMd5;
    } else if (mode == OutputMode::kAuto &&
               Accepts(accept, "application/metalink4+xml")) {
      r.output = Output::kMetalink;
    } else if (mode == OutputMode::kAuto &&
               Accepts(accept, "application/json")) {
      r.output = Output::kJson;
    } else if (q.count("fromip")) {
      r.output = Output::kMirrorList;  // ?fromip alone shows the list
    }
  }
  *out = std::move(r);
  return Status::OK();
}

}  // namespace waymark
