// The Debian package's life on a machine (README, Production step 2): in a
// sandbox whose /etc, /var and /usr are copy-on-write (tests/harness/
// sandbox.h), `apt-get install ./waymark_*.deb` with apt resolving the
// dependencies, an upgrade to a higher version, `apt-get remove` (the
// configuration stays) and `apt-get purge` (it goes; the accounts stay, as
// files in the repository and PostgreSQL roles may still be theirs), with
// the files, accounts, permissions and cron jobs checked at each step.
//
// The package is the one `make deb` left in build/deb/ (`make test` builds
// it first when it is missing or older than the tree, CI with `make deb`;
// run on its own without one, the test reports itself skipped). The upgrade is
// that very package with a higher version in its control file, as the
// upgrade path (conffiles, maintainer scripts) is what is under test, and a
// second build of the same tree would only differ in that field.
// --no-install-recommends keeps apt from downloading cron and PostgreSQL:
// the test never needs the network, and the Depends are what apt resolves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/installed_files.h"
#include "tests/harness/sandbox.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

namespace fs = std::filesystem;
using test::ShellQuote;

const char kApt[] =
    "DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends ";

// The cron file's job lines as `user<TAB>command`.
std::vector<std::string> CronJobs(const std::string& file) {
  std::vector<std::string> jobs;
  std::istringstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.find('=') < line.find(' '))
      continue;
    std::istringstream fields(line);
    std::string f, user;
    for (int i = 0; i < 5; ++i) fields >> f;
    fields >> user >> std::ws;
    std::string command;
    std::getline(fields, command);
    jobs.push_back(user + "\t" + command);
  }
  return jobs;
}

class DebianPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir =
        fs::absolute(test::SourceDir() + "/build/deb").lexically_normal();
    if (fs::is_directory(dir)) {
      for (const auto& e : fs::directory_iterator(dir)) {
        std::string name = e.path().filename();
        if (name.rfind("waymark_", 0) == 0 && e.path().extension() == ".deb")
          debs_.push_back(e.path());
      }
    }
    if (debs_.empty())
      GTEST_SKIP() << "NOT RUN: no package in build/deb/. `make test` builds "
                      "it first (and CI with `make deb`); run `make deb` "
                      "before running this test on its own.";
    std::sort(debs_.begin(), debs_.end());
    Status s = test::Sandbox::Create(&sb_, {/*whole_system=*/true});
    if (!s.ok()) GTEST_SKIP() << s.message();
  }

  // Runs `script` as root in the sandbox; fails the test unless it exits 0.
  std::string Run(const std::string& script) {
    CommandResult r = sb_->Bash(script, 300000);
    EXPECT_EQ(r.exit_code, 0) << script << "\n" << r.out << r.err;
    return r.out;
  }
  bool Succeeds(const std::string& script) {
    return sb_->Bash(script).exit_code == 0;
  }

  // Every job of /etc/cron.d/waymark run once as cron would (its user, the
  // file's PATH, sh); true when none printed anything or failed (cron would
  // have mailed nothing).
  bool CronJobsAreSilent(std::string* what) {
    bool silent = true;
    for (const std::string& job :
         CronJobs(sb_->Bash("cat /etc/cron.d/waymark").out)) {
      size_t tab = job.find('\t');
      CommandResult r = sb_->Bash(
          "cd / && runuser -u " + job.substr(0, tab) +
          " -- env -i SHELL=/bin/sh PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c " +
          ShellQuote(job.substr(tab + 1)) + " 2>&1");
      if (r.exit_code != 0 || !r.out.empty()) {
        silent = false;
        *what += job + " -> exit " + std::to_string(r.exit_code) + ": " +
                 r.out + "\n";
      }
    }
    return silent;
  }

  std::vector<std::string> debs_;
  std::unique_ptr<test::Sandbox> sb_;
};

