// waymark-trace end to end: real mirrors (virtual hosts and paths of real
// nginx on loopback, IPv4 and ::1, HTTP and HTTPS with a self-signed
// certificate), the real waymark-trace binary, the real inventory in
// PostgreSQL, and for staleness the real redirector behind nginx.
#include <gtest/gtest.h>
#include <netdb.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/store/db.h"
#include "tests/harness/commands.h"
#include "tests/harness/nginx_server.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::NginxServer;
using test::RedirectorStack;

long long Now() { return static_cast<long long>(std::time(nullptr)); }

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::StackOptions o;
    // Short timeouts for the tests (the command line may still override).
    o.redirector_config = {"[trace]", "timeout = 5", "connect_timeout = 2"};
    Status s = RedirectorStack::Create(o, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
    origin_ = Now();
    test::WriteFile(stack_->repository() + "/mirrorsync",
                    std::to_string(origin_) + "\n");
    s = Database::Connect(stack_->dsn(), &db_);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // One nginx for the test's mirrors; docroots under www/.
  void StartMirrors(const std::string& servers) {
    Status s = NginxServer::Start(servers, &nginx_);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  std::string Www(const std::string& rel) const {
    return nginx_->dir() + "/www/" + rel;
  }
  // A mirror's copy of the trace file, `age` seconds behind the origin's.
  void WriteTrace(const std::string& mirror, long long age) {
    test::WriteFile(Www(mirror + "/mirrorsync"),
                    std::to_string(origin_ - age) + "\n");
  }

  void AddMirror(const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> all = {"mirror", "add", name, "--no-geoip"};
    all.insert(all.end(), args.begin(), args.end());
    CommandResult r = stack_->Waymark(all);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = stack_->Waymark({"mirror", "enable", name});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  CommandResult Trace(std::vector<std::string> args) {
    std::vector<std::string> all = {"-c", stack_->config_path()};
    all.insert(all.end(), args.begin(), args.end());
    return test::RunBinary("waymark-trace", all);
  }

  // The first column of the first row, "NULL" for null, "" for no row.
  std::string Query(const std::string& sql) {
    try {
      pqxx::nontransaction tx(db_->conn());
      pqxx::result r = tx.exec(sql);
      if (r.empty()) return "";
      return r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
    } catch (const std::exception& e) {
      ADD_FAILURE() << sql << ": " << e.what();
      return "";
    }
  }
  // "up|reason|failures|successes" of one health row.
  std::string Health(const std::string& mirror, const std::string& scheme,
                     int family) {
    return Query(
        "SELECT h.up || '|' || coalesce(h.reason, '') || '|' || h.failures || "
        "'|' || "
        "h.successes FROM mirror_health h JOIN mirrors m ON m.id = h.mirror_id "
        "WHERE m.name = '" +
        mirror + "' AND scheme = '" + scheme +
        "' AND family = " + std::to_string(family));
  }
  // The admin's detail of one health row ("" for none).
  std::string Detail(const std::string& mirror, const std::string& scheme,
                     int family) {
    return Query(
        "SELECT coalesce(h.detail, '') FROM mirror_health h JOIN mirrors m "
        "ON m.id = h.mirror_id WHERE m.name = '" +
        mirror + "' AND scheme = '" + scheme +
        "' AND family = " + std::to_string(family));
  }
  std::string Events(const std::string& mirror) {
    return Query(
        "SELECT string_agg(kind || ': ' || message, E'\\n' ORDER BY e.id) "
        "FROM mirror_events e JOIN mirrors m ON m.id = e.mirror_id "
        "WHERE m.name = '" +
        mirror + "' AND actor = 'waymark-trace'");
  }
  long long Lag(const std::string& mirror) {
    std::string v =
        Query("SELECT trace_lag FROM mirrors WHERE name = '" + mirror + "'");
    return v == "NULL" || v.empty() ? -1 : std::stoll(v);
  }

  long long origin_ = 0;  // the origin's trace time
  std::unique_ptr<RedirectorStack> stack_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<NginxServer> nginx_;
};

TEST_F(TraceTest, MirrorThatStopsAnsweringGoesDownAfterNChecksAndUpAfterM) {
  int port = test::FreePort();
  std::string conf = "server { listen 127.0.0.1:" + std::to_string(port) +
                     "; root @DIR@/www; }";
  StartMirrors(conf);
  WriteTrace("m1", 30);
  AddMirror("m1",
            {"--http", "http://127.0.0.1:" + std::to_string(port) + "/m1/"});
  std::vector<std::string> policy = {"--trace.fail_after=3",
                                     "--trace.recover_after=2", "--all"};

  CommandResult r = Trace(policy);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Health("m1", "http", 4), "true||0|1");
  EXPECT_EQ(Health("m1", "http", 6), "false|no IPv6 address|0|0");
  EXPECT_EQ(Lag("m1"), 30);
  EXPECT_NE(Query("SELECT latency_ms FROM mirror_health WHERE family = 4"),
            "NULL");
  EXPECT_NE(r.out.find("m1      http    v4  up"), std::string::npos) << r.out;

  // The mirror stops answering: refused twice, still up; the third time down.
  std::string saved = nginx_->dir();
  nginx_->Stop();
  for (int i = 1; i <= 2; ++i) {
    r = Trace(policy);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(Health("m1", "http", 4),
              "true|connection refused|" + std::to_string(i) + "|0");
  }
  r = Trace(policy);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("m1", "http", 4), "false|connection refused|3|0");
  EXPECT_NE(r.out.find("m1: HTTP over IPv4 down after 3 checks failed in a "
                       "row: connection refused"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Query("SELECT trace_error FROM mirrors"), "connection refused");
  r = stack_->Waymark({"mirror", "show", "m1"});
  EXPECT_NE(r.out.find("\nfreshness:     fresh, 30 s behind the origin (limit "
                       "3600 s), trace of "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" UTC; last check: connection refused\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nhealth:        HTTP over IPv4: down since "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" UTC: connection refused\n               HTTP over "
                       "IPv6: not offered (no IPv6 address), checked "),
            std::string::npos)
      << r.out;
  r = stack_->Waymark({"mirror", "show", "m1", "--json"});
  auto shown = nlohmann::json::parse(r.out);
  EXPECT_EQ(shown["freshness"]["lag"], 30);
  EXPECT_EQ(shown["freshness"]["stale"], false);
  EXPECT_EQ(shown["freshness"]["error"], "connection refused");
  ASSERT_EQ(shown["health"].size(), 2u);
  EXPECT_EQ(shown["health"][0]["up"], false);
  EXPECT_EQ(shown["health"][0]["reason"], "connection refused");

  // Back: one good check is not enough, the second brings it up.
  nginx_.reset();
  StartMirrors(conf);
  WriteTrace("m1", 5);
  r = Trace(policy);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Health("m1", "http", 4), "false|connection refused|0|1");
  r = Trace(policy);
  EXPECT_EQ(Health("m1", "http", 4), "true||0|2");
  EXPECT_EQ(Query("SELECT trace_error FROM mirrors"), "NULL");
  EXPECT_EQ(Events("m1"),
            "up: HTTP over IPv4 up (first check)\n"
            "down: HTTP over IPv6 not offered: no IPv6 address\n"
            "down: HTTP over IPv4 down after 3 checks failed in a row: "
            "connection refused\n"
            "up: HTTP over IPv4 up after 2 checks in a row (was down: "
            "connection refused)");
  r = stack_->Waymark({"mirror", "log", "m1"});
  EXPECT_NE(r.out.find("HTTP over IPv4 down after 3 checks failed in a row: "
                       "connection refused"),
            std::string::npos)
      << r.out;
}

