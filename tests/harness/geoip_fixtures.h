// GeoIP test databases, built at test time from tests/fixtures/
// geoip-networks.tsv (never downloaded): MaxMind DB files by Debian's
// MaxMind::DB::Writer (tests/fixtures/make-test-mmdb.pl) and an IPFire
// location database by libloc's writer (build/tests/make-test-locdb).
#ifndef WAYMARK_TESTS_HARNESS_GEOIP_FIXTURES_H_
#define WAYMARK_TESTS_HARNESS_GEOIP_FIXTURES_H_

#include <string>

#include "core/status.h"

namespace waymark {
namespace test {

struct GeoFixtures {
  std::string dir;
  std::string city_mmdb;    // GeoLite2-City layout
  std::string asn_mmdb;     // GeoLite2-ASN layout
  std::string ipinfo_mmdb;  // IPinfo lite layout
  std::string locdb;        // libloc database
};

// Builds the databases into a new temporary directory.
Status BuildGeoFixtures(GeoFixtures* out);

// Built once per test binary (the program stops with the reason if that
// fails) and removed at exit.
const GeoFixtures& SharedGeoFixtures();

// The source tree: $WAYMARK_SOURCE_DIR, else the current directory.
std::string SourceDir();

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_GEOIP_FIXTURES_H_
