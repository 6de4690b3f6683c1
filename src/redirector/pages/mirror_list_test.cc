#include "redirector/pages/mirror_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "redirector/pages/mirror_stats.h"
#include "redirector/pages/world_map.h"
#include "redirector/response.h"
#include "tests/harness/mirror_status.h"

namespace waymark {
namespace {

// A mirror list with a hostile mirror name, a path full of markup
// characters, and a mirror whose rsync/FTP URLs and admin fields hold
// secrets that no output may show.
class MirrorListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MirrorStatus a;
    a.mirror.id = 1;
    a.mirror.name = "<script>alert(1)</script>";
    a.mirror.country = "DE";
    a.mirror.latitude = 50.1;
    a.mirror.longitude = 8.7;
    a.mirror.weight = 100;
    a.mirror.rsync_url = "rsync://user:s3cret@fra1.example.org/pub/";
    a.mirror.ftp_url = "ftp://ftpuser:ftpsecret@fra1.example.org/pub/";
    a.mirror.admin_email = "admin@secret.example.org";
    a.mirror.admin_name = "Secret Admin";
    a.mirror.sponsor_name = "Sponsor & Co \"quoted\"";
    mirrors_ = {a, test::UpMirror(2, "par1", "FR")};
    d_.file.path = "rel/a \"b\" & <c>.iso";
    d_.file.size = 4096;
    d_.file.sha256_hex = std::string(64, 'a');
    d_.file.details_known = true;
    d_.file.mtime = "2026-11-01 10:00:00";
    d_.file.sha1_hex = std::string(40, 'b');
    d_.file.md5_hex = std::string(32, 'c');
    d_.file.piece_size = 262144;
    d_.file.piece_sha1_hex = {std::string(40, '1'), std::string(40, '2')};
    d_.client.address = "20.10.0.5";
    d_.client.location.country = "DE";
    d_.client.location.latitude = 51.0;
    d_.client.location.longitude = 9.0;
    d_.selection.ranked.push_back({&mirrors_[0], Tier::kCountry, 120.0,
                                   "http://fra1.example.org/pub/", false});
    d_.selection.excluded.push_back(
        {&mirrors_[1], "down over HTTP (IPv4) <&>"});
    d_.origin_url = "http://repo.example.org/";
    d_.generated_at = "2026-12-01 12:00:00";
  }
  std::vector<MirrorStatus> mirrors_;
  MirrorListData d_;
};

void ExpectNoSecrets(const std::string& out) {
  for (const char* secret : {"s3cret", "ftpsecret", "rsync://", "ftp://",
                             "admin@secret", "Secret Admin"})
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in\n" << out;
}

TEST_F(MirrorListTest, JsonParsesWithEveryFieldAndNoSecrets) {
  std::string out = MirrorListJson(d_);
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["file"]["path"], "rel/a \"b\" & <c>.iso");
  EXPECT_EQ(j["file"]["size"], 4096);
  EXPECT_EQ(j["file"]["mtime"], "2026-11-01T10:00:00Z");
  EXPECT_EQ(j["file"]["sha1"], std::string(40, 'b'));
  EXPECT_EQ(j["file"]["pieces"]["sha1"].size(), 2u);
  EXPECT_EQ(j["client"]["country"], "DE");
  ASSERT_EQ(j["mirrors"].size(), 1u);
  EXPECT_EQ(j["mirrors"][0]["name"], "<script>alert(1)</script>");
  EXPECT_EQ(j["mirrors"][0]["url"],
            "http://fra1.example.org/pub/rel/a%20%22b%22%20&%20%3Cc%3E.iso");
  EXPECT_EQ(j["mirrors"][0]["tier"], "country");
  EXPECT_EQ(j["mirrors"][0]["sponsor"], "Sponsor & Co \"quoted\"");
  EXPECT_EQ(j["excluded"][0]["reason"], "down over HTTP (IPv4) <&>");
  EXPECT_EQ(j["metalink"],
            "http://repo.example.org/rel/a%20%22b%22%20&%20%3Cc%3E.iso.meta4");
  ExpectNoSecrets(out);
}

TEST_F(MirrorListTest, JsonSurvivesBytesThatAreNotUtf8) {
  d_.file.path = "rel/caf\xE9.iso";  // Latin-1
  nlohmann::json j = nlohmann::json::parse(MirrorListJson(d_));
  EXPECT_EQ(j["file"]["path"], "rel/caf\xEF\xBF\xBD.iso");
}