TEST_F(TraceTest, SilentMirrorTimesOut) {
  test::SilentListener mute;  // the handshake completes, nobody answers
  AddMirror("mute", {"--http",
                     "http://127.0.0.1:" + std::to_string(mute.port()) + "/"});
  auto t0 = std::chrono::steady_clock::now();
  CommandResult r = Trace({"--trace.timeout=1", "mute"});
  auto took = std::chrono::steady_clock::now() - t0;

  // While one run waits on the silent mirror, a second one refuses to run:
  // both would count the same failures.
  SubprocessOptions o;
  o.argv = {test::BinaryPath("waymark-trace"), "-c", stack_->config_path(),
            "--trace.timeout=3", "mute"};
  o.env = {"WAYMARK_CONFIG="};
  o.capture_output = true;
  std::unique_ptr<Subprocess> first;
  ASSERT_TRUE(Subprocess::Start(o, &first).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  CommandResult second = Trace({"mute"});
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_EQ(second.err,
            "waymark-trace: another waymark-trace is checking the mirrors\n");
  int code = -1;
  EXPECT_TRUE(first->Wait(10000, &code).ok());
  EXPECT_EQ(code, 1);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("mute", "http", 4), "false|timeout after 3 s|2|0");
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(Lag("mute"), -1);
  EXPECT_EQ(Query("SELECT trace_error FROM mirrors"), "timeout after 3 s");
}

