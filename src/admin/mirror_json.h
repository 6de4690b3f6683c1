// A mirror as JSON, for `waymark mirror list|show|add --json` and `waymark
// export json`: the one place that decides which of a mirror's fields each
// reader sees, with its URLs shown by the one credential rule, ShownUrl().
#ifndef WAYMARK_ADMIN_MIRROR_JSON_H_
#define WAYMARK_ADMIN_MIRROR_JSON_H_

#include <nlohmann/json.hpp>

#include "core/model/mirror.h"
#include "core/url.h"

namespace waymark {

// Every reader gets name, enabled, state, state_since, the four URLs,
// country, continent, asn, latitude, longitude, weight and the sponsor.
// The operator also gets the restrictions, max_size, max_lag,
// allow_redirects, admin name and e-mail, comment, scan_protocols and the
// timestamps; the public gets none of those (waymark(8), Export).
nlohmann::json MirrorJson(const Mirror& m, UrlReader reader);

}  // namespace waymark

#endif  // WAYMARK_ADMIN_MIRROR_JSON_H_
