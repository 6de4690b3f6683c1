#include "core/url.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace waymark {
namespace {

struct Accepted {
  const char* scheme;
  const char* input;
  const char* normalised;
};

TEST(BaseUrlTest, AcceptsAndNormalises) {
  const Accepted cases[] = {
      {"http", "http://example.org", "http://example.org/"},
      {"http", "HTTP://Example.ORG/pub", "http://example.org/pub/"},
      {"https", "https://fra1.mirror.jellyfin.org/",
       "https://fra1.mirror.jellyfin.org/"},
      {"https", "https://mirror.example.org:8443/jellyfin/",
       "https://mirror.example.org:8443/jellyfin/"},
      {"http", "http://127.0.0.1:8081/repo", "http://127.0.0.1:8081/repo/"},
      {"http", "http://[::1]:8082/", "http://[::1]:8082/"},
      {"http", "http://[2001:DB8::1]/x/", "http://[2001:db8::1]/x/"},
      {"http", "http://example.org/a%20b/", "http://example.org/a%20b/"},
      {"rsync", "rsync://fra1.example.org/mirror",
       "rsync://fra1.example.org/mirror/"},
      {"rsync", "rsync://user:s3cret@fra1.example.org/mirror/",
       "rsync://user:s3cret@fra1.example.org/mirror/"},
      {"ftp", "ftp://anonymous@ftp.example.org/pub/",
       "ftp://anonymous@ftp.example.org/pub/"},
      {"http", "http://example.org./", "http://example.org./"},
  };
  for (const auto& c : cases) {
    BaseUrl url;
    Status s = ParseBaseUrl(c.input, c.scheme, "--x", &url);
    ASSERT_TRUE(s.ok()) << c.input << ": " << s.message();
    EXPECT_EQ(url.ToString(), c.normalised) << c.input;
  }
}

struct Rejected {
  const char* scheme;
  const char* input;
  const char* error;
};

TEST(BaseUrlTest, RejectsWithExactMessages) {
  const Rejected cases[] = {
      {"http", "ftp://example.org/",
       "--x: 'ftp://example.org/' is not an http:// URL"},
      {"https", "http://example.org/",
       "--x: 'http://example.org/' is not an https:// URL"},
      {"http", "example.org", "--x: 'example.org' is not an http:// URL"},
      {"http", "", "--x: '' is not an http:// URL"},
      {"http", "http:///pub/", "--x: 'http:///pub/' has no host"},
      {"http", "http://exa_mple.org/",
       "--x: 'http://exa_mple.org/' has an invalid host 'exa_mple.org'"},
      {"http", "http://-bad.org/",
       "--x: 'http://-bad.org/' has an invalid host '-bad.org'"},
      {"http", "http://999.1.1.1/",
       "--x: 'http://999.1.1.1/' has an invalid host '999.1.1.1'"},
      {"http", "http://example.org:0/",
       "--x: 'http://example.org:0/' has an invalid port '0'"},
      {"http", "http://example.org:65536/",
       "--x: 'http://example.org:65536/' has an invalid port '65536'"},
      {"http", "http://example.org:/",
       "--x: 'http://example.org:/' has an invalid port ''"},
      {"http", "http://example.org:8x/",
       "--x: 'http://example.org:8x/' has an invalid port '8x'"},
      {"http", "http://[::1/",
       "--x: 'http://[::1/' has an unclosed '[' in its host"},
      {"http", "http://[zz::1]/",
       "--x: 'http://[zz::1]/' has an invalid IPv6 address 'zz::1'"},
      {"http", "http://example.org/?x=1",
       "--x: 'http://example.org/?x=1' must not have a query or fragment"},
      {"http", "http://example.org/#top",
       "--x: 'http://example.org/#top' must not have a query or fragment"},
      {"http", "http://u:p@example.org/",
       "--x: 'http://u:***@example.org/' must not contain credentials"},
      {"https", "https://user@example.org/",
       "--x: 'https://user@example.org/' must not contain credentials"},
      {"http", "http://example.org/a/../b/",
       "--x: 'http://example.org/a/../b/' has a '.' or '..' path segment"},
      {"http", "http://example.org/./",
       "--x: 'http://example.org/./' has a '.' or '..' path segment"},
      {"http", "http://example.org/a%2/",
       "--x: 'http://example.org/a%2/' has invalid percent-encoding"},
      {"http", "http://example.org/a%zz/",
       "--x: 'http://example.org/a%zz/' has invalid percent-encoding"},
      {"http", "http://example.org/a b/",
       "--x: 'http://example.org/a b/' contains a space, control or non-ASCII "
       "character"},
      {"http", "http://example.org/\n",
       "--x: 'http://example.org/\\x0A' contains a space, control or non-ASCII "
       "character"},
      {"rsync", "rsync://example.org/",
       "--x: 'rsync://example.org/' names no rsync module"},
      {"rsync", "rsync://:pw@example.org/m/",
       "--x: 'rsync://:***@example.org/m/' has credentials without a user "
       "name"},
  };
  for (const auto& c : cases) {
    BaseUrl url;
    Status s = ParseBaseUrl(c.input, c.scheme, "--x", &url);
    EXPECT_FALSE(s.ok()) << c.input;
    EXPECT_TRUE(s.IsInvalidArgument()) << c.input;
    EXPECT_EQ(s.message(), c.error);
  }
}

TEST(BaseUrlTest, EncodesPaths) {
  EXPECT_EQ(EncodePath("releases/server/jellyfin_10.7.2-1_all.deb"),
            "releases/server/jellyfin_10.7.2-1_all.deb");
  EXPECT_EQ(EncodePath("a b/c%d?e#f\"\n"), "a%20b/c%25d%3Fe%23f%22%0A");
  EXPECT_EQ(EncodePath("caf\xc3\xa9"), "caf%C3%A9");
  // Every byte: kept exactly when RFC 3986 allows it in a path segment or
  // it is the separator, else %XX.
  const std::string kept =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/"
      "!$&'()*+,;=:@";
  for (int c = 0; c < 256; ++c) {
    std::string in(1, static_cast<char>(c));
    char hex[4];
    std::snprintf(hex, sizeof hex, "%%%02X", c);
    EXPECT_EQ(EncodePath(in),
              kept.find(static_cast<char>(c)) != std::string::npos ? in : hex)
        << c;
    // The view agrees, and is of the path itself exactly when nothing is
    // encoded.
    std::string storage = "untouched";
    std::string_view view = EncodedPath(in, &storage);
    EXPECT_EQ(view, EncodePath(in)) << c;
    EXPECT_EQ(view.data() == in.data(), view == in) << c;
    if (view == in) {
      EXPECT_EQ(storage, "untouched") << c;
    }
  }
  std::string storage;
  const std::string plain = "releases/server/jellyfin_10.7.2-1_all.deb";
  EXPECT_EQ(EncodedPath(plain, &storage).data(), plain.data());
  const std::string spaced = "releases/a b.deb";
  EXPECT_EQ(EncodedPath(spaced, &storage), "releases/a%20b.deb");
  EXPECT_EQ(storage, "releases/a%20b.deb");
}

TEST(BaseUrlTest, RedactsPasswordsOnly) {
  EXPECT_EQ(RedactUrl("rsync://user:s3cret@h.org/m/"),
            "rsync://user:***@h.org/m/");
  EXPECT_EQ(RedactUrl("ftp://anonymous@h.org/pub/"),
            "ftp://anonymous@h.org/pub/");
  EXPECT_EQ(RedactUrl("https://h.org/a:b@c/"), "https://h.org/a:b@c/");
  EXPECT_EQ(RedactUrl(""), "");
}

TEST(PercentDecodeTest, DecodesEscapesAndFormSpaces) {
  struct Case {
    const char* in;
    bool form;
    const char* out;
  } ok[] = {
      {"a%20b", false, "a b"},
      {"100%25.iso", false, "100%.iso"},
      {"%2f%2F", false, "//"},
      {"a+b", false, "a+b"},
      {"a+b%2B", true, "a b+"},
      {"", false, ""},
      {"caf%C3%A9", false, "caf\xC3\xA9"},
  };
  for (const Case& c : ok) {
    std::string out = "old";
    EXPECT_TRUE(PercentDecode(c.in, &out, c.form)) << c.in;
    EXPECT_EQ(out, c.out) << c.in;
  }
  for (const char* bad : {"%", "%2", "a%2", "%g0", "%0g", "%%41", "50%"}) {
    std::string out = "old";
    EXPECT_FALSE(PercentDecode(bad, &out)) << bad;
    EXPECT_FALSE(PercentDecode(bad, &out, true)) << bad;
    EXPECT_EQ(out, "old") << bad;
  }
  std::string nul;
  EXPECT_TRUE(PercentDecode("a%00b", &nul));
  EXPECT_EQ(nul, std::string("a\0b", 3));
}

// The one rule every mirror writer uses: no password for the operator, no
// account at all for the public.
TEST(BaseUrlTest, ShownUrlHidesCredentialsForEachReader) {
  struct Case {
    const char* url;
    const char* operator_sees;
    const char* public_sees;
  } cases[] = {
      {"rsync://user:s3cret@h.org/m/", "rsync://user:***@h.org/m/", ""},
      {"ftp://anonymous@h.org/pub/", "ftp://anonymous@h.org/pub/", ""},
      {"ftp://h.org/pub/", "ftp://h.org/pub/", "ftp://h.org/pub/"},
      {"https://h.org/a/", "https://h.org/a/", "https://h.org/a/"},
      {"http://u:pw@h.org/", "http://u:***@h.org/", ""},  // refused when stored
      {"", "", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ShownUrl(c.url, UrlReader::kOperator), c.operator_sees) << c.url;
    EXPECT_EQ(ShownUrl(c.url, UrlReader::kPublic), c.public_sees) << c.url;
  }
}

}  // namespace
}  // namespace waymark
