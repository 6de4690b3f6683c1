#include "core/model/fallback.h"

#include <limits>

#include "core/geo/country.h"
#include "core/model/mirror.h"
#include "core/strings.h"
#include "core/url.h"

namespace waymark {

Status ParseFallbacks(const std::vector<std::string>& values,
                      std::vector<Fallback>* out) {
  std::vector<Fallback> result;
  for (const auto& value : values) {
    auto parts = SplitWhitespace(value);
    if (parts.empty() || parts.size() > 3)
      return Status::InvalidArgument("redirector.fallback: '" +
                                     Printable(value) +
                                     "' is not 'URL [COUNTRY [CONTINENT]]'");
    Fallback f;
    BaseUrl url;
    std::string scheme =
        StartsWith(ToLower(parts[0]), "https:") ? "https" : "http";
    Status s = ParseBaseUrl(parts[0], scheme, "redirector.fallback", &url);
    if (!s.ok()) return s;
    f.url = url.ToString();
    if (parts.size() >= 2) {
      s = ParseCountry("redirector.fallback", parts[1], &f.country);
      if (!s.ok()) return s;
      f.continent = ContinentOfCountry(f.country);
    }
    if (parts.size() == 3) {
      s = ParseContinent("redirector.fallback", parts[2], &f.continent);
      if (!s.ok()) return s;
    }
    result.push_back(std::move(f));
  }
  *out = std::move(result);
  return Status::OK();
}

const Fallback* ChooseFallback(const std::vector<Fallback>& fallbacks,
                               const GeoLocation& client) {
  if (fallbacks.empty()) return nullptr;
  for (const auto& f : fallbacks) {
    if (!client.country.empty() && f.country == client.country) return &f;
  }
  for (const auto& f : fallbacks) {
    if (!client.continent.empty() && f.continent == client.continent) return &f;
  }
  // Nearest by country centroid; configuration order breaks ties and
  // stands in when nothing is known.
  const Fallback* best = &fallbacks[0];
  double best_km = std::numeric_limits<double>::infinity();
  if (client.latitude) {
    for (const auto& f : fallbacks) {
      double lat, lon;
      if (f.country.empty() || !CountryCentroid(f.country, &lat, &lon))
        continue;
      double km = DistanceKm(*client.latitude, *client.longitude, lat, lon);
      if (km < best_km) {
        best_km = km;
        best = &f;
      }
    }
  }
  return best;
}

}  // namespace waymark