TEST_F(DebianPackageTest, InstallUpgradeRemovePurge) {
  const std::string deb = debs_.back();
  test::TempDir tmp;
  const std::string version =
      Run("dpkg-deb -f " + ShellQuote(deb) + " Version");
  ASSERT_FALSE(version.empty());
  const std::string newer = version.substr(0, version.size() - 1) + "+test1";
  const std::string upgrade = tmp / "waymark-upgrade.deb";
  Run("set -e; d=" + ShellQuote(tmp / "pkg") + "; dpkg-deb -R " +
      ShellQuote(deb) + " $d; sed -i 's/^Version: .*/Version: " + newer +
      "/' $d/DEBIAN/control; dpkg-deb -b --root-owner-group $d " +
      ShellQuote(upgrade) + " >/dev/null");
  // The maintainer scripts never touch the database.
  for (const char* script : {"preinst", "postinst", "prerm", "postrm"}) {
    CommandResult r = sb_->Bash("cat " + ShellQuote(tmp / "pkg/DEBIAN/") +
                                script + " 2>/dev/null");
    for (const char* word : {"psql", "createdb", "waymark db", "pg_"})
      EXPECT_EQ(r.out.find(word), std::string::npos) << script << ": " << word;
  }

  // --- install ------------------------------------------------------------
  ASSERT_FALSE(Succeeds("getent passwd waymark")) << "host has the account";
  Run(std::string(kApt) + "install " + ShellQuote(deb));
  for (const char* f : {"/usr/sbin/waymark-redirector", "/usr/bin/waymark",
                        "/usr/bin/waymark-scan", "/usr/bin/waymark-trace",
                        "/usr/share/man/man8/waymark.8.gz",
                        "/usr/share/man/man8/waymark-redirector.8.gz",
                        "/usr/share/man/man8/waymark-scan.8.gz",
                        "/usr/share/man/man8/waymark-trace.8.gz",
                        "/usr/share/man/man5/waymark.conf.5.gz",
                        "/usr/share/waymark/sql/roles.sql",
                        "/usr/share/waymark/sql/migrations/0001_initial.sql",
                        "/usr/share/waymark/sql/reports/top_files.sql",
                        "/usr/share/doc/waymark/examples/origin.conf",
                        "/usr/share/doc/waymark/examples/mirror.conf",
                        "/usr/share/doc/waymark/examples/waymark.conf",
                        "/usr/share/doc/waymark/copyright",
                        "/etc/cron.d/waymark", "/etc/waymark/waymark.conf"}) {
    EXPECT_TRUE(Succeeds(std::string("test -f ") + f)) << f;
  }
  EXPECT_NE(Run("waymark --version").find("0.2.0"), std::string::npos);
  // The man pages, roles.sql, the unit and the cron file name this
  // layout's paths, which exist, and nothing of /usr/local (make install's).
  {
    const std::string text =
        Run("zcat /usr/share/man/man5/waymark.conf.5.gz "
            "/usr/share/man/man8/waymark*.8.gz; cat "
            "/usr/share/waymark/sql/roles.sql /etc/cron.d/waymark "
            "/lib/systemd/system/waymark-redirector.service");
    const std::vector<std::string> own = test::PathsNamed(
        text, {"/usr/share/waymark", "/usr/share/doc/waymark", "/usr/sbin",
               "/usr/bin", "/lib/systemd/system", "/etc/cron.d"});
    EXPECT_GE(own.size(), 7u) << testing::PrintToString(own);
    for (const std::string& p : own)
      EXPECT_TRUE(Succeeds("test -e " + ShellQuote(p))) << p << " is named";
    EXPECT_EQ(test::PathsNamed(text, {"/usr/local"}),
              std::vector<std::string>{});
  }
  const std::string unit =
      Run("cat /lib/systemd/system/waymark-redirector.service");
  EXPECT_NE(unit.find("\nExecStart=/usr/sbin/waymark-redirector "),
            std::string::npos);
  EXPECT_NE(unit.find("\nKillSignal=SIGQUIT"), std::string::npos);
  // Installed, not enabled (README.Debian: enable it once configured).
  EXPECT_FALSE(
      Succeeds("ls /etc/systemd/system/*.wants/waymark-redirector.service"));
  const std::string conffiles = Run("dpkg-query -W -f='${Conffiles}' waymark");
  EXPECT_NE(conffiles.find("/etc/waymark/waymark.conf "), std::string::npos);
  EXPECT_NE(conffiles.find("/etc/cron.d/waymark "), std::string::npos);
  // The accounts, and the configuration readable by them and root only.
  EXPECT_TRUE(Succeeds("getent passwd waymark | grep -q ':/nonexistent:'"));
  EXPECT_TRUE(Succeeds("getent passwd waymark-scan"));
  EXPECT_EQ(Run("id -nG waymark-scan"), "waymark-scan waymark\n");
  EXPECT_EQ(Run("stat -c '%U:%G %a' /etc/waymark/waymark.conf"),
            "root:waymark 640\n");
  EXPECT_TRUE(
      Succeeds("runuser -u waymark-scan -- cat "
               "/etc/waymark/waymark.conf >/dev/null"));
  EXPECT_FALSE(Succeeds("runuser -u nobody -- cat /etc/waymark/waymark.conf"));
  // postinst prints nothing, on a second run too.
  CommandResult again = sb_->Bash(
      "/var/lib/dpkg/info/waymark.postinst configure " + version + " 2>&1");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "");

  // Unconfigured, the cron jobs do nothing and print nothing; once
  // waymark.conf sets a key, they run (and fail here: no database).
  ASSERT_GE(CronJobs(Run("cat /etc/cron.d/waymark")).size(), 5u);
  std::string what;
  EXPECT_TRUE(CronJobsAreSilent(&what)) << what;
  Run("printf '[database]\\ndsn = host=/nonexistent dbname=waymark\\n' >> "
      "/etc/waymark/waymark.conf");
  what.clear();
  EXPECT_FALSE(CronJobsAreSilent(&what)) << "configured, yet no job ran";

  // --- upgrade: the edited conffile and its permissions stay ---------------
  Run(std::string(kApt) + "install " + ShellQuote(upgrade));
  EXPECT_EQ(Run("dpkg-query -W -f='${Version}' waymark"), newer);
  EXPECT_NE(Run("cat /etc/waymark/waymark.conf").find("host=/nonexistent"),
            std::string::npos);
  EXPECT_EQ(Run("stat -c '%U:%G %a' /etc/waymark/waymark.conf"),
            "root:waymark 640\n");
  // Only a running service is restarted (with the unit's SIGQUIT).
  EXPECT_TRUE(
      Succeeds("grep -q 'deb-systemd-invoke try-restart' "
               "/var/lib/dpkg/info/waymark.postinst"));

  // --- remove: programs gone, configuration kept, cron silent -------------
  Run(std::string(kApt) + "remove waymark");
  EXPECT_FALSE(Succeeds("test -e /usr/sbin/waymark-redirector"));
  EXPECT_FALSE(Succeeds("test -e /usr/bin/waymark"));
  EXPECT_NE(Run("cat /etc/waymark/waymark.conf").find("host=/nonexistent"),
            std::string::npos);
  EXPECT_TRUE(Succeeds("test -f /etc/cron.d/waymark"));
  EXPECT_EQ(Run("dpkg-query -W -f='${db:Status-Abbrev}' waymark"), "rc ");
  what.clear();
  EXPECT_TRUE(CronJobsAreSilent(&what)) << "removed, yet:\n" << what;

  // --- purge: configuration and its override gone, accounts kept ----------
  Run(std::string(kApt) + "purge waymark");
  EXPECT_FALSE(Succeeds("test -e /etc/waymark"));
  EXPECT_FALSE(Succeeds("test -e /etc/cron.d/waymark"));
  EXPECT_FALSE(Succeeds("dpkg-statoverride --list /etc/waymark/waymark.conf"));
  EXPECT_FALSE(Succeeds("dpkg -s waymark"));
  EXPECT_TRUE(Succeeds("getent passwd waymark && getent passwd waymark-scan"));
}

}  // namespace
}  // namespace waymark
