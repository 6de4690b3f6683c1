// waymark-scan NAME... against real mirrors on loopback: a real rsync
// daemon (open and password-protected modules), and the inventory in a
// real PostgreSQL. Full and partial mirrors, wrong sizes, old copies and
// the allowed lag of fast-changing metadata, removed files, a mirror that
// is down (its last listing stays), concurrent scans of one mirror, --enable,
// and no bitmap writes when a listing did not change.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <pqxx/pqxx>
#include <regex>

#include "tests/harness/commands.h"
#include "tests/harness/ftp_server.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/rsync_daemon.h"
#include "tests/harness/scan_fixture.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::RunBinary;
using test::SharedCluster;
using test::WriteFile;

class ScanMirrorTest : public test::ScanFixture {
 protected:
  ScanMirrorTest()
      : ScanFixture(
            "[scan]\nmtime_tolerance = 5m\nio_timeout = 10s\nconnect_timeout = "
            "5s\n") {}

  void SetUp() override {
    ScanFixture::SetUp();
    if (HasFatalFailure()) return;
    // The origin: three files, one of them fast-changing metadata.
    Put(repo_, "pub/app-1.0.tar.gz", std::string(3000, 'a'), kT);
    Put(repo_, "pub/app-1.1.tar.gz", std::string(4000, 'b'), kT);
    Put(repo_, "dists/stable/Release", "Suite: stable\n", kT);
    CommandResult r = ScanRepository();
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A mirror directory that is an exact copy of the origin.
  std::string CopyOfRepo(const std::string& name) {
    std::string d = dir_ / name;
    SubprocessOptions o;
    o.argv = {"cp", "-a", repo_, d};
    CommandResult r;
    EXPECT_TRUE(RunCommand(o, "", 30000, &r).ok());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return d;
  }

  // A mirror at http://NAME.example.org/, listed over `rsync_url` if not "".
  void AddMirror(const std::string& name, const std::string& rsync_url,
                 std::vector<std::string> extra = {}) {
    std::vector<std::string> options = {"--http",
                                        "http://" + name + ".example.org/"};
    if (!rsync_url.empty()) {
      options.push_back("--rsync");
      options.push_back(rsync_url);
    }
    options.insert(options.end(), extra.begin(), extra.end());
    MirrorAdd(name, options);
  }
};

TEST_F(ScanMirrorTest, FullAndPartialMirrorsOverRsync) {
  std::string full = CopyOfRepo("full");
  std::string part = dir_ / "part";
  Put(part, "pub/app-1.0.tar.gz", std::string(2999, 'a'), kT);  // wrong size
  Put(part, "pub/app-1.1.tar.gz", std::string(4000, 'b'),
      kT - 86400);  // a day older
  Put(part, "dists/stable/Release", "Suite: stable\n",
      kT - 3600);  // an hour older
  Put(part, "pub/extra.txt", "not in the inventory", kT);
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  Status s = test::RsyncDaemon::Start(
      {{"full", full, "", ""}, {"part", part, "", ""}}, &rsyncd);
  ASSERT_TRUE(s.ok()) << s.message();
  AddMirror("full1", rsyncd->Url("full"));
  AddMirror("part1", rsyncd->Url("part"));

  CommandResult r = Scan({"--all", "--jobs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("full1: ok over rsync in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": 6 entries, holds 3 of 3 files (7014 bytes)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(": 7 entries, holds 0 of 3 files (0 bytes)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Holds("full1"),
            "dists/stable/Release,pub/app-1.0.tar.gz,pub/app-1.1.tar.gz\n");
  EXPECT_EQ(Holds("part1"), "\n");
  EXPECT_EQ(
      Query("SELECT f.path, p.problem, p.mirror_size, extract(epoch FROM "
            "p.mirror_mtime)::bigint "
            "FROM mirror_file_problems p JOIN files f ON f.id = p.file_id "
            "JOIN mirrors m ON m.id = p.mirror_id WHERE m.name = 'part1' ORDER "
            "BY f.path"),
      "dists/stable/Release|too_old|14|1767222000\n"
      "pub/app-1.0.tar.gz|wrong_size|2999|1767225600\n"
      "pub/app-1.1.tar.gz|too_old|4000|1767139200\n");
  EXPECT_EQ(Query("SELECT m.name, s.protocol, s.ok, s.error, s.entries_seen, "
                  "s.files_matched, "
                  "s.bytes_matched FROM mirror_scans s JOIN mirrors m ON m.id "
                  "= s.mirror_id "
                  "ORDER BY m.name"),
            "full1|rsync|t|NULL|6|3|7014\npart1|rsync|t|NULL|7|0|0\n");
  EXPECT_EQ(Query("SELECT name, last_scan_ok, last_scan_error, "
                  "last_good_scan_at = last_scan_at, "
                  "enabled FROM mirrors ORDER BY name"),
            "full1|t|NULL|t|f\npart1|t|NULL|t|f\n");

  // Metadata may lag: with dists/ allowed two hours, the Release file counts.
  WriteConfig("allowed_lag = dists/=2h\n");
  r = Scan({"part1", "--enable"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Holds("part1"), "dists/stable/Release\n");
  EXPECT_NE(r.out.find("holds 1 of 3 files (14 bytes), enabled\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Query("SELECT enabled FROM mirrors WHERE name = 'part1'"), "t\n");
  EXPECT_EQ(Query("SELECT kind, actor FROM mirror_events e JOIN mirrors m ON "
                  "m.id = e.mirror_id "
                  "WHERE m.name = 'part1' ORDER BY e.id DESC LIMIT 1"),
            "enabled|waymark-scan\n");
}

TEST_F(ScanMirrorTest, RemovedFileAndUnchangedListing) {
  std::string m = CopyOfRepo("m");
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start({{"pub", m, "", ""}}, &rsyncd).ok());
  AddMirror("m1", rsyncd->Url("pub"));
  ASSERT_EQ(Scan({"m1"}).exit_code, 0);
  EXPECT_EQ(Holds("m1"),
            "dists/stable/Release,pub/app-1.0.tar.gz,pub/app-1.1.tar.gz\n");
  // The same listing again: no bitmap row is written, so the redirectors
  // have nothing to reload.
  std::string gen = Query("SELECT files_gen FROM mirrors WHERE name = 'm1'");
  ASSERT_EQ(Scan({"m1"}).exit_code, 0);
  EXPECT_EQ(Query("SELECT files_gen FROM mirrors WHERE name = 'm1'"), gen);
  // The mirror loses a file.
  unlink((m + "/pub/app-1.0.tar.gz").c_str());
  CommandResult r = Scan({"m1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Holds("m1"), "dists/stable/Release,pub/app-1.1.tar.gz\n");
  EXPECT_NE(Query("SELECT files_gen FROM mirrors WHERE name = 'm1'"), gen);
  // The origin changes a file: the mirror no longer holds it, before any
  // mirror scan, and after one that finds the old size.
  Put(repo_, "pub/app-1.1.tar.gz", std::string(4100, 'c'), kT + 60);
  ASSERT_EQ(ScanRepository().exit_code, 0);
  EXPECT_EQ(Holds("m1"), "dists/stable/Release\n");
  ASSERT_EQ(Scan({"m1"}).exit_code, 0);
  EXPECT_EQ(Holds("m1"), "dists/stable/Release\n");
  EXPECT_EQ(Query("SELECT problem, mirror_size FROM mirror_file_problems"),
            "wrong_size|4000\n");
}

TEST_F(ScanMirrorTest, MirrorThatIsDownKeepsItsLastListing) {
  std::string m = CopyOfRepo("m");
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start({{"pub", m, "", ""}}, &rsyncd).ok());
  AddMirror("m1", rsyncd->Url("pub"));
  AddMirror("nourl", "");
  ASSERT_EQ(Scan({"m1"}).exit_code, 0);
  std::string good =
      Query("SELECT last_good_scan_at FROM mirrors WHERE name = 'm1'");
  rsyncd->Stop();
  CommandResult r = Scan({"m1", "nourl", "--protocol", "rsync"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("m1: FAILED over rsync after "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(last listing kept)\n"), std::string::npos) << r.out;
  // The time it took depends on the machine's load.
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("nourl: FAILED after [0-9]+\\.[0-9] s: no URL to scan "
                        "for the protocols "
                        "tried \\(rsync\\) \\(last listing kept\\)\n")))
      << r.out;
  EXPECT_EQ(Holds("m1"),
            "dists/stable/Release,pub/app-1.0.tar.gz,pub/app-1.1.tar.gz\n");
  EXPECT_EQ(Query("SELECT last_scan_ok, last_scan_error LIKE 'rsync: rsync "
                  "exited with status %', "
                  "last_good_scan_at FROM mirrors WHERE name = 'm1'"),
            "f|t|" + good);
  EXPECT_EQ(Query("SELECT ok, protocol, error IS NOT NULL FROM mirror_scans s "
                  "JOIN mirrors m ON "
                  "m.id = s.mirror_id WHERE m.name = 'm1' ORDER BY s.id"),
            "t|rsync|f\nf|rsync|t\n");
  // An unknown name is an error before anything is scanned.
  r = Scan({"m1", "nosuch"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark-scan: mirror 'nosuch' not found\n");
}

TEST_F(ScanMirrorTest, PasswordProtectedModule) {
  std::string m = CopyOfRepo("m");
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(
      test::RsyncDaemon::Start({{"sec", m, "mirror", "s3cr3t-pw"}}, &rsyncd)
          .ok());
  std::string url = rsyncd->Url("sec");
  AddMirror("good", "rsync://mirror:s3cr3t-pw@" + url.substr(8));
  AddMirror("bad", "rsync://mirror:wr0ng-pw@" + url.substr(8));
  CommandResult r = Scan({"good", "bad", "--protocol", "rsync"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Holds("good"),
            "dists/stable/Release,pub/app-1.0.tar.gz,pub/app-1.1.tar.gz\n");
  EXPECT_EQ(Holds("bad"), "\n");
  EXPECT_NE(r.out.find("bad: FAILED over rsync"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("auth failed on module sec"), std::string::npos)
      << r.out;
  for (const std::string& text :
       {r.out, r.err,
        Query("SELECT string_agg(coalesce(error, ''), ' ') "
              "FROM mirror_scans")}) {
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
    EXPECT_EQ(text.find("wr0ng"), std::string::npos) << text;
  }
}

TEST_F(ScanMirrorTest, ConcurrentScanOfOneMirrorIsRefused) {
  std::string m = CopyOfRepo("m");
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start({{"pub", m, "", ""}}, &rsyncd).ok());
  AddMirror("m1", rsyncd->Url("pub"));
  int id = std::stoi(Query("SELECT id FROM mirrors WHERE name = 'm1'"));
  pqxx::connection holder(dsn_);
  pqxx::nontransaction tx(holder);
  ASSERT_TRUE(
      tx.exec_params1("SELECT pg_try_advisory_lock(1465470257, $1)", id)[0]
          .as<bool>());
  CommandResult r = Scan({"m1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_match(
      r.out, std::regex("m1: FAILED after [0-9]+\\.[0-9] s: another scan of "
                        "this mirror is running "
                        "\\(last listing kept\\)\n")))
      << r.out;
  EXPECT_EQ(Query("SELECT count(*) FROM mirror_scans"), "0\n");
  tx.exec_params("SELECT pg_advisory_unlock(1465470257, $1)", id);
  EXPECT_EQ(Scan({"m1"}).exit_code, 0);
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

TEST_F(ScanMirrorTest, FtpMirrorAndProtocolOrder) {
  std::string m = CopyOfRepo("m");
  Put(m, "pub/app-1.0.tar.gz", std::string(2000, 'a'), kT);  // wrong size
  std::unique_ptr<test::FtpServer> ftpd;
  Status s = test::FtpServer::Start(m, &ftpd);
  ASSERT_TRUE(s.ok()) << s.message();
  // rsync first, but nothing listens there: FTP lists instead.
  int dead = test::FreePort();
  AddMirror("f1", "rsync://127.0.0.1:" + std::to_string(dead) + "/pub/",
            {"--ftp", ftpd->Url("")});
  CommandResult r = Scan({"f1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("f1: ok over ftp in "), std::string::npos) << r.out;
  EXPECT_NE(
      r.err.find(
          "waymark-scan: f1: rsync listing failed: rsync exited with status "),
      std::string::npos)
      << r.err;
  EXPECT_EQ(Holds("f1"), "dists/stable/Release,pub/app-1.1.tar.gz\n");
  EXPECT_EQ(Query("SELECT problem, mirror_size FROM mirror_file_problems"),
            "wrong_size|2000\n");
  EXPECT_EQ(
      Query(
          "SELECT protocol, ok, entries_seen, files_matched FROM mirror_scans"),
      "ftp|t|6|2\n");
  // --protocol rsync alone fails, and keeps the FTP listing.
  r = Scan({"f1", "--protocol", "rsync"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Holds("f1"), "dists/stable/Release,pub/app-1.1.tar.gz\n");
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

TEST_F(ScanMirrorTest, FileListAndShowSayWhoHoldsAFileAndWhyNot) {
  std::string full = CopyOfRepo("full");
  std::string part = dir_ / "part";
  Put(part, "pub/app-1.0.tar.gz", std::string(2999, 'a'), kT);
  Put(part, "pub/app-1.1.tar.gz", std::string(4000, 'b'), kT - 86400);
  ASSERT_EQ(symlink("app-1.1.tar.gz", (repo_ + "/pub/latest.tar.gz").c_str()),
            0);
  ASSERT_EQ(ScanRepository().exit_code, 0);
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start(
                  {{"full", full, "", ""}, {"part", part, "", ""}}, &rsyncd)
                  .ok());
  AddMirror("full1", rsyncd->Url("full"));
  AddMirror("part1", rsyncd->Url("part"));
  AddMirror("zzz-new", rsyncd->Url("part"));
  ASSERT_EQ(Scan({"full1", "part1"}).exit_code, 0);

  CommandResult r = test::RunWaymark({"-c", config_, "file", "list", "pub/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "PATH                SIZE  MTIME (UTC)          MIRRORS\n"
            "pub/app-1.0.tar.gz  3000  2026-01-01 00:00:00  1\n"
            "pub/app-1.1.tar.gz  4000  2026-01-01 00:00:00  1\n");
  r = test::RunWaymark({"-c", config_, "file", "show", "/pub/latest.tar.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("path:      pub/app-1.1.tar.gz\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("aliases:   pub/latest.tar.gz\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("mirrors:   1 of 3 hold it\n"), std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find(
          "\nsha256:    "
          "488c3c0aa47c6eb3e4f0154f6d0ff747ceaa57d0a6ebaaf00c0a03ce5cadbb0b\n"),
      std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find(
          "MIRROR   ENABLED  STATE          MIRROR SIZE  MIRROR MTIME (UTC)\n"
          "full1    no       holds          -            -\n"
          "part1    no       too old        4000         2025-12-31 00:00:00\n"
          "zzz-new  no       never scanned  -            -\n"),
      std::string::npos)
      << r.out;
  r = test::RunWaymark(
      {"-c", config_, "file", "show", "pub/app-1.0.tar.gz", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"state\": \"wrong size\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"mirror_size\": 2999"), std::string::npos) << r.out;
  // A file the part mirror simply lacks.
  r = test::RunWaymark({"-c", config_, "file", "show", "dists/stable/Release"});
  EXPECT_NE(r.out.find("part1    no       missing"), std::string::npos)
      << r.out;
  r = test::RunWaymark({"-c", config_, "file", "show", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark: file 'nope' is not in the inventory\n");
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

TEST_F(ScanMirrorTest, SavedListingFile) {
  AddMirror("saved", "");
  WriteFile(
      dir_ / "listing.txt",
      "drwxr-xr-x          4096 2026/01/01 00:00:00 .\n"
      "-rw-r--r--          3000 2026/01/01 00:00:00 pub/app-1.0.tar.gz\n"
      "-rw-r--r--          4000 2026/01/01 00:00:00 pub/../../etc/shadow\n"
      "-rw-r--r--            14 2026/01/01 00:00:00 dists/stable/Release");
  CommandResult r = Scan({"saved", "--listing", dir_ / "listing.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Holds("saved"), "dists/stable/Release,pub/app-1.0.tar.gz\n");
  EXPECT_NE(r.out.find("saved: ok over rsync in "), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find(
          ": 2 entries, holds 2 of 3 files (3014 bytes), 1 entries rejected\n"),
      std::string::npos)
      << r.out;
  r = Scan({"--all", "--listing", dir_ / "listing.txt"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark-scan: --listing FILE goes with one mirror NAME\n");
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

// Everything the scans write is allowed to the waymark_scanner role of
// sql/roles.sql, and needs nothing more.
TEST_F(ScanMirrorTest, ScansRunAsTheScannerRole) {
  ASSERT_TRUE(
      SharedCluster()
          ->ExecSql(
              dsn_,
              "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
              "'wm_test_scanner') THEN CREATE ROLE wm_test_scanner LOGIN IN "
              "ROLE "
              "waymark_scanner; END IF; END $$")
          .ok());
  std::string m = CopyOfRepo("m");
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start({{"pub", m, "", ""}}, &rsyncd).ok());
  AddMirror("m1", rsyncd->Url("pub"));
  AddMirror("m2",
            "rsync://127.0.0.1:" + std::to_string(test::FreePort()) + "/none/");
  std::string as_scanner = dsn_;
  size_t user = as_scanner.find("user=postgres");
  ASSERT_NE(user, std::string::npos) << dsn_;
  as_scanner.replace(user, 13, "user=wm_test_scanner");
  std::string dsn_opt = "--database.dsn=" + as_scanner;
  // A repository scan that adds, changes and removes files and aliases.
  Put(repo_, "pub/new.txt", "new", kT);
  Put(repo_, "pub/app-1.1.tar.gz", std::string(10, 'z'), kT + 5);
  unlink((repo_ + "/dists/stable/Release").c_str());
  ASSERT_EQ(symlink("new.txt", (repo_ + "/pub/latest.txt").c_str()), 0);
  CommandResult r =
      RunBinary("waymark-scan", {"-c", config_, dsn_opt, "--repository"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "repository: 3 files (1 new, 1 changed, 1 removed), 1 aliases (1 "
            "changed), 2 hashed "
            "(0 MiB)\n");
  r = RunBinary("waymark-scan", {"-c", config_, dsn_opt, "--all", "--enable",
                                 "--protocol", "rsync"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // m2 is down
  EXPECT_NE(r.out.find("m1: ok over rsync"), std::string::npos)
      << r.out << r.err;
  EXPECT_NE(r.out.find("m2: FAILED over rsync"), std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(r.err.find("cannot record"), std::string::npos) << r.err;
  EXPECT_EQ(Holds("m1"), "pub/app-1.0.tar.gz\n");
  EXPECT_EQ(
      Query("SELECT name, enabled, last_scan_ok FROM mirrors ORDER BY name"),
      "m1|t|t\nm2|f|f\n");
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

TEST_F(ScanMirrorTest, PerMirrorProtocolOrder) {
  std::string m = CopyOfRepo("m");
  std::unique_ptr<test::FtpServer> ftpd;
  ASSERT_TRUE(test::FtpServer::Start(m, &ftpd).ok());
  int dead = test::FreePort();
  std::string rsync = "rsync://127.0.0.1:" + std::to_string(dead) + "/pub/";
  CommandResult r = test::RunWaymark(
      {"-c", config_, "mirror", "add", "f1", "--no-geoip", "--http",
       "http://f1.example.org/", "--rsync", rsync, "--ftp", ftpd->Url(""),
       "--scan-protocols", "rsync,rsync"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: --scan-protocols: 'rsync,rsync' is not a list of rsync, "
            "ftp and http, each "
            "at most once\n");
  AddMirror("f1", rsync,
            {"--ftp", ftpd->Url(""), "--scan-protocols", "FTP,rsync"});
  r = test::RunWaymark({"-c", config_, "mirror", "show", "f1"});
  EXPECT_NE(r.out.find("\nscan:          ftp,rsync\n"), std::string::npos)
      << r.out;
  r = Scan({"f1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("f1: ok over ftp"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // rsync, first by default, was not tried
  ASSERT_EQ(test::RunWaymark(
                {"-c", config_, "mirror", "edit", "f1", "--scan-protocols", ""})
                .exit_code,
            0);
  EXPECT_EQ(Query("SELECT scan_protocols IS NULL FROM mirrors"), "t\n");
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

std::string ReadProcFile(const std::string& path) {
  std::string s = test::ReadFile(path);
  for (char& c : s)
    if (c == '\0') c = ' ';
  return s;
}

// The password of an rsync URL goes to the client in RSYNC_PASSWORD, never
// on its command line (which every local user can read in /proc); and a
// server that accepts the connection but never speaks fails the scan after
// scan.io_timeout.
TEST_F(ScanMirrorTest, RsyncPasswordStaysOffTheProcessList) {
  test::SilentListener silent;  // the client waits for a greeting forever
  AddMirror("silent", "rsync://mirror:pr0cl1st-secret@127.0.0.1:" +
                          std::to_string(silent.port()) + "/pub/");
  auto scan = std::async(std::launch::async, [&] {
    return Scan({"silent", "--protocol", "rsync", "--scan.io_timeout=3s"});
  });
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    usleep(50000);
    DIR* proc = opendir("/proc");
    ASSERT_NE(proc, nullptr);
    while (dirent* e = readdir(proc)) {
      std::string pid = e->d_name;
      if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmdline = ReadProcFile("/proc/" + pid + "/cmdline");
      if (cmdline.find("--list-only") == std::string::npos ||
          cmdline.find("127.0.0.1:" + std::to_string(silent.port())) ==
              std::string::npos)
        continue;
      seen = true;
      EXPECT_EQ(cmdline.find("pr0cl1st-secret"), std::string::npos) << cmdline;
      EXPECT_NE(cmdline.find("rsync://mirror@127.0.0.1:"), std::string::npos)
          << cmdline;
      EXPECT_NE(ReadProcFile("/proc/" + pid + "/environ")
                    .find("RSYNC_PASSWORD=pr0cl1st-secret"),
                std::string::npos);
    }
    closedir(proc);
  }
  EXPECT_TRUE(seen) << "the rsync client was never seen running";
  CommandResult r = scan.get();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("silent: FAILED over rsync after "), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("pr0cl1st"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("pr0cl1st"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

// The repository changes while a mirror is being listed: the listing was
// matched against the old inventory, so the files that changed since (and
// an id handed to a new file) must not count as held after the swap.
TEST_F(ScanMirrorTest, RepositoryChangeDuringAListingIsNotMisattributed) {
  AddMirror("slow", "");
  std::string fifo = dir_ / "listing.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(
      Query("SELECT string_agg(path || '=' || id, ',' ORDER BY id) FROM files"),
      "dists/stable/Release=0,pub/app-1.0.tar.gz=1,pub/app-1.1.tar.gz=2\n");
  auto scan = std::async(std::launch::async, [&] {
    return Scan({"slow", "--listing", fifo});
  });
  // Opening the FIFO waits for the scanner, which opens it after it read
  // the inventory.
  int fd = open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  // Now the origin changes: app-1.1 grows, app-1.0 goes and a new file
  // takes its id 1.
  Put(repo_, "pub/app-1.1.tar.gz", std::string(4500, 'b'), kT + 60);
  unlink((repo_ + "/pub/app-1.0.tar.gz").c_str());
  Put(repo_, "pub/app-2.0.tar.gz", std::string(3000, 'n'), kT);
  CommandResult rr = ScanRepository();
  ASSERT_EQ(rr.exit_code, 0) << rr.err;
  ASSERT_EQ(
      Query("SELECT string_agg(path || '=' || id, ',' ORDER BY id) FROM files"),
      "dists/stable/Release=0,pub/app-2.0.tar.gz=1,pub/app-1.1.tar.gz=2\n");
  // The mirror still has the old files, as the inventory had them.
  std::string listing =
      "-rw-r--r--          3000 2026/01/01 00:00:00 pub/app-1.0.tar.gz\n"
      "-rw-r--r--          4000 2026/01/01 00:00:00 pub/app-1.1.tar.gz\n"
      "-rw-r--r--            14 2026/01/01 00:00:00 dists/stable/Release\n";
  ASSERT_EQ(write(fd, listing.data(), listing.size()),
            static_cast<ssize_t>(listing.size()));
  close(fd);
  CommandResult r = scan.get();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Holds("slow"), "dists/stable/Release\n");
  EXPECT_NE(r.out.find("holds 1 of 3 files"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

// vsftpd lists names as they are: a name with a newline splits its LIST
// line in two. The halves are rejected or name no file of the inventory;
// nothing of them reaches the database.
TEST_F(ScanMirrorTest, FtpNamesWithControlBytes) {
  std::string m = CopyOfRepo("m");
  Put(m, "pub/evil\nname", "x", kT);
  Put(m, "pub/bell\x07", "x", kT);
  std::unique_ptr<test::FtpServer> ftpd;
  ASSERT_TRUE(test::FtpServer::Start(m, &ftpd).ok());
  AddMirror("f1", "", {"--ftp", ftpd->Url("")});
  CommandResult r = Scan({"f1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Holds("f1"),
            "dists/stable/Release,pub/app-1.0.tar.gz,pub/app-1.1.tar.gz\n");
  EXPECT_NE(r.err.find("waymark-scan: f1: rejected "), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos);
  EXPECT_EQ(Query("SELECT count(*) FROM mirror_file_problems"), "0\n");
  EXPECT_EQ(Query("SELECT count(*) FROM files"), "3\n");
}

}  // namespace
}  // namespace waymark
