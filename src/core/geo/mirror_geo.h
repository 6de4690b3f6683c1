// Where a mirror is, from the addresses its host name resolves to: used by
// `waymark mirror add` to fill the fields the operator did not give.
#ifndef WAYMARK_CORE_GEO_MIRROR_GEO_H_
#define WAYMARK_CORE_GEO_MIRROR_GEO_H_

#include <string>
#include <vector>

#include "core/geo/geoip.h"
#include "core/ip_address.h"
#include "core/status.h"

namespace waymark {

// The host's IPv4 and IPv6 addresses (an address literal is returned as
// is). Errors are one line: "cannot resolve 'x.example': Name or service not
// known".
Status ResolveHost(const std::string& host, std::vector<IpAddress>* out);

struct MirrorPlace {
  GeoLocation location;               // from the first address GeoIP places
  std::vector<std::string> warnings;  // one line each
};

// Places the mirror at its first address that GeoIP knows, and warns when
// the addresses disagree on country or AS (a CDN, or a dual-stack host
// whose IPv6 is routed elsewhere), or when none can be placed.
MirrorPlace LocateAddresses(const GeoIp& geoip, const std::string& host,
                            const std::vector<IpAddress>& addresses);

}  // namespace waymark

#endif  // WAYMARK_CORE_GEO_MIRROR_GEO_H_
