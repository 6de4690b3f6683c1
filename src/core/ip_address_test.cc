#include "core/ip_address.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(IpAddressTest, ParsesV4V6AndMapped) {
  IpAddress a;
  ASSERT_TRUE(IpAddress::Parse("81.2.69.142", &a));
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.family(), 4);
  EXPECT_EQ(a.ToString(), "81.2.69.142");
  ASSERT_TRUE(IpAddress::Parse("::ffff:81.2.69.142", &a));
  EXPECT_TRUE(a.is_v4()) << "IPv4-mapped IPv6 is the IPv4 address";
  EXPECT_EQ(a.ToString(), "81.2.69.142");
  ASSERT_TRUE(IpAddress::Parse("2A01:4F8::1", &a));
  EXPECT_FALSE(a.is_v4());
  EXPECT_EQ(a.ToString(), "2a01:4f8::1");
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "[::1]", "::1%eth0",
        "fe80::1/64", "1.2.3.4:80", "example.org", " 1.2.3.4"}) {
    EXPECT_FALSE(IpAddress::Parse(bad, &a)) << bad;
  }
}

TEST(IpAddressTest, GlobalAndReservedRanges) {
  struct Case {
    const char* addr;
    bool global;
  };
  const Case cases[] = {
      {"8.8.8.8", true},
      {"81.2.69.142", true},
      {"100.63.255.255", true},
      {"100.128.0.0", true},
      {"172.32.0.1", true},
      {"10.1.2.3", false},
      {"172.16.0.1", false},
      {"172.31.255.255", false},
      {"192.168.1.1", false},
      {"127.0.0.1", false},
      {"0.0.0.0", false},
      {"169.254.1.1", false},
      {"100.64.0.1", false},
      {"192.0.2.1", false},
      {"198.51.100.7", false},
      {"203.0.113.5", false},
      {"224.0.0.1", false},
      {"255.255.255.255", false},
      {"198.18.0.1", false},
      {"::ffff:10.0.0.1", false},
      {"::ffff:8.8.4.4", true},
      {"2a01:4f8::1", true},
      {"2600:1f18::1", true},
      {"::1", false},
      {"::", false},
      {"fe80::1", false},
      {"fc00::1", false},
      {"fd12:3456::1", false},
      {"ff02::1", false},
      {"2001:db8::1", false},
      {"2002:c000:0204::1", false},
      {"3fff::1", false},
      {"2001::1", false},
  };
  for (const auto& c : cases) {
    IpAddress a;
    ASSERT_TRUE(IpAddress::Parse(c.addr, &a)) << c.addr;
    EXPECT_EQ(a.IsGlobal(), c.global) << c.addr;
  }
}

}  // namespace
}  // namespace waymark
