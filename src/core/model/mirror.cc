#include "core/model/mirror.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "core/config.h"
#include "core/geo/country.h"
#include "core/strings.h"
#include "core/url.h"

namespace waymark {

namespace {

Status Bad(const std::string& what, const std::string& value,
           const std::string& why) {
  return Status::InvalidArgument(what + ": '" + Printable(value) + "' " + why);
}

bool ParseDouble(const std::string& s, double* out) {
  static const std::regex kNumber(R"(-?[0-9]+(\.[0-9]+)?)");
  if (!std::regex_match(s, kNumber)) return false;
  *out = std::strtod(s.c_str(), nullptr);
  return std::isfinite(*out);
}

}  // namespace

Status ValidateMirrorName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  if (!std::regex_match(name, kName)) {
    return Status::InvalidArgument(
        "mirror name '" + Printable(name) +
        "' is invalid: use up to 63 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit");
  }
  return Status::OK();
}

Status ParseCountry(const std::string& what, const std::string& value,
                    std::string* out) {
  std::string cc = ToUpper(value);
  if (!IsCountryCode(cc))
    return Bad(what, value, "is not an ISO 3166-1 country code");
  *out = cc;
  return Status::OK();
}

Status ParseCountryList(const std::string& what, const std::string& value,
                        std::vector<std::string>* out) {
  std::vector<std::string> codes;
  if (!Trim(value).empty()) {
    for (const auto& part : Split(value, ',')) {
      std::string cc;
      Status s = ParseCountry(what, std::string(Trim(part)), &cc);
      if (!s.ok()) return s;
      bool dup = false;
      for (const auto& c : codes) dup |= c == cc;
      if (!dup) codes.push_back(cc);
    }
  }
  *out = std::move(codes);
  return Status::OK();
}

Status ParseContinent(const std::string& what, const std::string& value,
                      std::string* out) {
  std::string c = ToUpper(value);
  if (!IsContinentCode(c))
    return Bad(what, value, "is not a continent code (AF AN AS EU NA OC SA)");
  *out = c;
  return Status::OK();
}

Status ParseAsn(const std::string& what, const std::string& value,
                long long* out) {
  std::string v = value;
  if (StartsWith(ToUpper(v), "AS")) v = v.substr(2);
  long long n;
  if (!ParseInt64(v, &n) || n < 0 || n > kMaxAsn)
    return Bad(what, value, "is not an AS number (0 to 4294967295)");
  *out = n;
  return Status::OK();
}

Status ParseLatitude(const std::string& what, const std::string& value,
                     double* out) {
  double d;
  if (!ParseDouble(value, &d) || d < -90 || d > 90)
    return Bad(what, value,
               "is not a latitude (decimal degrees from -90 to 90)");
  *out = d;
  return Status::OK();
}

Status ParseLongitude(const std::string& what, const std::string& value,
                      double* out) {
  double d;
  if (!ParseDouble(value, &d) || d < -180 || d > 180)
    return Bad(what, value,
               "is not a longitude (decimal degrees from -180 to 180)");
  *out = d;
  return Status::OK();
}

Status ParseWeight(const std::string& what, const std::string& value,
                   int* out) {
  long long n;
  if (!ParseInt64(value, &n) || n < kMinWeight || n > kMaxWeight)
    return Bad(what, value, "is not a weight (an integer from 1 to 1000000)");
  *out = static_cast<int>(n);
  return Status::OK();
}

Status ParseMaxSize(const std::string& what, const std::string& value,
                    long long* out) {
  OptionSpec size_spec{"", OptionType::kSize, "", false, false, ""};
  std::string why;
  if (!ValidateOptionValue(size_spec, value, &why) ||
      ParseSizeBytes(value) <= 0)
    return Bad(what, value,
               "is not a size (bytes, or a number with K, M, G or T)");
  *out = ParseSizeBytes(value);
  return Status::OK();
}

Status ParseMaxLag(const std::string& what, const std::string& value,
                   long long* out) {
  OptionSpec duration_spec{"", OptionType::kDuration, "", false, false, ""};
  std::string why;
  if (!ValidateOptionValue(duration_spec, value, &why) ||
      ParseDurationSeconds(value) <= 0 ||
      ParseDurationSeconds(value) > 2147483647LL)
    return Bad(what, value,
               "is not a duration (seconds, or a number with s, m, h or d)");
  *out = ParseDurationSeconds(value);
  return Status::OK();
}

Status ParseWebUrl(const std::string& what, const std::string& value,
                   std::string* out) {
  if (!value.empty()) {
    BaseUrl u;
    std::string scheme =
        StartsWith(ToLower(value), "https:") ? "https" : "http";
    Status s = ParseBaseUrl(value, scheme, what, &u);
    if (!s.ok()) return s;
  }
  *out = value;
  return Status::OK();
}

Status ParseEmail(const std::string& what, const std::string& value,
                  std::string* out) {
  static const std::regex kEmail(R"([^@\s<>"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
  if (!value.empty() && !std::regex_match(value, kEmail))
    return Bad(what, value, "is not an e-mail address");
  *out = value;
  return Status::OK();
}

Status ParseText(const std::string& what, const std::string& value,
                 std::string* out) {
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f)
      return Bad(what, value, "contains control characters");
  }
  if (value.size() > 1000)
    return Status::InvalidArgument(what + ": longer than 1000 bytes");
  *out = value;
  return Status::OK();
}

Status ParseScanProtocols(const std::string& what, const std::string& value,
                          std::string* out) {
  std::vector<std::string> seen;
  for (const auto& p : Split(ToLower(value), ',')) {
    std::string t(Trim(p));
    if (value.empty()) break;
    if ((t != "rsync" && t != "ftp" && t != "http") ||
        std::find(seen.begin(), seen.end(), t) != seen.end())
      return Bad(what, value,
                 "is not a list of rsync, ftp and http, each at most once");
    seen.push_back(t);
  }
  *out = Join(seen, ",");
  return Status::OK();
}

Status ValidateMirror(const Mirror& m) {
  const std::string who = "mirror '" + m.name + "'";
  if (m.http_url.empty() && m.https_url.empty())
    return Status::InvalidArgument(who + " needs an --http or --https URL");
  if (m.latitude.has_value() != m.longitude.has_value())
    return Status::InvalidArgument(who +
                                   " needs both --lat and --lon, or neither");
  if (m.country_only && m.country.empty())
    return Status::InvalidArgument(who +
                                   " is --country-only but has no --country");
  if (m.continent_only && m.continent.empty())
    return Status::InvalidArgument(
        who + " is --continent-only but has no --continent");
  if (m.asn_only && !m.asn.has_value())
    return Status::InvalidArgument(who + " is --asn-only but has no --asn");
  for (const auto& cc : m.also_countries) {
    for (const auto& ex : m.exclude_countries) {
      if (cc == ex)
        return Status::InvalidArgument(
            who + " both serves and excludes country " + cc);
    }
  }
  return Status::OK();
}

const std::string& PreferredUrl(const Mirror& m) {
  return m.https_url.empty() ? m.http_url : m.https_url;
}

}  // namespace waymark
