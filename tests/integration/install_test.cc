// `make install` (README, production step 2) into a scratch DESTDIR: the
// binaries, man pages, SQL, reports and every example file the README
// tells the operator to copy land where the README says, and the installed
// programs run.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/subprocess.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

namespace fs = std::filesystem;

TEST(InstallTest, MakeInstallPutsEveryFileTheReadmeNames) {
  test::TempDir dest;
  SubprocessOptions o;
  o.argv = {"make",
            "-s",
            "-C",
            test::SourceDir(),
            "install",
            "DESTDIR=" + dest.path(),
            "PREFIX=/usr/local"};
  o.capture_output = true;
  CommandResult r;
  ASSERT_TRUE(RunCommand(o, "", 300000, &r).ok());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string root = dest.path() + "/usr/local";
  for (const char* f :
       {"bin/waymark", "sbin/waymark-redirector", "sbin/waymark-scan",
        "sbin/waymark-trace", "share/man/man8/waymark.8",
        "share/man/man8/waymark-redirector.8", "share/man/man8/waymark-scan.8",
        "share/man/man8/waymark-trace.8", "share/man/man5/waymark.conf.5",
        "share/waymark/sql/roles.sql",
        "share/waymark/sql/migrations/0001_initial.sql",
        "share/waymark/examples/waymark.conf",
        "share/waymark/examples/origin.conf",
        "share/waymark/examples/mirror.conf", "share/waymark/examples/waymark",
        "share/waymark/examples/waymark-redirector.service"}) {
    EXPECT_TRUE(fs::exists(root + "/" + f)) << f << " not installed";
  }
  size_t reports = 0;
  if (fs::exists(root + "/share/waymark/sql/reports")) {
    for (const auto& e :
         fs::directory_iterator(root + "/share/waymark/sql/reports")) {
      reports += e.path().extension() == ".sql";
    }
  }
  EXPECT_GE(reports, 7u) << "sql/reports/*.sql not installed";
  // The unit's ExecStart names the installed redirector.
  std::string unit = test::ReadFile(
      root + "/share/waymark/examples/waymark-redirector.service");
  EXPECT_NE(unit.find("ExecStart=/usr/local/sbin/waymark-redirector"),
            std::string::npos);
  for (const char* bin : {"bin/waymark", "sbin/waymark-redirector",
                          "sbin/waymark-scan", "sbin/waymark-trace"}) {
    SubprocessOptions v;
    v.argv = {root + "/" + bin, "--version"};
    v.capture_output = true;
    CommandResult vr;
    ASSERT_TRUE(RunCommand(v, "", 10000, &vr).ok());
    EXPECT_EQ(vr.exit_code, 0) << bin << ": " << vr.err;
    EXPECT_NE(vr.out.find("0.2.0"), std::string::npos) << bin << ": " << vr.out;
  }
}

}  // namespace
}  // namespace waymark