TEST_F(TraceTest, TraceFormatsAndBadTraceFiles) {
  int port = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www; }");
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
  // Debian's format: a `date -u` line, two minutes old.
  char debian[64];
  std::time_t t = static_cast<std::time_t>(origin_ - 120);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(debian, sizeof debian,
                "%a %b %e %H:%M:%S UTC %Y\nDate: whatever\n", &tm);
  test::WriteFile(Www("deb/mirrorsync"), debian);
  test::WriteFile(Www("garbage/mirrorsync"), "<html>oops</html>\n");
  test::WriteFile(Www("empty/mirrorsync"), "");
  test::WriteFile(Www("future/mirrorsync"),
                  std::to_string(Now() + 7200) + "\n");
  test::WriteFile(Www("none/.keep"), "");
  // Quotes, backslashes, braces and commas survive the trip to the database.
  test::WriteFile(Www("quotes/mirrorsync"), "a \"b\" \\ {c}, d\n");
  for (const char* m : {"deb", "garbage", "empty", "future", "none", "quotes"})
    AddMirror(m, {"--http", base + m + "/"});

  CommandResult r = Trace({"--all", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Health("deb", "http", 4), "true||0|1");
  EXPECT_EQ(Lag("deb"), 120);
  // The public reason is a phrase; what the mirror sent is the detail.
  EXPECT_EQ(Health("garbage", "http", 4), "false|not a trace file|1|0");
  EXPECT_EQ(Detail("garbage", "http", 4),
            "bad trace: not a trace file: '<html>oops</html>'");
  EXPECT_EQ(Health("empty", "http", 4), "false|empty trace file|1|0");
  EXPECT_EQ(Health("none", "http", 4), "false|HTTP 404|1|0");
  EXPECT_EQ(Detail("none", "http", 4), "");
  EXPECT_EQ(Health("quotes", "http", 4), "false|not a trace file|1|0");
  EXPECT_EQ(Detail("quotes", "http", 4),
            "bad trace: not a trace file: 'a \"b\" \\ {c}, d'");
  EXPECT_EQ(Query("SELECT trace_detail FROM mirrors WHERE name = 'quotes'"),
            "bad trace: not a trace file: 'a \"b\" \\ {c}, d'");
  std::string future = Health("future", "http", 4);
  EXPECT_EQ(future.rfind("false|trace file is 7", 0), 0u) << future;
  EXPECT_NE(future.find(" s in the future|1|0"), std::string::npos) << future;
  for (const char* m : {"garbage", "empty", "future", "none"}) {
    EXPECT_EQ(Lag(m), -1) << m;
    EXPECT_NE(
        Query(std::string("SELECT trace_error FROM mirrors WHERE name = '") +
              m + "'"),
        "NULL");
  }

  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["failed"].get<bool>());
  ASSERT_EQ(j["mirrors"].size(), 6u);
  const auto& deb = j["mirrors"][0];
  EXPECT_EQ(deb["name"], "deb");
  EXPECT_EQ(deb["freshness"], "fresh");
  EXPECT_EQ(deb["failed"], false);
  EXPECT_EQ(deb["checks"][0]["result"], "ok");
  EXPECT_EQ(deb["checks"][0]["url"], base + "deb/mirrorsync");
  EXPECT_EQ(deb["checks"][1]["result"], "not_offered");
  EXPECT_EQ(deb["checks"][1]["reason"], "no IPv6 address");
  nlohmann::json empty = j["mirrors"][1];
  EXPECT_EQ(empty["name"], "empty");
  EXPECT_EQ(empty["freshness"], "unknown");
  EXPECT_EQ(empty["checks"][0]["reason"], "empty trace file");
  EXPECT_EQ(empty["checks"][0]["detail"], "bad trace: empty trace file");
}

