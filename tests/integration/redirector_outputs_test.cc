// The redirector's outputs besides the plain 302, end to end with real
// clients: aria2c downloads through the Metalink from mirrors served by a
// second real nginx and checks the hash; curl -L follows the 302;
// sha256sum -c accepts the ?sha256 answer; xmllint finds the Metalink and
// the HTML pages well-formed, with hostile file names, health reasons and
// scan errors in them; the JSON parses and holds no credentials.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "core/store/db.h"
#include "core/store/inventory.h"
#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"

namespace waymark {
namespace {

using test::Eventually;
using test::HttpResponse;
using test::RedirectorStack;

// No X-Forwarded-For: the client is 127.0.0.1, which origin.conf lets read
// ?metrics.
constexpr char kLoopback[] = "";
constexpr char kDe[] = "20.10.0.5", kUs[] = "30.10.0.5";
constexpr char kFile[] = "/releases/big.iso";
// <script>&"x".iso, as a client sends it.
constexpr char kHostileUri[] = "/releases/%3Cscript%3E%26%22x%22.iso";
constexpr int kPiece = 65536;

std::string Hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string Digest(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

CommandResult RunTool(std::vector<std::string> argv,
                      const std::string& dir = "",
                      const std::string& stdin_data = "") {
  SubprocessOptions o;
  o.argv = std::move(argv);
  o.capture_output = true;
  o.pipe_stdin = !stdin_data.empty();
  o.working_dir = dir;
  CommandResult r;
  Status s = RunCommand(o, stdin_data, 60000, &r);
  if (!s.ok()) r.err = s.message();
  return r;
}

class RedirectorOutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 300000 bytes that are not all alike, so a wrong piece shows.
    content_.resize(300000);
    unsigned x = 12345;
    for (char& c : content_) {
      x = x * 1103515245 + 12345;
      c = static_cast<char>(x >> 16);
    }
    // Two mirrors on loopback, a real nginx serving their trees.
    mirror_port_ = test::FreePort();
    Status s = test::NginxServer::Start(
        "server {\n  listen 127.0.0.1:" + std::to_string(mirror_port_) +
            ";\n  root " + mirrors_dir_.path() + ";\n}\n",
        &mirror_nginx_);
    ASSERT_TRUE(s.ok()) << s.message();
    for (const char* m : {"m1", "m2"})
      test::WriteFile(mirrors_dir_ / (std::string(m) + "/releases/big.iso"),
                      content_);

    test::StackOptions options;
    options.redirector_config = {
        "fallback = https://origin.example.org/master/",
        "stats_flush_interval = 1s"};
    s = RedirectorStack::Create(options, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
    AddMirror("m1", "DE", "50.1", "8.7");
    AddMirror("m2", "US", "37.8", "-122.4");
    std::string pieces;
    for (size_t off = 0; off < content_.size(); off += kPiece)
      pieces += Digest(EVP_sha1(), content_.substr(off, kPiece));
    Sql("INSERT INTO files (id, path, size, mtime, sha256, sha1, md5, "
        "piece_size, piece_sha1) VALUES "
        "(1, 'releases/big.iso', 300000, '2026-11-01 10:00:00+00', decode('" +
        Hex(Digest(EVP_sha256(), content_)) + "', 'hex'), decode('" +
        Hex(Digest(EVP_sha1(), content_)) + "', 'hex'), decode('" +
        Hex(Digest(EVP_md5(), content_)) + "', 'hex'), " +
        std::to_string(kPiece) + ", decode('" + Hex(pieces) +
        "', 'hex')), "
        "(2, 'releases/<script>&\"x\".iso', 5000, '2026-11-02 10:00:00+00', "
        "NULL, NULL, NULL, NULL, NULL)");
    Sql(R"SQL(
      INSERT INTO mirror_files (chunk, mirror_id, bits)
        SELECT 0, id, set_bit(set_bit(decode(repeat('00', 1024), 'hex'), 1, 1), 2, 1) FROM mirrors;
      UPDATE mirrors SET trace_lag = 5, sponsor_name = '<b>Sponsor & "Co"</b>',
             last_scan_at = now(), last_scan_ok = name = 'm1',
             last_scan_error = CASE name WHEN 'm2' THEN 'rsync: <error> & "quote"' END;
      INSERT INTO mirror_health (mirror_id, scheme, family, up, reason)
        SELECT id, 'http', 4, true, NULL FROM mirrors;
      INSERT INTO mirror_health (mirror_id, scheme, family, up, reason)
        SELECT id, 'http', 6, false, '<script>alert("v6")</script> & more' FROM mirrors;
    )SQL");
    test::WriteFile(stack_->repository() + "/releases/big.iso", content_);
    s = stack_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void AddMirror(const std::string& name, const std::string& cc,
                 const std::string& lat, const std::string& lon) {
    CommandResult r = stack_->Waymark(
        {"mirror", "add", name, "--no-geoip", "--http",
         "http://127.0.0.1:" + std::to_string(mirror_port_) + "/" + name + "/",
         "--rsync", "rsync://user:s3cret@127.0.0.1/" + name + "/",
         "--admin-email", "root@secret.example.org", "--country", cc, "--lat",
         lat, "--lon", lon});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(stack_->Waymark({"mirror", "enable", name}).exit_code, 0);
  }

  void Sql(const std::string& sql) {
    Status s = stack_->Sql(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  HttpResponse Get(const std::string& path, const std::string& ip,
                   std::vector<std::string> headers = {}) {
    return stack_->Request(path, ip, "GET", false, headers);
  }

  // One number from the test database; -1 when it cannot be read.
  long long Number(const std::string& sql) {
    std::unique_ptr<Database> db;
    if (!Database::Connect(stack_->dsn(), &db).ok()) return -1;
    try {
      pqxx::read_transaction tx(db->conn());
      return tx.exec1(sql)[0].as<long long>();
    } catch (const std::exception& e) {
      ADD_FAILURE() << sql << ": " << e.what();
      return -1;
    }
  }

  // Downloads counted for (mirror name or "" for mirror 0, country).
  long long Downloads(const std::string& mirror, const std::string& country) {
    std::string m = mirror.empty() ? "0"
                                   : "(SELECT id FROM mirrors WHERE name = '" +
                                         mirror + "')";
    return Number(
        "SELECT coalesce(sum(downloads), 0) FROM download_counts d "
        "WHERE d.path = 'releases/big.iso' AND d.mirror_id = " +
        m + " AND d.country = '" + country +
        "' AND d.day = (now() AT TIME ZONE 'UTC')::date "
        "AND NOT d.monthly");
  }

  // Writes `text` to a file and runs xmllint on it; "" when well-formed.
  std::string XmlProblems(const std::string& text) {
    test::WriteFile(work_ / "doc.xml", text);
    CommandResult r =
        RunTool({"xmllint", "--noout", "--nonet", work_ / "doc.xml"});
    return r.exit_code == 0 ? "" : r.err + r.out;
  }

  std::string content_;
  test::TempDir mirrors_dir_, work_;
  int mirror_port_ = 0;
  std::unique_ptr<test::NginxServer> mirror_nginx_;
  void ExpectPendingThenDelivered(int pending, int downloads);

  std::unique_ptr<RedirectorStack> stack_;
};

TEST_F(RedirectorOutputsTest,
       Aria2cDownloadsThroughTheMetalinkAndChecksTheHash) {
  HttpResponse meta = Get(std::string(kFile) + ".meta4", kDe);
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(meta.Header("Content-Type"), "application/metalink4+xml");
  EXPECT_EQ(meta.Header("Content-Disposition"),
            "inline; filename=\"big.iso.meta4\"");
  EXPECT_EQ(XmlProblems(meta.body), "");
  EXPECT_NE(meta.body.find("<hash type=\"sha-256\">" +
                           Hex(Digest(EVP_sha256(), content_)) + "</hash>"),
            std::string::npos)
      << meta.body;
  EXPECT_NE(meta.body.find("<pieces length=\"65536\" type=\"sha-1\">"),
            std::string::npos);
  EXPECT_NE(meta.body.find("<published>2026-11-01T10:00:00Z</published>"),
            std::string::npos);
  // From Germany the German mirror first.
  size_t m1 = meta.body.find(
      "<url priority=\"1\" location=\"de\">http://127.0.0.1:" +
      std::to_string(mirror_port_) + "/m1/releases/big.iso</url>");
  EXPECT_NE(m1, std::string::npos) << meta.body;
  EXPECT_NE(meta.body.find("<url priority=\"2\" location=\"us\">"),
            std::string::npos);
  // ?metalink and the Accept header give the same document.
  EXPECT_EQ(Get(std::string(kFile) + "?metalink", kDe).Header("Content-Type"),
            "application/metalink4+xml");
  HttpResponse by_accept =
      Get(kFile, kDe, {"Accept: application/metalink4+xml"});
  EXPECT_EQ(by_accept.status, 200);
  EXPECT_EQ(by_accept.Header("Content-Type"), "application/metalink4+xml");
  EXPECT_EQ(Get(kFile, kDe, {"Accept: */*"}).status, 302);

  CommandResult r =
      RunTool({"aria2c", "--follow-metalink=mem", "--dir", work_.path(),
               "--no-conf", "--console-log-level=warn", "--summary-interval=0",
               "--max-tries=1", stack_->Url(std::string(kFile) + ".meta4")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(test::ReadFile(work_ / "big.iso"), content_);

  // Both mirrors serve a corrupt copy: aria2c must refuse it.
  std::string bad = content_;
  bad[100000] ^= 1;
  for (const char* m : {"m1", "m2"})
    test::WriteFile(mirrors_dir_ / (std::string(m) + "/releases/big.iso"), bad);
  test::TempDir other;
  r = RunTool({"aria2c", "--follow-metalink=mem", "--dir", other.path(),
               "--no-conf", "--console-log-level=warn", "--summary-interval=0",
               "--max-tries=1", stack_->Url(std::string(kFile) + ".meta4")});
  EXPECT_NE(r.exit_code, 0) << r.out;
}

TEST_F(RedirectorOutputsTest,
       CurlFollowsTheRedirectAndSha256sumAcceptsTheChecksum) {
  CommandResult r = RunTool(
      {"curl", "-sS", "-L", "-o", "big.iso", stack_->Url(kFile)}, work_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::ReadFile(work_ / "big.iso"), content_);

  HttpResponse sum = Get(std::string(kFile) + "?sha256", kDe);
  ASSERT_EQ(sum.status, 200);
  EXPECT_EQ(sum.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(sum.body, Hex(Digest(EVP_sha256(), content_)) + "  big.iso\n");
  r = RunTool({"sha256sum", "-c", "-"}, work_.path(), sum.body);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "big.iso: OK\n");
  HttpResponse sha1 = Get(std::string(kFile) + "?sha1", kDe);
  EXPECT_EQ(sha1.body, Hex(Digest(EVP_sha1(), content_)) + "  big.iso\n");
  EXPECT_EQ(RunTool({"sha1sum", "-c", "-"}, work_.path(), sha1.body).exit_code,
            0);
  HttpResponse md5 = Get(std::string(kFile) + "?md5", kDe);
  EXPECT_EQ(RunTool({"md5sum", "-c", "-"}, work_.path(), md5.body).exit_code, 0)
      << md5.body;
  // A corrupted download fails the check.
  std::string bad = content_;
  bad[7] ^= 1;
  test::WriteFile(work_ / "big.iso", bad);
  EXPECT_NE(RunTool({"sha256sum", "-c", "-"}, work_.path(), sum.body).exit_code,
            0);

  // Hashes nobody computed: 404 with a reason.
  HttpResponse none = Get(std::string(kHostileUri) + "?sha256", kDe);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body, "no SHA-256 is known for this file\n");
  EXPECT_EQ(Get(std::string(kHostileUri) + "?md5", kDe).body,
            "no MD5 is known for this file\n");
  // HEAD answers like GET without the body.
  HttpResponse head =
      stack_->Request(std::string(kFile) + "?sha256", kDe, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(RedirectorOutputsTest, JsonParsesAndHoldsNoCredentials) {
  HttpResponse r = Get(std::string(kFile) + "?json", kUs);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["file"]["path"], "releases/big.iso");
  EXPECT_EQ(j["file"]["size"], 300000);
  EXPECT_EQ(j["file"]["sha1"], Hex(Digest(EVP_sha1(), content_)));
  EXPECT_EQ(j["client"]["country"], "US");
  ASSERT_EQ(j["mirrors"].size(), 2u);
  EXPECT_EQ(j["mirrors"][0]["name"], "m2")
      << "the American mirror first for an American client";
  EXPECT_EQ(j["mirrors"][0]["tier"], "country");
  EXPECT_EQ(j["mirrors"][0]["sponsor"], "<b>Sponsor & \"Co\"</b>");
  for (const char* secret : {"s3cret", "rsync://", "root@secret"})
    EXPECT_EQ(r.body.find(secret), std::string::npos) << secret;
  // The Accept header asks for JSON in auto mode; ?fromip shows another
  // client's list.
  HttpResponse accept = Get(kFile, kUs, {"Accept: application/json"});
  EXPECT_EQ(accept.Header("Content-Type"), "application/json");
  nlohmann::json from = nlohmann::json::parse(
      Get(std::string(kFile) + "?json&fromip=" + kDe, kUs).body);
  EXPECT_EQ(from["client"]["country"], "DE");
  EXPECT_EQ(from["client"]["from_ip"], true);
  EXPECT_EQ(from["mirrors"][0]["name"], "m1");
  EXPECT_EQ(Get(std::string(kFile) + "?json&fromip=nonsense", kUs).status, 400);
  // Mirror statistics as JSON: no credentials either.
  HttpResponse stats = Get("/mirrorstats?json", kUs);
  ASSERT_EQ(stats.status, 200) << stats.body;
  nlohmann::json sj = nlohmann::json::parse(stats.body);
  EXPECT_EQ(sj["mirrors"].size(), 2u);
  EXPECT_EQ(sj["repository_files"], 2);
  for (const char* secret : {"s3cret", "rsync://", "root@secret"})
    EXPECT_EQ(stats.body.find(secret), std::string::npos) << secret;
}

TEST_F(RedirectorOutputsTest, RedirectModeIgnoresTheAcceptHeader) {
  stack_->RewriteConfig(
      {"fallback = https://origin.example.org/master/", "output = redirect"});
  ASSERT_TRUE(stack_->SignalRedirector(SIGHUP).ok());
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (std::chrono::steady_clock::now() < end &&
         Get(kFile, kDe, {"Accept: application/json"}).status != 302)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Get(kFile, kDe, {"Accept: application/json"}).status, 302);
  EXPECT_EQ(Get(std::string(kFile) + "?json", kDe).Header("Content-Type"),
            "application/json");
}

TEST_F(RedirectorOutputsTest, PagesStayWellFormedWithHostileNamesAndPaths) {
  for (const std::string& uri :
       {std::string(kFile) + "/mirrorlist", std::string(kFile) + "?mirrorlist",
        std::string(kHostileUri) + "/mirrorlist",
        std::string(kHostileUri) + "?mirrorlist&fromip=" + kUs,
        std::string("/mirrorstats"), std::string("/releases/mirrorstats")}) {
    HttpResponse r = Get(uri, kDe);
    ASSERT_EQ(r.status, 200) << uri << ": " << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8") << uri;
    EXPECT_EQ(XmlProblems(r.body), "") << uri;
    CommandResult html =
        RunTool({"xmllint", "--html", "--noout", "--nonet", work_ / "doc.xml"});
    EXPECT_EQ(html.exit_code, 0) << uri << ": " << html.err;
    EXPECT_EQ(r.body.find("<script"), std::string::npos) << uri;
    EXPECT_EQ(r.body.find("<b>"), std::string::npos) << uri;
    EXPECT_EQ(r.body.find("s3cret"), std::string::npos) << uri;
    EXPECT_NE(r.body.find("<svg"), std::string::npos) << uri;
  }
  HttpResponse list = Get(std::string(kHostileUri) + "/mirrorlist", kDe);
  EXPECT_NE(list.body.find("<h1>&lt;script&gt;&amp;&quot;x&quot;.iso</h1>"),
            std::string::npos)
      << list.body;
  // An IPv6 client: both mirrors are down over IPv6, excluded with the reason.
  list = Get(std::string(kFile) + "/mirrorlist?fromip=2a01:1000::5", kDe);
  EXPECT_EQ(XmlProblems(list.body), "");
  EXPECT_NE(list.body.find("<td>m1</td><td>down over HTTP (IPv6)</td>"),
            std::string::npos)
      << list.body;
  EXPECT_NE(list.body.find("<h2>Mirrors (0)</h2>"), std::string::npos);
  HttpResponse stats = Get("/mirrorstats", kDe);
  EXPECT_NE(
      stats.body.find(
          "&lt;script&gt;alert(&quot;v6&quot;)&lt;/script&gt; &amp; more"),
      std::string::npos)
      << stats.body;
  EXPECT_NE(
      stats.body.find("failed: rsync: &lt;error&gt; &amp; &quot;quote&quot;"),
      std::string::npos);
  EXPECT_NE(stats.body.find("<td>100.0%</td>"), std::string::npos);
  // The Metalink of the hostile path is well-formed too.
  HttpResponse meta = Get(std::string(kHostileUri) + ".meta4", kDe);
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(XmlProblems(meta.body), "");
  EXPECT_EQ(meta.Header("Content-Disposition"),
            "inline; filename=\"<script>&_x_.iso.meta4\"; "
            "filename*=UTF-8''%3Cscript%3E&%22x%22.iso.meta4");
  CommandResult name =
      RunTool({"xmllint", "--xpath", "string(//*[local-name()='file']/@name)",
               work_ / "doc.xml"});
  EXPECT_EQ(name.out, "<script>&\"x\".iso\n");
}

// `waymark file show` and `waymark pick` read a file's record from the
// database (workers never do): it must carry the digest as the index's
// does.
TEST_F(RedirectorOutputsTest, FileRecordsFromTheDatabaseCarryTheDigest) {
  std::unique_ptr<Database> db;
  ASSERT_TRUE(Database::Connect(stack_->dsn(), &db).ok());
  FileRecord rec;
  ASSERT_TRUE(LoadFileRecord(db.get(), "releases/big.iso", &rec).ok());
  EXPECT_EQ(rec.size, 300000);
  EXPECT_TRUE(rec.sha256.known);
  EXPECT_EQ(rec.sha256.Hex(), Hex(Digest(EVP_sha256(), content_)));
  ASSERT_TRUE(
      LoadFileRecord(db.get(), "releases/<script>&\"x\".iso", &rec).ok());
  EXPECT_FALSE(rec.sha256.known) << "not hashed";
  EXPECT_EQ(rec.sha256.Hex(), "");
}

TEST_F(RedirectorOutputsTest, ListsDegradeClearlyWhilePostgresIsAway) {
  ASSERT_EQ(Get(kFile, kDe).status, 302);
  test::SharedCluster()->Stop();
  // The files are in the master's index: lists still work, without what
  // only the database knows.
  HttpResponse r;
  for (int i = 0; i < 6; ++i) {
    r = Get(std::string(kFile) + "/mirrorlist", kDe);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(XmlProblems(r.body), "");
  }
  EXPECT_NE(r.body.find("unavailable (the database is away)"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Get(std::string(kFile) + "?sha256", kDe).status, 200)
      << "from the index";
  HttpResponse md5 = Get(std::string(kFile) + "?md5", kDe);
  EXPECT_TRUE(md5.status == 503 || md5.status == 200) << md5.status;
  HttpResponse meta = Get(std::string(kFile) + ".meta4", kDe);
  EXPECT_EQ(meta.status, 200);
  EXPECT_EQ(XmlProblems(meta.body), "");
  HttpResponse stats = Get("/mirrorstats", kDe);
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("The database is unavailable"), std::string::npos);
  Status s = test::SharedCluster()->Start();
  ASSERT_TRUE(s.ok()) << s.message();
}

TEST_F(RedirectorOutputsTest, CountsEqualTheDownloadsMade) {
  // 5 GETs from Germany (to m1), 3 from the US (to m2); HEADs, checksums,
  // lists and Metalinks are not downloads; one client's 6 range requests
  // for the file are one download, another client's range is its own.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Get(kFile, kDe).status, 302);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get(kFile, kUs).status, 302);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(stack_->Request(kFile, kDe, "HEAD").status, 302);
  for (const char* q : {"?sha256", "?json", "/mirrorlist", ".meta4"})
    Get(std::string(kFile) + q, kDe);
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(Get(kFile, "20.10.0.77",
                  {"Range: bytes=" + std::to_string(i * 100) + "-"})
                  .status,
              302);
  ASSERT_EQ(Get(kFile, "20.10.0.78", {"Range: bytes=0-99"}).status, 302);
  EXPECT_TRUE(Eventually([&] {
    return Downloads("m1", "DE") == 5 + 2 && Downloads("m2", "US") == 3;
  })) << Downloads("m1", "DE")
      << " " << Downloads("m2", "US");
  // No mirror can serve: downloads sent to the fallback count as mirror 0.
  // Every GET of the loop counts once, to m2 or to the fallback.
  Sql("UPDATE mirrors SET enabled = false");
  int loop_gets = 0;
  ASSERT_TRUE(Eventually([&] {
    ++loop_gets;
    return Get(kFile, kUs).Header("X-Waymark-Mirror").rfind("fallback", 0) == 0;
  }));
  EXPECT_TRUE(Eventually([&] {
    return Downloads("m2", "US") + Downloads("", "US") == 3 + loop_gets;
  })) << Downloads("m2", "US")
      << " + " << Downloads("", "US") << " != 3 + " << loop_gets;
  EXPECT_GE(Downloads("", "US"), 1);
  long long us_total = 3 + loop_gets;
  EXPECT_EQ(Number("SELECT count(DISTINCT path) FROM download_counts"), 1);
  // The metrics agree.
  HttpResponse metrics = Get("/mirrorstats?metrics", kLoopback);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find(
                "waymark_requests_total{status=\"302\",tier=\"country\"} "),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("waymark_stats_dropped_total 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("waymark_downloads_counted_total " +
                              std::to_string(7 + us_total) + "\n"),
            std::string::npos)
      << metrics.body;
  // Every request answered has its duration in the histogram: as many as
  // the requests counted by status (this one not yet in either; the one
  // before it may still be on its way into the histogram).
  long long answered = 0, timed = -1, inf = -2;
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    std::string value = line.substr(line.rfind(' ') + 1);
    if (line.rfind("waymark_requests_total{", 0) == 0)
      answered += std::stoll(value);
    if (line.rfind("waymark_request_duration_seconds_count ", 0) == 0)
      timed = std::stoll(value);
    if (line.rfind("waymark_request_duration_seconds_bucket{le=\"+Inf\"} ",
                   0) == 0)
      inf = std::stoll(value);
  }
  EXPECT_GE(answered, 5 + 3 + 4 + 4 + 6 + 1 + loop_gets) << metrics.body;
  EXPECT_LE(timed, answered) << metrics.body;
  EXPECT_GE(timed, answered - 1) << metrics.body;
  EXPECT_EQ(inf, timed);
  // /mirrorstats shows today's downloads.
  Sql("UPDATE mirrors SET enabled = true");
  HttpResponse stats = Get("/mirrorstats?json", kDe);
  nlohmann::json j = nlohmann::json::parse(stats.body);
  EXPECT_EQ(j["mirrors"][0]["name"], "m1");
  EXPECT_EQ(j["mirrors"][0]["downloads_today"], 7);
}

// The end of an outage test: while PostgreSQL is away, the flushes fail
// and `pending` counts wait in the workers; once it is back, m1's German
// downloads reach `downloads`.
void RedirectorOutputsTest::ExpectPendingThenDelivered(int pending,
                                                       int downloads) {
  std::this_thread::sleep_for(
      std::chrono::milliseconds(2500));  // flushes fail meanwhile
  HttpResponse metrics = Get("/mirrorstats?metrics", kLoopback);
  EXPECT_NE(metrics.body.find("waymark_stats_pending " +
                              std::to_string(pending) + "\n"),
            std::string::npos)
      << metrics.body;
  Status s = test::SharedCluster()->Start();
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(
      Eventually([&] { return Downloads("m1", "DE") == downloads; }, 30))
      << Downloads("m1", "DE");
}

TEST_F(RedirectorOutputsTest, CountsMadeWhilePostgresIsAwayArriveWhenItIsBack) {
  ASSERT_EQ(Get(kFile, kDe).status, 302);
  ASSERT_TRUE(Eventually([&] { return Downloads("m1", "DE") == 1; }));
  test::SharedCluster()->Stop();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Get(kFile, kDe).status, 302);
  ASSERT_NO_FATAL_FAILURE(ExpectPendingThenDelivered(10, 11));
  EXPECT_NE(stack_->redirector_log().find(
                "cannot write download statistics, keeping them"),
            std::string::npos)
      << stack_->redirector_log();
  EXPECT_NE(stack_->redirector_log().find("download statistics written again"),
            std::string::npos);
}

TEST_F(RedirectorOutputsTest, OnlyRealDownloadsAreCountedThroughAnOutage) {
  ASSERT_EQ(Get(kFile, kDe).status, 302);
  ASSERT_TRUE(Eventually([&] { return Downloads("m1", "DE") == 1; }));
  test::SharedCluster()->Stop();
  // Once the workers see the inventory is away, every path is sent to the
  // fallback (a file may have been added since); only the file the index
  // knows is a download. The undecodable name is one PostgreSQL refuses to
  // store. (No ASSERT before the cluster is started again.)
  EXPECT_TRUE(Eventually(
      [&] {
        return Get("/releases/junk.deb", kDe).Header("X-Waymark-Mirror") ==
                   "fallback; reason=inventory unavailable" &&
               Get("/releases/junk.deb", kDe).Header("X-Waymark-Mirror") ==
                   "fallback; reason=inventory unavailable";
      },
      15))
      << "both workers";
  for (int i = 0; i < 200; ++i) {
    HttpResponse junk =
        Get("/releases/junk-" + std::to_string(i) + ".deb", kDe);
    EXPECT_EQ(junk.Header("X-Waymark-Mirror"),
              "fallback; reason=inventory unavailable")
        << i;
  }
  EXPECT_EQ(Get("/releases/%ff%fe.deb", kDe).status, 302);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Get(kFile, kDe).status, 302);
  ASSERT_NO_FATAL_FAILURE(ExpectPendingThenDelivered(10, 11));
  CommandResult r = stack_->Waymark({"stats", "--by", "file", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["total"], 11) << r.out;
  ASSERT_EQ(j["rows"].size(), 1u) << r.out;
  EXPECT_EQ(j["rows"][0]["file"], "releases/big.iso");
  EXPECT_EQ(Number("SELECT count(*) FROM download_counts WHERE path <> "
                   "'releases/big.iso'"),
            0);
  EXPECT_EQ(Number("SELECT count(*) FROM download_paths WHERE path <> "
                   "'releases/big.iso'"),
            0);
}

TEST_F(RedirectorOutputsTest, AGracefulStopWritesWhatWasCounted) {
  std::vector<pid_t> before = stack_->WorkerPids();
  stack_->RewriteConfig({"fallback = https://origin.example.org/master/",
                         "stats_flush_interval = 1h"});
  ASSERT_TRUE(stack_->SignalRedirector(SIGHUP).ok());
  ASSERT_TRUE(Eventually([&] {
    std::vector<pid_t> now = stack_->WorkerPids();
    return now.size() == 2 &&
           std::find(now.begin(), now.end(), before[0]) == now.end() &&
           std::find(now.begin(), now.end(), before[1]) == now.end();
  }));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get(kFile, kDe).status, 302);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Downloads("m1", "DE"), 0) << "not due for an hour";
  ASSERT_TRUE(stack_->SignalRedirector(SIGQUIT).ok());
  int code = -1;
  ASSERT_TRUE(stack_->WaitRedirector(10000, &code).ok());
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Downloads("m1", "DE"), 3);
}

TEST(RedirectorOutputsConfig, TestConfigRejectsAnUnknownOutputMode) {
  test::TempDir dir;
  test::WriteFile(dir / "bad.conf", "[redirector]\noutput = json\n");
  CommandResult r =
      test::RunBinary("waymark-redirector", {"-t", "-c", dir / "bad.conf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark-redirector: redirector.output: 'json' is not one of auto, "
            "redirect\n");
}

}  // namespace
}  // namespace waymark
