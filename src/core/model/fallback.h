// Fallbacks (redirector.fallback): where a client goes when no mirror is a
// candidate, usually the origin's own unredirected copy. Ranked like
// mirrors: same country, then same continent, then nearest by country
// centroid, then the order of the configuration.
#ifndef WAYMARK_CORE_MODEL_FALLBACK_H_
#define WAYMARK_CORE_MODEL_FALLBACK_H_

#include <string>
#include <vector>

#include "core/geo/location.h"
#include "core/status.h"

namespace waymark {

struct Fallback {
  std::string url;  // base URL ending in '/'
  std::string country;
  std::string continent;
};

// Parses "URL [COUNTRY [CONTINENT]]" values (validated by the config
// loader); the continent defaults to the country's.
Status ParseFallbacks(const std::vector<std::string>& values,
                      std::vector<Fallback>* out);

// The best fallback for a client, or nullptr when none is configured.
const Fallback* ChooseFallback(const std::vector<Fallback>& fallbacks,
                               const GeoLocation& client);

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_FALLBACK_H_