TEST_F(TraceTest, HttpsMirrorNeedsItsCa) {
  int port = test::FreePort();
  test::TempDir tls;
  SubprocessOptions o;
  o.argv = {
      "openssl",  "req",           "-x509",   "-newkey",
      "rsa:2048", "-nodes",        "-days",   "2",
      "-subj",    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout",  tls / "key.pem", "-out",    tls / "cert.pem"};
  CommandResult c;
  ASSERT_TRUE(RunCommand(o, "", 60000, &c).ok());
  ASSERT_EQ(c.exit_code, 0) << c.err;
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               " ssl; root @DIR@/www;\n"
               "  ssl_certificate " +
               (tls / "cert.pem") + "; ssl_certificate_key " +
               (tls / "key.pem") + "; }");
  WriteTrace("s", 10);
  AddMirror("s",
            {"--https", "https://127.0.0.1:" + std::to_string(port) + "/s/"});

  CommandResult r = Trace({"s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("s", "https", 4), "false|TLS error|1|0");
  EXPECT_EQ(Detail("s", "https", 4),
            "TLS error: SSL certificate problem: self-signed certificate");
  EXPECT_EQ(Health("s", "http", 4), "");
  EXPECT_EQ(Lag("s"), -1);

  r = Trace({"s", "--trace.ca_file=" + (tls / "missing.pem")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark-trace: trace.ca_file: cannot read " +
                       (tls / "missing.pem") + ": No such file or directory\n");
  // Not a certificate: HTTPS checks fail with the reason.
  test::WriteFile(tls / "junk.pem", "junk\n");
  r = Trace({"s", "--trace.ca_file=" + (tls / "junk.pem")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("s", "https", 4), "false|TLS error|2|0");
  EXPECT_EQ(
      Detail("s", "https", 4),
      "TLS error: cannot read the CA certificates in " + (tls / "junk.pem"));

  r = Trace({"s", "--trace.recover_after=1",
             "--trace.ca_file=" + (tls / "cert.pem")});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Health("s", "https", 4), "true||0|1");
  EXPECT_EQ(Lag("s"), 10);
}

TEST_F(TraceTest, EachIpFamilyIsCheckedOnItsOwn) {
  int p4 = test::FreePort(), p6 = test::FreePort();
  StartMirrors("server { listen [::1]:" + std::to_string(p6) +
               "; root @DIR@/www; }\n"
               "server { listen 127.0.0.1:" +
               std::to_string(p4) + "; root @DIR@/www; }");
  WriteTrace("v6", 20);
  WriteTrace("both", 20);
  AddMirror("v6", {"--http", "http://[::1]:" + std::to_string(p6) + "/v6/"});
  // "localhost" has an IPv4 and an IPv6 address; nginx answers on IPv4 only.
  AddMirror("both",
            {"--http", "http://localhost:" + std::to_string(p4) + "/both/"});

  CommandResult r = Trace({"--all"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(Health("v6", "http", 6), "true||0|1");
  EXPECT_EQ(Health("v6", "http", 4), "false|no IPv4 address|0|0");
  EXPECT_EQ(Health("both", "http", 4), "true||0|1");
  EXPECT_EQ(Health("both", "http", 6), "false|connection refused|1|0");
  EXPECT_EQ(Lag("v6"), 20);
  EXPECT_EQ(Lag("both"), 20);
}

// A name with an IPv4 address and none for IPv6 (from /etc/hosts, there is
// no DNS here): "not offered" over IPv6, not down, and no failure for cron
// to mail about.
TEST_F(TraceTest, HostWithoutIpv6IsNotOfferedOverIpv6) {
  std::string name;
  std::istringstream hosts(test::ReadFile("/etc/hosts"));
  std::string line;
  while (name.empty() && std::getline(hosts, line)) {
    std::istringstream words(line);
    std::string address, alias;
    if (!(words >> address) || address.rfind("127.", 0) != 0) continue;
    while (words >> alias && alias[0] != '#') {
      // libcurl answers "localhost" itself, with both families.
      if (alias == "localhost" || alias.find(".localhost") != std::string::npos)
        continue;
      addrinfo hints{}, *res = nullptr;
      hints.ai_family = AF_INET6;
      if (getaddrinfo(alias.c_str(), nullptr, &hints, &res) == 0) {
        freeaddrinfo(res);
        continue;
      }
      name = alias;
      break;
    }
  }
  if (name.empty()) GTEST_SKIP() << "no IPv4-only loopback name in /etc/hosts";
  int p4 = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(p4) +
               "; root @DIR@/www; }");
  WriteTrace("v4only", 20);
  AddMirror("v4only", {"--http", "http://" + name + ":" + std::to_string(p4) +
                                     "/v4only/"});
  CommandResult r = Trace({"--all"});
  EXPECT_EQ(r.exit_code, 0) << name << ": " << r.out << r.err;
  EXPECT_EQ(Health("v4only", "http", 4), "true||0|1");
  EXPECT_EQ(Health("v4only", "http", 6), "false|no IPv6 address|0|0");
}

TEST_F(TraceTest, RedirectingMirrorFailsUnlessAllowed) {
  int port = test::FreePort();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www;\n"
               "  location /hop/ { return 302 " +
               base + "/real$uri; } }");
  WriteTrace("real/hop", 15);
  AddMirror("hop", {"--http", base + "/hop/"});

  CommandResult r = Trace({"hop", "--trace.recover_after=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("hop", "http", 4),
            "false|HTTP 302 redirect not followed|1|0");
  EXPECT_EQ(Detail("hop", "http", 4),
            "redirect (HTTP 302) to " + base +
                "/real/hop/mirrorsync but the mirror may not redirect");
  ASSERT_EQ(
      stack_->Waymark({"mirror", "edit", "hop", "--allow-redirects"}).exit_code,
      0);
  r = Trace({"hop", "--trace.recover_after=1"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Health("hop", "http", 4), "true||0|1");
  EXPECT_EQ(Lag("hop"), 15);
  ASSERT_EQ(stack_->Waymark({"mirror", "edit", "hop", "--no-allow-redirects"})
                .exit_code,
            0);
  r = Trace({"hop", "--trace.fail_after=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("hop", "http", 4),
            "false|HTTP 302 redirect not followed|1|0");
}

// A mirror allowed to redirect may send the checks to its own hosts only:
// 127.0.0.2 here stands for another host (an internal service, say), and
// serves a good trace file, which must not be followed to.
TEST_F(TraceTest, RedirectsGoOnlyToTheMirrorsOwnHosts) {
  int port = test::FreePort();
  std::string other = "http://127.0.0.2:" + std::to_string(port);
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; listen 127.0.0.2:" + std::to_string(port) +
               "; root @DIR@/www;\n"
               "  location /away/ { return 302 " +
               other + "/real$uri; } }");
  WriteTrace("real/away", 15);
  AddMirror("away",
            {"--http", "http://127.0.0.1:" + std::to_string(port) + "/away/"});
  ASSERT_EQ(stack_->Waymark({"mirror", "edit", "away", "--allow-redirects"})
                .exit_code,
            0);
  CommandResult r = Trace({"away", "--trace.fail_after=1"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(Health("away", "http", 4),
            "false|HTTP 302 redirect not followed|1|0");
  EXPECT_EQ(Detail("away", "http", 4),
            "HTTP 302: redirect to another host (127.0.0.2) than the "
            "mirror's, not followed");
  // Named as one of the mirror's own base URLs, the host is followed to.
  ASSERT_EQ(stack_
                ->Waymark({"mirror", "edit", "away", "--https",
                           "https://127.0.0.2:1/"})
                .exit_code,
            0);
  r = Trace({"away", "--trace.recover_after=1"});
  EXPECT_EQ(Health("away", "http", 4), "true||0|1") << r.out;
}

TEST_F(TraceTest, ProbeCatchesALyingMirror) {
  int port = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www; }");
  WriteTrace("liar", 10);
  AddMirror("liar",
            {"--http", "http://127.0.0.1:" + std::to_string(port) + "/liar/"});
  // Three files the inventory says the mirror holds (bits 0, 1, 2), and one
  // it does not hold (bit 3 clear: never probed).
  Query(R"SQL(
    INSERT INTO files (id, path, size, mtime) VALUES
      (0, 'pool/a.deb', 5, now()), (1, 'pool/b.deb', 7, now()),
      (2, 'pool/c d.deb', 3, now()), (3, 'pool/not-held.deb', 9, now());
    INSERT INTO mirror_files (chunk, mirror_id, bits)
      SELECT 0, id, set_bit(set_bit(set_bit(decode(repeat('00', 1024), 'hex'), 0, 1), 1, 1), 2, 1)
        FROM mirrors;
  )SQL");
  test::WriteFile(Www("liar/pool/a.deb"), "aaaaa");
  test::WriteFile(Www("liar/pool/b.deb"), "bbbbbbb");
  test::WriteFile(Www("liar/pool/c d.deb"), "ccc");
  std::vector<std::string> args = {"liar", "--trace.probe_files=5",
                                   "--trace.fail_after=1",
                                   "--trace.recover_after=1"};
  CommandResult r = Trace(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Health("liar", "http", 4), "true||0|1");

  // Deleted after the scan: the inventory still says the mirror holds it.
  unlink(Www("liar/pool/b.deb").c_str());
  r = Trace(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Health("liar", "http", 4),
            "false|lying mirror: pool/b.deb is missing (HTTP 404)|1|0");

  test::WriteFile(Www("liar/pool/b.deb"), "bbbbbbb");
  test::WriteFile(Www("liar/pool/c d.deb"), "cccc");
  r = Trace(args);
  EXPECT_EQ(Health("liar", "http", 4),
            "false|lying mirror: pool/c d.deb has Content-Length 4, the "
            "inventory says 3|2|0");

  test::WriteFile(Www("liar/pool/c d.deb"), "ccc");
  r = Trace(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Health("liar", "http", 4), "true||0|1");
  // Without probes nobody notices.
  unlink(Www("liar/pool/a.deb").c_str());
  r = Trace({"liar"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(TraceTest, StaleMirrorIsNoLongerChosenByTheRedirector) {
  int port = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www; }");
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
  WriteTrace("near", 60);
  WriteTrace("far", 60);
  AddMirror("near", {"--http", base + "near/", "--country", "DE", "--lat",
                     "50.1", "--lon", "8.7"});
  AddMirror("far", {"--http", base + "far/", "--country", "US", "--lat", "37.8",
                    "--lon", "-122.4"});
  Query(R"SQL(
    INSERT INTO files (id, path, size, mtime) VALUES (5, 'releases/x.iso', 100000, now());
    INSERT INTO mirror_files (chunk, mirror_id, bits)
      SELECT 0, id, set_bit(decode(repeat('00', 1024), 'hex'), 5, 1) FROM mirrors;
  )SQL");
  test::WriteFile(stack_->repository() + "/releases/x.iso",
                  std::string(100000, 'x'));
  CommandResult r = Trace({"--all"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_TRUE(stack_->Serve().ok());
  const char* kDe = "20.10.0.5";
  auto chosen = [&] {
    return stack_->Request("/releases/x.iso", kDe).Header("location");
  };
  EXPECT_EQ(chosen(), base + "near/releases/x.iso");

  // near stops syncing: two hours behind, over the 1 h limit.
  WriteTrace("near", 7200);
  r = Trace({"--all", "-q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "near: stale: 7200 s behind the origin (limit 3600 s)\n");
  r = Trace({"--all", "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << "still stale";
  EXPECT_EQ(r.out, "") << "nothing changed";
  EXPECT_EQ(Lag("near"), 7200);
  std::string got;
  for (int i = 0; i < 100 && (got = chosen()) != base + "far/releases/x.iso";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(got, base + "far/releases/x.iso");

  // A per-mirror limit above the lag makes it fresh again.
  CommandResult edit =
      stack_->Waymark({"mirror", "edit", "near", "--max-lag", "1d"});
  ASSERT_EQ(edit.exit_code, 0) << edit.err;
  EXPECT_NE(stack_->Waymark({"mirror", "show", "near"})
                .out.find("max lag:       86400 s"),
            std::string::npos);
  edit = stack_->Waymark({"mirror", "edit", "near", "--max-lag", "soon"});
  EXPECT_EQ(edit.exit_code, 2);
  EXPECT_EQ(
      edit.err,
      "waymark: --max-lag: 'soon' is not a duration (seconds, or a number with "
      "s, m, h or d)\n");
  r = Trace({"--all"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(
      r.out.find("near: fresh again: 7200 s behind the origin (limit 86400 s)"),
      std::string::npos)
      << r.out << Events("near");
  for (int i = 0; i < 100 && (got = chosen()) != base + "near/releases/x.iso";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(got, base + "near/releases/x.iso");
}

TEST_F(TraceTest, StampAndCommandLine) {
  std::string trace = stack_->repository() + "/mirrorsync";
  unlink(trace.c_str());
  long long before = Now();
  CommandResult r = Trace({"--stamp"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::string content = test::ReadFile(trace);
  long long t = std::stoll(content);
  EXPECT_GE(t, before);
  EXPECT_LE(t, Now());
  EXPECT_EQ(content, std::to_string(t) + "\n");

  r = Trace({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark-trace: say what to do: --stamp, --all, or mirror names "
            "(see --help)\n");
  r = Trace({"--stamp", "--repository.trace_file=/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark-trace: repository.trace_file must name a file\n");
  r = Trace({"--all", "--trace.timeout=0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark-trace: trace.timeout must be at least 1 s\n");
  r = Trace({"nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark-trace: mirror 'nope' not found\n");
  r = Trace({"--all", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  r = Trace({"--stamp", "--repository.path=/nonexistent/dir"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.err.rfind(
          "waymark-trace: cannot create a temporary file in /nonexistent/dir: ",
          0),
      0u)
      << r.err;
  // No mirrors: nothing failed.
  r = Trace({"--all"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no mirrors to check"), std::string::npos);
  // The stamp job stopped: every lag would be measured against an old time.
  test::WriteFile(trace, std::to_string(Now() - 7300) + "\n");
  r = Trace({"--all", "-q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("warning: the origin's trace file is 73", 0), 0u)
      << r.out;
  EXPECT_NE(
      r.out.find(
          " s old, more than redirector.max_lag; is 'waymark-trace --stamp' "
          "running from cron?\n"),
      std::string::npos)
      << r.out;
  // The origin's own trace unreadable: said, and the run fails.
  unlink(trace.c_str());
  r = Trace({"--all"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.out.find("origin trace: unreadable (cannot read trace file " + trace),
      std::string::npos)
      << r.out;
  // The database away: the check could not run.
  r = Trace({"--all", "--database.dsn=host=/nonexistent dbname=x"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err.rfind("waymark-trace: cannot connect to PostgreSQL: ", 0), 0u)
      << r.err;
}

TEST_F(TraceTest, ExportMirmonAndJsonWithoutSecrets) {
  int port = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www; }");
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
  WriteTrace("pub", 42);
  AddMirror("pub", {"--http", base + "pub/", "--country", "DE", "--rsync",
                    "rsync://user:s3cret@rsync.example.org/pub/", "--ftp",
                    "ftp://ftp.example.org/pub/", "--admin-email",
                    "root@example.org", "--admin-name", "Jane Admin"});
  AddMirror("gone", {"--https", "https://gone.example.org/x/"});
  ASSERT_EQ(stack_->Waymark({"mirror", "disable", "gone"}).exit_code, 0);
  ASSERT_EQ(Trace({"--all"}).exit_code, 0);

  CommandResult r = stack_->Waymark({"export", "mirmon"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "de " + base + "pub/\nde ftp://ftp.example.org/pub/\n");

  r = stack_->Waymark({"export", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* secret : {"s3cret", "user", "root@example.org", "Jane"})
    EXPECT_EQ(r.out.find(secret), std::string::npos)
        << secret << " in " << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["max_lag"], 3600);
  ASSERT_EQ(j["mirrors"].size(), 2u);
  const auto& gone = j["mirrors"][0];
  EXPECT_EQ(gone["name"], "gone");
  EXPECT_EQ(gone["state"], "disabled");
  EXPECT_EQ(gone["freshness"], "unknown");
  EXPECT_TRUE(gone["last_check"].is_null());
  const auto& pub = j["mirrors"][1];
  EXPECT_EQ(pub["name"], "pub");
  EXPECT_EQ(pub["state"], "up");
  EXPECT_EQ(pub["freshness"], "fresh");
  EXPECT_EQ(pub["lag"], 42);
  EXPECT_EQ(pub["rsync_url"], nullptr);
  EXPECT_EQ(pub["ftp_url"], "ftp://ftp.example.org/pub/");
  EXPECT_TRUE(pub["last_check"].is_string());
  ASSERT_EQ(pub["health"].size(), 2u);
  EXPECT_EQ(pub["health"][0]["scheme"], "http");
  EXPECT_EQ(pub["health"][0]["family"], 4);
  EXPECT_EQ(pub["health"][0]["up"], true);
  EXPECT_EQ(pub["health"][1]["reason"], "no IPv6 address");
  EXPECT_EQ(pub.count("admin_email"), 0u);
}

// What a mirror answers to a failed check may be anything (an internal
// service's page, a token): it stays with the admin (`waymark mirror
// show`), and the public pages and exports say only "not a trace file".
// A family the mirror has no address for is "not offered", no problem.
TEST_F(TraceTest, AFailedChecksBytesStayPrivateAndNoIpv6IsNotOffered) {
  int port = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www; }");
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
  const std::string kSecret = "internal-token=s3cr3t-9f2a";
  test::WriteFile(Www("leak/mirrorsync"), kSecret + "\n");
  WriteTrace("ok4", 10);
  AddMirror("leak", {"--http", base + "leak/"});
  AddMirror("ok4", {"--http", base + "ok4/"});
  CommandResult r = Trace({"--all"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // The operator running the check sees it, and so does the admin.
  EXPECT_NE(r.out.find(kSecret), std::string::npos) << r.out;
  r = stack_->Waymark({"mirror", "show", "leak"});
  EXPECT_NE(r.out.find("HTTP over IPv4: down since "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" UTC: bad trace: not a trace file: '" + kSecret + "'"),
            std::string::npos)
      << r.out;
  r = stack_->Waymark({"mirror", "show", "ok4"});
  EXPECT_NE(r.out.find("HTTP over IPv4: up since "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("HTTP over IPv6: not offered (no IPv6 address), "
                       "checked "),
            std::string::npos)
      << r.out;
  r = stack_->Waymark({"mirror", "show", "ok4", "--json"});
  auto shown = nlohmann::json::parse(r.out);
  ASSERT_EQ(shown["health"].size(), 2u);
  EXPECT_EQ(shown["health"][1]["offered"], false);

  // Nowhere public: exports, /mirrorstats and its JSON.
  for (const char* what : {"json", "mirmon"}) {
    r = stack_->Waymark({"export", what});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("s3cr3t"), std::string::npos) << r.out;
  }
  auto exported =
      nlohmann::json::parse(stack_->Waymark({"export", "json"}).out);
  ASSERT_EQ(exported["mirrors"].size(), 2u);
  EXPECT_EQ(exported["mirrors"][0]["trace_error"], "not a trace file");
  EXPECT_EQ(exported["mirrors"][0]["health"][0]["reason"], "not a trace file");
  EXPECT_EQ(exported["mirrors"][1]["health"][1]["offered"], false);
  ASSERT_TRUE(stack_->Serve().ok());
  test::HttpResponse page = stack_->Request("/mirrorstats", "");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.body.find("s3cr3t"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("http/IPv4: not a trace file"), std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("not offered: http/IPv6"), std::string::npos)
      << page.body;
  // ...and not as a problem: the IPv6 family is no reason anywhere.
  EXPECT_EQ(page.body.find("http/IPv6: "), std::string::npos) << page.body;
  test::HttpResponse json = stack_->Request("/mirrorstats?json", "");
  ASSERT_EQ(json.status, 200) << json.body;
  EXPECT_EQ(json.body.find("s3cr3t"), std::string::npos) << json.body;
  auto stats = nlohmann::json::parse(json.body);
  ASSERT_EQ(stats["mirrors"].size(), 2u);
  // Copies: a key missing from a const json would be undefined behaviour.
  nlohmann::json leak = stats["mirrors"][0];
  EXPECT_EQ(leak["name"], "leak");
  EXPECT_EQ(leak["trace_error"], "not a trace file");
  EXPECT_EQ(leak["down_reasons"],
            nlohmann::json::array({"http/IPv4: not a trace file"}));
  nlohmann::json ok4 = stats["mirrors"][1];
  EXPECT_EQ(ok4["name"], "ok4");
  EXPECT_EQ(ok4["state"], "up");
  EXPECT_EQ(ok4["down_reasons"], nlohmann::json::array());
  EXPECT_EQ(ok4["not_offered"], nlohmann::json::array({"http/IPv6"}));
  EXPECT_TRUE(ok4["trace_error"].is_null());

  // Selection still never sends a client over what is not offered.
  Query(R"SQL(
    INSERT INTO files (id, path, size, mtime) VALUES (5, 'releases/x.iso', 100000, now());
    INSERT INTO mirror_files (chunk, mirror_id, bits)
      SELECT 0, id, set_bit(decode(repeat('00', 1024), 'hex'), 5, 1)
        FROM mirrors WHERE name = 'ok4';
  )SQL");
  auto pick = [&](const std::string& ip) {
    CommandResult p =
        stack_->Waymark({"pick", "releases/x.iso", "--ip", ip, "--json"});
    EXPECT_EQ(p.exit_code, 0) << p.err;
    return nlohmann::json::parse(p.out.empty() ? "{}" : p.out);
  };
  nlohmann::json v4 = pick("20.10.0.5");
  ASSERT_EQ(v4["ranked"].size(), 1u) << v4.dump();
  EXPECT_EQ(v4["ranked"][0]["mirror"], "ok4");
  EXPECT_EQ(pick("2a01:1000::5")["ranked"].size(), 0u);
}

TEST_F(TraceTest, RunsWithTheTraceRoleOnly) {
  // sql/roles.sql's waymark_trace is all the checker needs.
  int port = test::FreePort();
  StartMirrors("server { listen 127.0.0.1:" + std::to_string(port) +
               "; root @DIR@/www; }");
  WriteTrace("r1", 5);
  test::WriteFile(Www("r1/pool/a.deb"), "aaaaa");
  AddMirror("r1",
            {"--http", "http://127.0.0.1:" + std::to_string(port) + "/r1/"});
  Query(R"SQL(
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'trace_test_login') THEN
        CREATE ROLE trace_test_login LOGIN IN ROLE waymark_trace;
      END IF;
    END $$;
    INSERT INTO files (id, path, size, mtime) VALUES (0, 'pool/a.deb', 5, now());
    INSERT INTO mirror_files (chunk, mirror_id, bits)
      SELECT 0, id, set_bit(decode(repeat('00', 1024), 'hex'), 0, 1) FROM mirrors;
  )SQL");
  std::string dsn = stack_->dsn();
  dsn.replace(dsn.find("user=postgres"), 13, "user=trace_test_login");
  CommandResult r =
      Trace({"--all", "--trace.probe_files=1", "--database.dsn=" + dsn});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Health("r1", "http", 4), "true||0|1");
  EXPECT_EQ(Lag("r1"), 5);
  EXPECT_NE(Events("r1"), "NULL");
}

}  // namespace
}  // namespace waymark
