#include "core/net/http_fetch.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

// Where a mirror allowed to redirect may send waymark-trace's checks.
TEST(RedirectRefusal, OnlyTheMirrorsOwnHostsOverHttp) {
  const std::vector<std::string> hosts = {"dl.example.org", "2001:db8::5"};
  EXPECT_EQ(RedirectRefusal("http://fra1.example.org/pub/x", "fra1.example.org",
                            hosts),
            "");
  EXPECT_EQ(RedirectRefusal("https://FRA1.Example.org:8443/y",
                            "fra1.example.org", hosts),
            "");
  EXPECT_EQ(
      RedirectRefusal("https://dl.example.org/y", "fra1.example.org", hosts),
      "");
  EXPECT_EQ(
      RedirectRefusal("http://[2001:db8::5]/y", "fra1.example.org", hosts), "");
  EXPECT_EQ(RedirectRefusal("http://169.254.169.254/latest/meta-data/",
                            "fra1.example.org", hosts),
            "redirect to another host (169.254.169.254) than the mirror's");
  EXPECT_EQ(
      RedirectRefusal("http://localhost:5432/", "fra1.example.org", hosts),
      "redirect to another host (localhost) than the mirror's");
  EXPECT_EQ(RedirectRefusal("http://fra1.example.org.evil.test/",
                            "fra1.example.org", hosts),
            "redirect to another host (fra1.example.org.evil.test) than the "
            "mirror's");
  EXPECT_EQ(
      RedirectRefusal("ftp://fra1.example.org/x", "fra1.example.org", hosts),
      "redirect to ftp://fra1.example.org/x, not an http(s) URL");
  EXPECT_EQ(RedirectRefusal("file:///etc/passwd", "fra1.example.org", hosts),
            "redirect to file:///etc/passwd, not an http(s) URL");
}

TEST(RedirectAddressAllowed, NoSpecialPurposeAddressUnlessTheMirrorIsOne) {
  auto ip = [](const char* text) {
    IpAddress a;
    EXPECT_TRUE(IpAddress::Parse(text, &a)) << text;
    return a;
  };
  IpAddress mirror = ip("8.8.4.4");
  for (const char* special :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1"})
    EXPECT_FALSE(RedirectAddressAllowed(ip(special), mirror)) << special;
  EXPECT_TRUE(RedirectAddressAllowed(ip("1.1.1.1"), mirror));
  EXPECT_TRUE(RedirectAddressAllowed(ip("2606:4700::1111"), mirror));
  // A mirror on a private network (a test, a LAN mirror) may redirect
  // within it.
  EXPECT_TRUE(RedirectAddressAllowed(ip("10.1.2.3"), ip("10.9.9.9")));
  EXPECT_TRUE(RedirectAddressAllowed(ip("127.0.0.2"), ip("127.0.0.1")));
}

}  // namespace
}  // namespace waymark