TEST_F(MirrorListTest, HtmlEscapesEverything) {
  std::string out = MirrorListHtml(d_);
  EXPECT_EQ(out.find("<script>"), std::string::npos);
  EXPECT_NE(out.find("&lt;script&gt;alert(1)&lt;/script&gt; (DE)"),
            std::string::npos);
  EXPECT_NE(out.find("<h1>a &quot;b&quot; &amp; &lt;c&gt;.iso</h1>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("down over HTTP (IPv4) &lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(out.find("<svg"), std::string::npos);
  EXPECT_NE(out.find("<title>#1 &lt;script&gt;"), std::string::npos)
      << "map tooltip escaped";
  EXPECT_NE(out.find("2026-11-01 10:00:00 UTC"), std::string::npos);
  EXPECT_NE(out.find(std::string(40, 'b')), std::string::npos);
  EXPECT_EQ(out.find("<script"), std::string::npos);
  ExpectNoSecrets(out);
  // Every element opened is closed: count a few.
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t p = out.find(s); p != std::string::npos; p = out.find(s, p + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("<table>"), count("</table>"));
  EXPECT_EQ(count("<tr>"), count("</tr>"));
  EXPECT_EQ(count("<circle "), count("</circle>"));
}

TEST_F(MirrorListTest, HtmlSaysWhenTheDatabaseIsAway) {
  d_.file.details_known = false;
  d_.file.mtime.clear();
  d_.file.sha1_hex.clear();
  d_.data.as_of = "2026-12-01 11:59:58";
  std::string out = MirrorListHtml(d_);
  EXPECT_NE(out.find("<dt>SHA-1</dt><dd>being looked up; reload the page in "
                     "a moment</dd>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Data as of 2026-12-01 11:59:58 UTC."), std::string::npos);
  d_.data.suspect = true;
  out = MirrorListHtml(d_);
  EXPECT_NE(
      out.find("<dt>SHA-1</dt><dd>unavailable (the database is away)</dd>"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("Possibly out of date: this server cannot read its "
                     "database now; what it shows is as of 2026-12-01 "
                     "11:59:58 UTC."),
            std::string::npos);
  nlohmann::json j = nlohmann::json::parse(MirrorListJson(d_));
  EXPECT_EQ(j["data_possibly_stale"], true);
  EXPECT_EQ(j["data_as_of"], "2026-12-01T11:59:58Z");
}

TEST_F(MirrorListTest, MetalinkHasTheRfc5854Elements) {
  d_.fallback_url = "https://origin.example.org/master/x";
  std::string out = MetalinkXml(d_, "waymark/test");
  EXPECT_EQ(out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\">\n",
                      0),
            0u);
  EXPECT_NE(out.find("<published>2026-11-01T10:00:00Z</published>"),
            std::string::npos);
  EXPECT_NE(out.find("<updated>2026-12-01T12:00:00Z</updated>"),
            std::string::npos);
  EXPECT_NE(out.find("<file name=\"a &quot;b&quot; &amp; &lt;c&gt;.iso\">"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("<size>4096</size>"), std::string::npos);
  EXPECT_NE(
      out.find("<hash type=\"sha-256\">" + std::string(64, 'a') + "</hash>"),
      std::string::npos);
  EXPECT_NE(out.find("<hash type=\"sha-1\">"), std::string::npos);
  EXPECT_NE(out.find("<hash type=\"md5\">"), std::string::npos);
  EXPECT_NE(out.find("<pieces length=\"262144\" type=\"sha-1\">\n      <hash>" +
                     std::string(40, '1')),
            std::string::npos);
  EXPECT_NE(
      out.find(
          "<url priority=\"1\" location=\"de\">http://fra1.example.org/pub/rel/"
          "a%20%22b%22%20&amp;%20%3Cc%3E.iso</url>"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find("<url priority=\"2\">https://origin.example.org/master/x</url>"),
      std::string::npos);
  ExpectNoSecrets(out);
  // Without details: no sha-1, md5, pieces or published date.
  FileView bare;
  bare.path = d_.file.path;
  bare.size = 10;
  d_.file = bare;
  out = MetalinkXml(d_, "waymark/test");
  EXPECT_EQ(out.find("<published>"), std::string::npos);
  EXPECT_EQ(out.find("<hash"), std::string::npos);
  EXPECT_EQ(out.find("<pieces"), std::string::npos);
}

TEST_F(MirrorListTest, MirrorStatsEscapesAndSaysWhatItKnows) {
  mirrors_[0].mirror.state = "down";
  mirrors_[0].mirror.state_since = "2026-11-30 08:00:00";
  mirrors_[0].trace_lag = 7300;
  RepositoryReport rep;
  rep.files = 200;
  rep.mirrors[1].files_held = 150;
  rep.mirrors[1].downloads_today = 42;
  rep.mirrors[1].down_reasons = {"https/IPv4: <refused>"};
  rep.mirrors[1].last_scan_at = "2026-12-01 03:00:00";
  rep.mirrors[1].last_scan_ok = false;
  rep.mirrors[1].last_scan_error = "rsync: @ERROR & <x>";
  MirrorStatsData d;
  d.mirrors = &mirrors_;
  d.data.as_of = "2026-12-01 11:59:58";
  d.report = &rep;
  d.report_as_of = "2026-12-01 11:59:55";
  d.generated_at = "2026-12-01 12:00:00";
  std::string html = MirrorStatsHtml(d);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>DE</"
                      "td><td class=\"down\">down</td>"
                      "<td>2026-11-30 08:00:00 UTC</td><td>https/IPv4: "
                      "&lt;refused&gt;</td><td>2 h</td>"
                      "<td>2026-12-01 03:00:00 UTC, failed: rsync: @ERROR "
                      "&amp; &lt;x&gt;</td>"
                      "<td>75.0%</td><td>42</td></tr>"),
            std::string::npos)
      << html;
  ExpectNoSecrets(html);
  nlohmann::json j = nlohmann::json::parse(MirrorStatsJson(d));
  EXPECT_EQ(j["mirrors"][0]["share_percent"], 75.0);
  EXPECT_EQ(j["mirrors"][0]["downloads_today"], 42);
  ExpectNoSecrets(MirrorStatsJson(d));
  EXPECT_NE(html.find("<p class=\"age\">Data as of 2026-12-01 11:59:58 "
                      "UTC.</p>"),
            std::string::npos);
  EXPECT_NE(html.find("the repository holds 200 files (as of 2026-12-01 "
                      "11:59:55 UTC)"),
            std::string::npos);
  EXPECT_EQ(j["data_possibly_stale"], false);
  EXPECT_EQ(j["report_as_of"], "2026-12-01 11:59:55");
  // The database away: the last report, and a note.
  d.data.suspect = true;
  html = MirrorStatsHtml(d);
  EXPECT_NE(html.find("The database is unavailable: states are as this "
                      "server last saw them at 2026-12-01 11:59:58 UTC; scan "
                      "results, repository shares and download counts as of "
                      "2026-12-01 11:59:55 UTC."),
            std::string::npos)
      << html;
  EXPECT_EQ(nlohmann::json::parse(MirrorStatsJson(d))["data_possibly_stale"],
            true);
  // No report yet: what is in memory.
  d.report = nullptr;
  html = MirrorStatsHtml(d);
  EXPECT_NE(html.find("download counts are missing."), std::string::npos);
  EXPECT_NE(html.find("<td>-</td><td>-</td></tr>"), std::string::npos) << html;
  d.data.suspect = false;
  EXPECT_NE(MirrorStatsHtml(d).find("are being computed"), std::string::npos);
}

TEST(ChecksumResponse, LinesSha256sumReads) {
  Response r =
      ChecksumResponse(std::string(64, 'a'), "rel/x/file 1.iso", "none");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, std::string(64, 'a') + "  file 1.iso\n");
  r = ChecksumResponse("ab", "top.iso", "none");
  EXPECT_EQ(r.body, "ab  top.iso\n");
  r = ChecksumResponse("ab", "d/back\\slash.iso", "none");
  EXPECT_EQ(r.body, "\\ab  back\\\\slash.iso\n");
  r = ChecksumResponse("", "d/x.iso", "no SHA-1 is known for this file");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "no SHA-1 is known for this file\n");
}

TEST(WorldMapSvg, PointsAreProjectedAndLabelsEscaped) {
  std::string svg = WorldMapSvg({{50, 10, MapPoint::Kind::kChosen, "a<b"},
                                 {-80, 200, MapPoint::Kind::kClient, "far"}});
  EXPECT_NE(svg.find("cx=\"190.0\" cy=\"40.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>a&lt;b</title>"), std::string::npos);
  // Clamped into the drawing.
  EXPECT_NE(svg.find("cx=\"360.0\" cy=\"150.0\""), std::string::npos);
}

}  // namespace
}  // namespace waymark
