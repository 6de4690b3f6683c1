// IP addresses as clients and mirrors have them: IPv4, IPv6, and IPv4-mapped
// IPv6 (::ffff:a.b.c.d), which is treated as the IPv4 address it carries.
#ifndef WAYMARK_CORE_IP_ADDRESS_H_
#define WAYMARK_CORE_IP_ADDRESS_H_

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace waymark {

class IpAddress {
 public:
  // Parses a textual address (no brackets, no port, no zone). False on
  // anything else.
  static bool Parse(const std::string& text, IpAddress* out);

  bool is_v4() const { return v4_; }
  int family() const { return v4_ ? 4 : 6; }
  // The address as 16 bytes: IPv4 as ::ffff:a.b.c.d.
  const uint8_t* bytes() const { return bytes_; }
  in6_addr ToIn6() const;
  std::string ToString() const;

  // False for private, loopback, link-local, multicast, documentation,
  // shared (CGNAT), unique-local and other reserved ranges: addresses no
  // GeoIP database can place.
  bool IsGlobal() const;

 private:
  bool v4_ = true;
  uint8_t bytes_[16] = {0};
};

}  // namespace waymark

#endif  // WAYMARK_CORE_IP_ADDRESS_H_
