#include "tests/harness/geoip_fixtures.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "core/subprocess.h"
#include "tests/harness/commands.h"

namespace waymark {
namespace test {

std::string SourceDir() {
  const char* dir = std::getenv("WAYMARK_SOURCE_DIR");
  return dir && *dir ? dir : ".";
}

namespace {

Status Run(const std::vector<std::string>& argv) {
  SubprocessOptions o;
  o.argv = argv;
  CommandResult r;
  Status s = RunCommand(o, "", 120000, &r);
  if (!s.ok()) return s;
  if (r.exit_code != 0)
    return Status::IOError(argv[0] + " failed (exit " +
                           std::to_string(r.exit_code) + "): " + r.err);
  return Status::OK();
}

// Removes the fixtures directory when the test binary exits.
struct SharedFixtures {
  GeoFixtures fixtures;
  ~SharedFixtures() {
    if (fixtures.dir.empty()) return;
    SubprocessOptions o;
    o.argv = {"rm", "-rf", fixtures.dir};
    CommandResult r;
    RunCommand(o, "", 30000, &r);
  }
};

}  // namespace

Status BuildGeoFixtures(GeoFixtures* out) {
  // The owner's pid in the name: tests/run removes what a killed test
  // binary left, and only that.
  std::string tmpl = "/tmp/waymark-geo-" + std::to_string(getpid()) + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) return Status::IOError("mkdtemp failed");
  GeoFixtures f;
  f.dir = tmpl;
  f.city_mmdb = f.dir + "/city.mmdb";
  f.asn_mmdb = f.dir + "/asn.mmdb";
  f.ipinfo_mmdb = f.dir + "/ipinfo-lite.mmdb";
  f.locdb = f.dir + "/location.db";
  *out = f;
  std::string tsv = SourceDir() + "/tests/fixtures/geoip-networks.tsv";
  Status s = Run(
      {"perl", SourceDir() + "/tests/fixtures/make-test-mmdb.pl", tsv, f.dir});
  if (!s.ok()) return s;
  std::string bin = BinaryPath("waymark");  // build/bin/waymark
  std::string build = bin.substr(0, bin.rfind("/bin/"));
  return Run({build + "/tests/make-test-locdb", tsv, f.locdb});
}

const GeoFixtures& SharedGeoFixtures() {
  static std::unique_ptr<SharedFixtures> shared;
  if (!shared) {
    shared = std::make_unique<SharedFixtures>();
    Status s = BuildGeoFixtures(&shared->fixtures);
    if (!s.ok()) {
      std::cerr << "harness: cannot build the GeoIP test databases: "
                << s.message() << "\n";
      std::exit(1);
    }
  }
  return shared->fixtures;
}

}  // namespace test
}  // namespace waymark
