#include "core/geo/mirror_geo.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "core/strings.h"

namespace waymark {

Status ResolveHost(const std::string& host, std::vector<IpAddress>* out) {
  out->clear();
  IpAddress literal;
  if (IpAddress::Parse(host, &literal)) {
    out->push_back(literal);
    return Status::OK();
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return Status::IOError("cannot resolve '" + Printable(host) +
                           "': " + gai_strerror(rc));
  }
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    char buf[64];
    const void* a =
        ai->ai_family == AF_INET
            ? static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    IpAddress ip;
    if (inet_ntop(ai->ai_family, a, buf, sizeof buf) &&
        IpAddress::Parse(buf, &ip)) {
      bool dup = false;
      for (const auto& o : *out) dup |= o.ToString() == ip.ToString();
      if (!dup) out->push_back(ip);
    }
  }
  freeaddrinfo(res);
  return Status::OK();
}

namespace {

std::string Describe(const GeoLocation& l) {
  std::string s = l.country.empty() ? "unknown country" : l.country;
  s += l.asn ? " AS" + std::to_string(*l.asn) : " unknown AS";
  return s;
}

}  // namespace

MirrorPlace LocateAddresses(const GeoIp& geoip, const std::string& host,
                            const std::vector<IpAddress>& addresses) {
  MirrorPlace place;
  std::vector<std::string> seen;
  bool placed = false;
  for (const auto& addr : addresses) {
    GeoLocation l = geoip.Lookup(addr);
    if (!l.known()) continue;
    seen.push_back(addr.ToString() + ": " + Describe(l));
    if (!placed) {
      place.location = l;
      placed = true;
    } else if (l.country != place.location.country ||
               l.asn != place.location.asn) {
      // Reported once below with every address.
      place.warnings.emplace_back();
    }
  }
  if (!place.warnings.empty()) {
    place.warnings.assign(1, "'" + host +
                                 "' has addresses in different places (" +
                                 Join(seen, ", ") +
                                 "); using the first; give --country, "
                                 "--asn, --lat and --lon to choose");
  }
  if (!placed) {
    std::vector<std::string> shown;
    for (const auto& a : addresses) shown.push_back(a.ToString());
    place.warnings.push_back(
        "GeoIP does not know where '" + host + "' is (" +
        (shown.empty() ? std::string("no addresses") : Join(shown, ", ")) +
        "); give --country and --lat/--lon");
  }
  return place;
}

}  // namespace waymark
