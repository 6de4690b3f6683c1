#include "redirector/response.h"

#include <gtest/gtest.h>

#include "tests/harness/mirror_status.h"

namespace waymark {
namespace {

using test::UpMirror;

// 64 hex digits as the digest's bytes.
Sha256Digest Digest(const std::string& hex) {
  Sha256Digest d;
  for (size_t i = 0; i < d.bytes.size(); ++i)
    d.bytes[i] = static_cast<unsigned char>(
        std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  d.known = true;
  return d;
}

TEST(ResponseTest, RedirectHeaders) {
  std::vector<MirrorStatus> ms = {
      UpMirror(1, "fra1", "DE"), UpMirror(2, "par1", "FR"),
      UpMirror(3, "sgp1", "SG"), UpMirror(4, "nowhere", "")};
  Selection sel;
  sel.ranked = {
      {&ms[0], Tier::kAsn, 12.0, "https://fra1.example.org/pub/", false},
      {&ms[1], Tier::kContinent, 450.0, "https://par1.example.org/", false},
      {&ms[2], Tier::kWorld, 9000.0, "https://sgp1.example.org/m/", false},
      {&ms[3], Tier::kWorld, std::nullopt, "https://nowhere.example.org/",
       false}};
  FileRecord f;
  f.path = "releases/a b.deb";
  // SHA-256 of "abc".
  f.sha256 = Digest(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Response r = RedirectResponse(sel, f, "https://repo.example.org/", 2);
  EXPECT_EQ(r.status, 302);
  std::vector<std::pair<std::string, std::string>> want = {
      {"Location", "https://fra1.example.org/pub/releases/a%20b.deb"},
      {"Link",
       "<https://par1.example.org/releases/a%20b.deb>; rel=duplicate; pri=1; "
       "geo=fr"},
      {"Link",
       "<https://sgp1.example.org/m/releases/a%20b.deb>; rel=duplicate; pri=2; "
       "geo=sg"},
      {"Link",
       "<https://repo.example.org/releases/a%20b.deb.meta4>; rel=describedby; "
       "type=\"application/metalink4+xml\""},
      {"Digest", "SHA-256=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
      {"Repr-Digest", "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:"},
      {"Cache-Control", "private, no-store"},
      {"X-Waymark-Mirror", "fra1; tier=asn"},
      {"Content-Type", "text/plain; charset=utf-8"},
  };
  EXPECT_EQ(r.Headers(), want);

  // More links allowed than mirrors; a mirror without a country has no geo;
  // no hash, no digest headers.
  f.sha256 = Sha256Digest();
  r = RedirectResponse(sel, f, "https://repo.example.org/", 5);
  int links = 0;
  for (const auto& [k, v] : r.Headers()) links += k == "Link";
  EXPECT_EQ(links, 4);
  EXPECT_EQ(r.Header("digest"), "");
  EXPECT_EQ(r.Header("Repr-Digest"), "");
  bool found = false;
  for (const auto& [k, v] : r.Headers()) {
    found |= v ==
             "<https://nowhere.example.org/releases/a%20b.deb>; rel=duplicate; "
             "pri=3";
  }
  EXPECT_TRUE(found);
}

TEST(ResponseTest, SerializeForFastCgi) {
  Response r = ErrorResponse(405, "method not allowed");
  std::string out;
  r.SerializeTo(false, &out);
  EXPECT_EQ(out,
            "Status: 405 Method Not Allowed\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Cache-Control: private, no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Allow: GET, HEAD\r\n"
            "Content-Length: 19\r\n\r\n"
            "method not allowed\n");
  r = ErrorResponse(503, "no mirror\r\nX-Evil: 1");
  EXPECT_EQ(r.Header("Retry-After"), "60");
  EXPECT_EQ(r.body, "no mirror\\x0D\\x0AX-Evil: 1\n")
      << "request bytes cannot make headers";
  std::string head;
  r.SerializeTo(true, &head);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "HEAD: headers only";
}

TEST(ResponseTest, HeadersKeepTheirOrderAndNamesMatchWithoutCase) {
  Response r;
  r.AddHeader("Link", "<a>");
  r.AddHeader("Content-Type", "text/plain");
  r.AddHeader("Link", "<b>");
  EXPECT_EQ(r.Header("link"), "<a>") << "the first of repeated headers";
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(r.Header("Content"), "") << "a prefix is not a name";
  EXPECT_EQ(r.Header("Location"), "");
  std::vector<std::pair<std::string, std::string>> want = {
      {"Link", "<a>"}, {"Content-Type", "text/plain"}, {"Link", "<b>"}};
  EXPECT_EQ(r.Headers(), want);

  // SerializeTo replaces what the buffer held.
  std::string out = "left over from a longer answer, which must not show";
  r.status = 200;
  r.body = "hi";
  r.SerializeTo(false, &out);
  EXPECT_EQ(
      out,
      "Status: 200 OK\r\nLink: <a>\r\nContent-Type: text/plain\r\nLink: <b>\r\n"
      "Content-Length: 2\r\n\r\nhi");
  r.SerializeTo(true, &out);
  EXPECT_EQ(
      out,
      "Status: 200 OK\r\nLink: <a>\r\nContent-Type: text/plain\r\nLink: <b>\r\n"
      "Content-Length: 2\r\n\r\n")
      << "HEAD keeps the GET's Content-Length";
}

TEST(ResponseTest, DigestEncoding) {
  // SHA-256 of nothing: its bytes as hex for the pages, base64 for headers.
  const char* hex =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  FileRecord f;
  f.path = "empty";
  f.sha256 = Digest(hex);
  EXPECT_EQ(f.sha256.Hex(), hex);
  EXPECT_EQ(Sha256Digest().Hex(), "");
  std::vector<MirrorStatus> ms = {UpMirror(1, "fra1", "DE")};
  Selection sel;
  sel.ranked = {{&ms[0], Tier::kAsn, 12.0, "https://fra1.example.org/", false}};
  Response r = RedirectResponse(sel, f, "https://repo.example.org/", 0);
  EXPECT_EQ(r.Header("Digest"),
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(r.Header("Repr-Digest"),
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
}

// The Metalink's file name as people read it (RFC 6266), not
// percent-escaped; the exact name in filename* when it is not plain ASCII.
TEST(ContentDisposition, ReadableNameAndExactUtf8) {
  EXPECT_EQ(ContentDisposition("inline", "jellyfin 10.9.deb.meta4"),
            "inline; filename=\"jellyfin 10.9.deb.meta4\"");
  EXPECT_EQ(ContentDisposition("inline", "caf\xc3\xa9.iso.meta4"),
            "inline; filename=\"caf__.iso.meta4\"; "
            "filename*=UTF-8''caf%C3%A9.iso.meta4");
  EXPECT_EQ(ContentDisposition("inline", "a\"b\\c d.meta4"),
            "inline; filename=\"a_b_c d.meta4\"; "
            "filename*=UTF-8''a%22b%5Cc%20d.meta4");
  EXPECT_EQ(
      ContentDisposition("attachment", "x\r\ny.meta4"),
      "attachment; filename=\"x__y.meta4\"; filename*=UTF-8''x%0D%0Ay.meta4");
}

TEST(ErrorResponse, PlainTextIsNotSniffed) {
  for (int status : {400, 404, 405, 503}) {
    Response r = ErrorResponse(status, "<script>x</script>");
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << status;
    EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  }
}

}  // namespace
}  // namespace waymark
