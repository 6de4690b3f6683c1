// Benchmark: GeoIP look-ups per second for each reader, on one core, over a
// fixed list of random public addresses (3/4 IPv4, 1/4 IPv6), next to the
// cost of parsing the same addresses, all in one run.
//
// Usage: geoip_bench [--count N] [--mmdb FILE]... [--locdb FILE]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/geo/geoip.h"

using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> RandomPublicAddresses(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<std::string> out;
  char buf[64];
  while (out.size() < n) {
    waymark::IpAddress a;
    if (out.size() % 4 == 3) {
      // Global unicast IPv6 lives in 2000::/3; most allocations in 2a00::/8
      // (RIPE), 2600::/8 (ARIN), 2400::/8 (APNIC).
      static const unsigned kFirst[] = {0x2a00, 0x2600, 0x2400, 0x2800, 0x2001};
      std::snprintf(buf, sizeof buf, "%x:%x:%x::%x",
                    static_cast<unsigned>(kFirst[rng() % 5] | (rng() % 0x100)),
                    static_cast<unsigned>(rng() % 0x10000),
                    static_cast<unsigned>(rng() % 0x10000),
                    static_cast<unsigned>(rng() % 0x10000));
    } else {
      uint32_t v = static_cast<uint32_t>(rng());
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255,
                    (v >> 8) & 255, v & 255);
    }
    if (waymark::IpAddress::Parse(buf, &a) && a.IsGlobal()) out.push_back(buf);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 1000000;
  std::vector<std::string> mmdb;
  std::string locdb;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--count")) count = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--mmdb")) mmdb.push_back(argv[i + 1]);
    if (!std::strcmp(argv[i], "--locdb")) locdb = argv[i + 1];
  }
  std::vector<std::string> text = RandomPublicAddresses(count);

  auto start = Clock::now();
  std::vector<waymark::IpAddress> addrs(text.size());
  for (size_t i = 0; i < text.size(); ++i)
    waymark::IpAddress::Parse(text[i], &addrs[i]);
  double parse_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%zu random public addresses; parsing them: %.0f per second\n",
              text.size(), text.size() / parse_s);

  std::vector<std::unique_ptr<waymark::GeoReader>> readers;
  for (const auto& path : mmdb) {
    std::unique_ptr<waymark::GeoReader> r;
    waymark::Status s = waymark::OpenMmdb(path, &r);
    if (!s.ok())
      return std::fprintf(stderr, "geoip_bench: %s\n", s.message().c_str()), 1;
    readers.push_back(std::move(r));
  }
  if (!locdb.empty()) {
    std::unique_ptr<waymark::GeoReader> r;
    waymark::Status s = waymark::OpenLocationDb(locdb, &r);
    if (!s.ok())
      return std::fprintf(stderr, "geoip_bench: %s\n", s.message().c_str()), 1;
    readers.push_back(std::move(r));
  }
  for (const auto& r : readers) {
    size_t known = 0;
    start = Clock::now();
    for (const auto& a : addrs) known += r->Lookup(a).known();
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    double rate = addrs.size() / s;
    std::printf(
        "%-6s %s: %.0f look-ups/s (%.2fx the 1M/s target, %.2fx parsing), "
        "%.1f%% placed\n",
        r->kind(), r->path().c_str(), rate, rate / 1e6,
        rate / (text.size() / parse_s), 100.0 * known / addrs.size());
  }
  return 0;
}
