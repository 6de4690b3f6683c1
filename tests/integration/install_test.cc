// `make install` (README, "Other systems") into a scratch DESTDIR: the
// binaries, man pages, SQL, reports and every example file the README
// tells the operator to copy land where the README says, the installed
// programs run, and the installed pages and files name this install's
// paths (not the Debian package's, nor another prefix's).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/subprocess.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/installed_files.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

namespace fs = std::filesystem;

void MakeInstall(const std::string& dest, const std::string& prefix) {
  SubprocessOptions o;
  o.argv = {"make",
            "-s",
            "-C",
            test::SourceDir(),
            "install",
            "DESTDIR=" + dest,
            "PREFIX=" + prefix};
  o.capture_output = true;
  CommandResult r;
  ASSERT_TRUE(RunCommand(o, "", 300000, &r).ok());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The installed man pages, roles.sql, unit and cron file name only paths
// below `prefix`, each of which was installed, and none of the package's
// (/usr/share/waymark, /usr/share/doc/waymark) or of /usr/local's when
// that is not the prefix.
void ExpectOwnPathsOnly(const std::string& dest, const std::string& prefix) {
  std::string text;
  for (const char* f :
       {"share/man/man5/waymark.conf.5", "share/man/man8/waymark.8",
        "share/man/man8/waymark-redirector.8", "share/man/man8/waymark-scan.8",
        "share/man/man8/waymark-trace.8", "share/waymark/sql/roles.sql",
        "share/waymark/examples/waymark",
        "share/waymark/examples/waymark-redirector.service"}) {
    text += test::ReadFile(dest + prefix + "/" + f);
  }
  std::vector<std::string> own = test::PathsNamed(text, {prefix});
  // The SQL and reports directories, the example configurations, the
  // unit's program, the cron file's PATH.
  EXPECT_GE(own.size(), 8u) << testing::PrintToString(own);
  for (const std::string& p : own)
    EXPECT_TRUE(fs::exists(dest + p)) << p << " is named but not installed";
  std::vector<std::string> others = {"/usr/share/waymark",
                                     "/usr/share/doc/waymark"};
  if (prefix != "/usr/local") others.push_back("/usr/local");
  EXPECT_EQ(test::PathsNamed(text, others), std::vector<std::string>{})
      << "named by the files installed in " << prefix;
}

TEST(InstallTest, MakeInstallPutsEveryFileTheReadmeNames) {
  test::TempDir dest;
  MakeInstall(dest.path(), "/usr/local");
  if (HasFatalFailure()) return;
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
  ExpectOwnPathsOnly(dest.path(), "/usr/local");
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

// Another PREFIX: the pages, the unit and the cron file follow it.
TEST(InstallTest, AnotherPrefixIsNamedThroughout) {
  test::TempDir dest;
  MakeInstall(dest.path(), "/opt/waymark");
  if (HasFatalFailure()) return;
  ExpectOwnPathsOnly(dest.path(), "/opt/waymark");
  std::string unit = test::ReadFile(dest.path() +
                                    "/opt/waymark/share/waymark/examples/"
                                    "waymark-redirector.service");
  EXPECT_NE(unit.find("\nExecStart=/opt/waymark/sbin/waymark-redirector "),
            std::string::npos)
      << unit;
}

}  // namespace
}  // namespace waymark
