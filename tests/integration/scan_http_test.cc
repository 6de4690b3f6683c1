// waymark-scan over HTTP index pages of a real nginx (autoindex with exact
// and with rounded sizes), and hostile listings from real servers: names
// with CR/LF, links that leave the base path, endlessly deep directories,
// a server that drips bytes, and an rsync module with unservable names.
// Nothing of a rejected entry reaches the database.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>

#include "tests/harness/commands.h"
#include "tests/harness/nginx_server.h"
#include "tests/harness/rsync_daemon.h"
#include "tests/harness/scan_fixture.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::WriteFile;

class ScanHttpTest : public test::ScanFixture {
 protected:
  ScanHttpTest()
      : ScanFixture("[scan]\nio_timeout = 5s\nconnect_timeout = 5s\n") {}

  void SetUp() override {
    ScanFixture::SetUp();
    if (HasFatalFailure()) return;
    Put(repo_, "pub/app-1.0.tar.gz", std::string(3000, 'a'), kT);
    Put(repo_, "pub/big.iso", std::string(300000, 'b'), kT);
    Put(repo_, "pub/deep/er/file name.txt", "spaces & more\n", kT);
    CommandResult r = ScanRepository();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    port_ = test::FreePort();
  }

  void StartNginx(const std::string& locations) {
    Status s = test::NginxServer::Start(
        "server { listen 127.0.0.1:" + std::to_string(port_) + "; " +
            locations + " }",
        &nginx_);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  void AddMirror(const std::string& name, const std::string& http_url,
                 std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--http", http_url});
    MirrorAdd(name, extra);
  }

  int port_ = 0;
  std::unique_ptr<test::NginxServer> nginx_;
};

TEST_F(ScanHttpTest, NginxAutoindexWithExactAndRoundedSizes) {
  std::string m = dir_ / "mirror";
  Put(m, "pub/app-1.0.tar.gz", std::string(3000, 'a'), kT);
  Put(m, "pub/big.iso", std::string(300000, 'b'), kT);
  Put(m, "pub/deep/er/file name.txt", "spaces & more\n", kT);
  Put(m, "pub/other.txt", "x", kT);
  StartNginx("location /exact/ { alias " + m +
             "/; autoindex on; } "
             "location /rounded/ { alias " +
             m + "/; autoindex on; autoindex_exact_size off; }");
  AddMirror("exact", Url("/exact/"));
  AddMirror("rounded", Url("/rounded/"));
  CommandResult r = Scan({"exact", "rounded"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Holds("exact"),
            "pub/app-1.0.tar.gz,pub/big.iso,pub/deep/er/file name.txt\n");
  EXPECT_EQ(Holds("rounded"),
            "pub/app-1.0.tar.gz,pub/big.iso,pub/deep/er/file name.txt\n");
  EXPECT_NE(r.out.find("exact: ok over http in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": 7 entries, holds 3 of 3 files (303014 bytes)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Query("SELECT protocol, entries_seen, files_matched, bytes_matched "
                  "FROM mirror_scans "
                  "ORDER BY mirror_id"),
            "http|7|3|303014\nhttp|7|3|303014\n");

  // A wrong size seen through a rounded listing is found by the HEAD request.
  Put(m, "pub/big.iso", std::string(300001, 'b'), kT);
  r = Scan({"rounded"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Holds("rounded"), "pub/app-1.0.tar.gz,pub/deep/er/file name.txt\n");
  EXPECT_EQ(Query("SELECT problem, mirror_size FROM mirror_file_problems p "
                  "JOIN mirrors m ON "
                  "m.id = p.mirror_id WHERE m.name = 'rounded'"),
            "wrong_size|300001\n");
}

TEST_F(ScanHttpTest, HostilePagesAreBoundedAndRejected) {
  // Every directory URL under /loop/ answers the same page, linking to a
  // subdirectory, hostile names and a file of the inventory.
  std::string www = dir_ / "www";
  WriteFile(
      www + "/loop.html",
      "<html><body><h1>Index of /</h1><hr><pre><a href=\"../\">../</a>\n"
      "<a href=\"pub/\">pub/</a>    01-Jan-2026 00:00    -\n"
      "<a href=\"/etc/\">etc/</a>    01-Jan-2026 00:00    -\n"
      "<a href=\"..%2f..%2fetc/\">up/</a>    01-Jan-2026 00:00    -\n"
      "<a href=\"evil%0d%0aX-Header:%201\">evil</a>    01-Jan-2026 00:00    1\n"
      "<a href=\"huge\">huge</a>    01-Jan-2026 00:00    99999999999999999999\n"
      "<a href=\"app-1.0.tar.gz\">app-1.0.tar.gz</a>    01-Jan-2026 00:00    "
      "3000\n"
      "</pre><hr></body></html>\n");
  WriteFile(www + "/drip.html", std::string(4000, 'x'));
  StartNginx("root " + www +
             "; default_type text/html; "
             "location /loop/ { try_files /loop.html =404; } "
             "location /drip/ { limit_rate 1; try_files /drip.html =404; }");
  AddMirror("loop", Url("/loop/"));
  AddMirror("drip", Url("/drip/"));
  WriteConfig("max_depth = 5\ntimeout = 3s\n");
  CommandResult r = Scan({"loop", "drip"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // The loop is cut at depth 5; only the real file of the inventory counts.
  EXPECT_NE(r.out.find("loop: ok over http"), std::string::npos) << r.out;
  EXPECT_EQ(Holds("loop"), "pub/app-1.0.tar.gz\n");
  EXPECT_NE(r.err.find("loop: rejected "), std::string::npos) << r.err;
  for (const char* why : {"link to another directory", "name with CR or LF",
                          "file link without a size"})
    EXPECT_NE(r.err.find(why), std::string::npos) << why << "\n" << r.err;
  EXPECT_EQ(r.err.find("X-Header"), std::string::npos) << r.err;
  // The dripping server is cut off by scan.timeout, its listing kept (none).
  EXPECT_NE(r.out.find("drip: FAILED over http after "), std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("listing took longer than scan.timeout (last listing kept)"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(Query("SELECT count(*) FROM files WHERE path !~ '^pub/'"), "0\n");
}

// A mirror whose every directory lists 2,000 subdirectories with
// 2,000-byte names drove the scanner to 2.5 GB in 15 s: the queue and the
// set of listed directories had no byte limit. The scan now fails at
// scan.max_listing_bytes (default 256 MiB), names the reason, keeps the
// last good listing, and stays under 512 MB.
TEST_F(ScanHttpTest, AMirrorOfEndlessLongNamedDirectoriesFailsWithinItsMemory) {
  std::string m = dir_ / "mirror";
  Put(m, "pub/app-1.0.tar.gz", std::string(3000, 'a'), kT);
  std::string www = dir_ / "www";
  std::string page =
      "<html><body><h1>Index of /</h1><hr><pre><a href=\"../\">../</a>\n";
  for (int i = 0; i < 2000; ++i) {
    std::string name = std::to_string(i) + std::string(2000, 'd');
    page += "<a href=\"" + name + "/\">" + name.substr(0, 20) +
            "</a>  01-Jan-2026 00:00  -\n";
  }
  WriteFile(www + "/hostile.html", page + "</pre><hr></body></html>\n");
  StartNginx("root " + www +
             "; default_type text/html; "
             "location /good/ { alias " +
             m +
             "/; autoindex on; } "
             "location /hostile/ { try_files /hostile.html =404; }");
  AddMirror("m1", Url("/good/"));
  WriteConfig("timeout = 60s\n");
  CommandResult r = Scan({"m1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(Holds("m1"), "pub/app-1.0.tar.gz\n");

  // The same mirror turns hostile.
  ASSERT_EQ(test::RunWaymark({"-c", config_, "mirror", "edit", "m1", "--http",
                              Url("/hostile/")})
                .exit_code,
            0);
  auto t0 = std::chrono::steady_clock::now();
  SubprocessOptions timed;
  timed.argv = {"/usr/bin/time",
                "-f",
                "peak %M KiB",
                test::BinaryPath("waymark-scan"),
                "-c",
                config_,
                "m1"};
  ASSERT_TRUE(RunCommand(timed, "", 120000, &r).ok());
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("m1: FAILED over http after "), std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("listing needs more than scan.max_listing_bytes (256 MiB)"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(last listing kept)"), std::string::npos) << r.out;
  EXPECT_EQ(Holds("m1"), "pub/app-1.0.tar.gz\n")
      << "the last good listing stays";
  std::smatch peak;
  ASSERT_TRUE(std::regex_search(r.err, peak, std::regex("peak ([0-9]+) KiB")))
      << r.err;
  EXPECT_LT(std::stoll(peak[1]), 512 * 1024) << "KiB at the scanner's peak";
  EXPECT_LT(secs, 60 + 10) << "within scan.timeout + 10 s";
}

TEST_F(ScanHttpTest, RsyncNamesThatCannotBeServedAreRejected) {
  std::string m = dir_ / "mirror";
  Put(m, "pub/app-1.0.tar.gz", std::string(3000, 'a'), kT);
  Put(m, "pub/evil\nname", "x", kT);
  Put(m, "pub/esc\x1b[31m", "x", kT);
  std::unique_ptr<test::RsyncDaemon> rsyncd;
  ASSERT_TRUE(test::RsyncDaemon::Start({{"pub", m, "", ""}}, &rsyncd).ok());
  AddMirror("r1", "http://r1.example.org/", {"--rsync", rsyncd->Url("pub")});
  CommandResult r = Scan({"r1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("holds 1 of 3 files (3000 bytes), 2 entries rejected\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("waymark-scan: r1: rejected 2 listing entries over "
                       "rsync (name with "),
            std::string::npos)
      << r.err;
  WriteConfig("max_entries = 100\n");
  for (int i = 0; i < 120; ++i)
    Put(m, "pub/many/" + std::to_string(i), "x", kT);
  r = Scan({"r1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("listing has more than scan.max_entries (100) entries"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Holds("r1"), "pub/app-1.0.tar.gz\n");  // the last good listing
}

}  // namespace
}  // namespace waymark
