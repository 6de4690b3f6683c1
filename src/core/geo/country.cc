#include "core/geo/country.h"

#include <cstdlib>
#include <map>

#include "core/embedded_files.h"
#include "core/strings.h"

namespace waymark {

namespace {

struct CountryInfo {
  std::string continent;
  std::string name;
  bool has_centroid = false;
  double latitude = 0, longitude = 0;
};

const std::map<std::string, CountryInfo>& Countries() {
  static const std::map<std::string, CountryInfo> kCountries = [] {
    std::map<std::string, CountryInfo> m;
    for (const auto& line : Split(kEmbeddedCountries[0].data, '\n')) {
      if (line.empty() || line[0] == '#') continue;
      auto cols = Split(line, '\t');
      if (cols.size() < 3) continue;
      CountryInfo info{cols[1], cols[2]};
      if (cols.size() >= 5 && !cols[3].empty() && !cols[4].empty()) {
        info.has_centroid = true;
        info.latitude = std::strtod(cols[3].c_str(), nullptr);
        info.longitude = std::strtod(cols[4].c_str(), nullptr);
      }
      m[cols[0]] = info;
    }
    return m;
  }();
  return kCountries;
}

}  // namespace

bool IsCountryCode(const std::string& code) {
  return Countries().count(code) > 0;
}

bool IsContinentCode(const std::string& code) {
  for (const char* c : {"AF", "AN", "AS", "EU", "NA", "OC", "SA"})
    if (code == c) return true;
  return false;
}

std::string ContinentOfCountry(const std::string& code) {
  auto it = Countries().find(code);
  return it == Countries().end() ? "" : it->second.continent;
}

bool CountryCentroid(const std::string& code, double* latitude,
                     double* longitude) {
  auto it = Countries().find(code);
  if (it == Countries().end() || !it->second.has_centroid) return false;
  *latitude = it->second.latitude;
  *longitude = it->second.longitude;
  return true;
}

std::string CountryName(const std::string& code) {
  auto it = Countries().find(code);
  return it == Countries().end() ? "" : it->second.name;
}

}  // namespace waymark
