// The seven mirrors the redirector and `waymark pick` integration tests
// share, placed in the networks of the GeoIP test databases
// (tests/fixtures/geoip-networks.tsv): each test adds them its own way
// (through its stack or the admin tool) and gives them its own files,
// health and state. Which one is which:
//   fra1, par1, sfo1, sgp1  one per country and continent, each in its AS;
//   old1  a second German mirror in an AS of its own, for staleness;
//   off1  beside fra1, in its AS: the one tests disable;
//   bad1  beside par1: the one that lists the tests' file at another size.
#ifndef WAYMARK_TESTS_HARNESS_TEST_MIRRORS_H_
#define WAYMARK_TESTS_HARNESS_TEST_MIRRORS_H_

#include <vector>

namespace waymark {
namespace test {

struct TestMirror {
  const char* name;
  const char* country;
  const char* asn;
  const char* lat;
  const char* lon;
};

inline const std::vector<TestMirror>& TestMirrors() {
  static const std::vector<TestMirror> kMirrors = {
      {"fra1", "DE", "64500", "50.1109", "8.6821"},
      {"par1", "FR", "64501", "48.8566", "2.3522"},
      {"sfo1", "US", "64510", "37.7749", "-122.4194"},
      {"sgp1", "SG", "64520", "1.3521", "103.8198"},
      {"old1", "DE", "64599", "52.52", "13.405"},
      {"off1", "DE", "64500", "50.1", "8.7"},
      {"bad1", "FR", "64501", "48.8", "2.3"},
  };
  return kMirrors;
}

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_TEST_MIRRORS_H_
