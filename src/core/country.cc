#include "core/country.h"

#include <map>

#include "core/embedded_files.h"
#include "core/strings.h"

namespace waymark {

namespace {

struct CountryInfo {
  std::string continent;
  std::string name;
};

const std::map<std::string, CountryInfo>& Countries() {
  static const std::map<std::string, CountryInfo> kCountries = [] {
    std::map<std::string, CountryInfo> m;
    for (const auto& line : Split(kEmbeddedCountries[0].data, '\n')) {
      if (line.empty() || line[0] == '#') continue;
      auto cols = Split(line, '\t');
      if (cols.size() < 3) continue;
      m[cols[0]] = CountryInfo{cols[1], cols[2]};
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

std::string CountryName(const std::string& code) {
  auto it = Countries().find(code);
  return it == Countries().end() ? "" : it->second.name;
}

}  // namespace waymark
