#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace waymark {

namespace {

const uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

struct Range {
  uint8_t prefix[16];
  int bits;
};

bool InRange(const uint8_t* a, const uint8_t* prefix, int bits) {
  int full = bits / 8;
  if (std::memcmp(a, prefix, full) != 0) return false;
  int rest = bits % 8;
  if (!rest) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (prefix[full] & mask);
}

}  // namespace

bool IpAddress::Parse(const std::string& text, IpAddress* out) {
  IpAddress a;
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memcpy(a.bytes_, kMappedPrefix, 12);
    std::memcpy(a.bytes_ + 12, &v4, 4);
    a.v4_ = true;
  } else if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(a.bytes_, &v6, 16);
    a.v4_ = std::memcmp(a.bytes_, kMappedPrefix, 12) == 0;
  } else {
    return false;
  }
  *out = a;
  return true;
}

in6_addr IpAddress::ToIn6() const {
  in6_addr a;
  std::memcpy(&a, bytes_, 16);
  return a;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (v4_) {
    inet_ntop(AF_INET, bytes_ + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes_, buf, sizeof buf);
  }
  return buf;
}

bool IpAddress::IsGlobal() const {
  if (v4_) {
    // IANA IPv4 special-purpose registry (RFC 6890 and successors). Each
    // range is compared as one 32-bit number: this runs for every request.
    constexpr auto V4 = [](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
      return a << 24 | b << 16 | c << 8 | d;
    };
    static constexpr struct {
      uint32_t net;
      int bits;  // 1 to 32
    } kV4[] = {
        {V4(0, 0, 0, 0), 8},      {V4(10, 0, 0, 0), 8},
        {V4(100, 64, 0, 0), 10},  {V4(127, 0, 0, 0), 8},
        {V4(169, 254, 0, 0), 16}, {V4(172, 16, 0, 0), 12},
        {V4(192, 0, 0, 0), 24},   {V4(192, 0, 2, 0), 24},
        {V4(192, 88, 99, 0), 24}, {V4(192, 168, 0, 0), 16},
        {V4(198, 18, 0, 0), 15},  {V4(198, 51, 100, 0), 24},
        {V4(203, 0, 113, 0), 24}, {V4(224, 0, 0, 0), 4},
        {V4(240, 0, 0, 0), 4},
    };
    const uint32_t a = V4(bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
    for (const auto& r : kV4)
      if ((a ^ r.net) >> (32 - r.bits) == 0) return false;
    return true;
  }
  // Only 2000::/3 is global unicast; within it, documentation and other
  // special ranges are excluded.
  static const Range kV6Reserved[] = {
      {{0x20, 0x01, 0x0d, 0xb8}, 32},  // documentation
      {{0x20, 0x01, 0x00, 0x00}, 23},  // IETF protocol assignments
      {{0x20, 0x02}, 16},              // 6to4
      {{0x3f, 0xff, 0x00}, 20},        // documentation (RFC 9637)
  };
  static const uint8_t kGlobal[16] = {0x20};
  if (!InRange(bytes_, kGlobal, 3)) return false;
  for (const auto& r : kV6Reserved) {
    if (InRange(bytes_, r.prefix, r.bits)) return false;
  }
  return true;
}

}  // namespace waymark
