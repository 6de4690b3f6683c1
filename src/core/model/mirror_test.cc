#include "core/model/mirror.h"

#include <gtest/gtest.h>

#include "core/geo/country.h"

namespace waymark {
namespace {

TEST(MirrorNameTest, AcceptsAndRejects) {
  for (const char* ok : {"fra1", "a", "mirror.example-1_b", "9x"}) {
    EXPECT_TRUE(ValidateMirrorName(ok).ok()) << ok;
  }
  for (const char* bad :
       {"", "-a", ".a", "a b", "a/b", "a\nb", "ä",
        "x234567890123456789012345678901234567890123456789012345678901234"}) {
    Status s = ValidateMirrorName(bad);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
  }
  EXPECT_EQ(
      ValidateMirrorName("a b").message(),
      "mirror name 'a b' is invalid: use up to 63 letters, digits, '.', '_' or "
      "'-', starting with a letter or digit");
}

TEST(MirrorFieldTest, Countries) {
  std::string cc;
  ASSERT_TRUE(ParseCountry("--country", "de", &cc).ok());
  EXPECT_EQ(cc, "DE");
  EXPECT_EQ(ParseCountry("--country", "XX", &cc).message(),
            "--country: 'XX' is not an ISO 3166-1 country code");
  EXPECT_EQ(ParseCountry("--country", "DEU", &cc).message(),
            "--country: 'DEU' is not an ISO 3166-1 country code");
  std::vector<std::string> list;
  ASSERT_TRUE(ParseCountryList("--also-countries", "at, ch,AT", &list).ok());
  EXPECT_EQ(list, (std::vector<std::string>{"AT", "CH"}));
  ASSERT_TRUE(ParseCountryList("--also-countries", "", &list).ok());
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(ParseCountryList("--also-countries", "AT,,CH", &list).message(),
            "--also-countries: '' is not an ISO 3166-1 country code");
  EXPECT_EQ(ContinentOfCountry("DE"), "EU");
  EXPECT_EQ(ContinentOfCountry("SG"), "AS");
  EXPECT_EQ(ContinentOfCountry("BR"), "SA");
  EXPECT_EQ(ContinentOfCountry("AU"), "OC");
  EXPECT_EQ(ContinentOfCountry("CA"), "NA");
  EXPECT_EQ(ContinentOfCountry("ZA"), "AF");
  EXPECT_EQ(ContinentOfCountry("XX"), "");
}

TEST(MirrorFieldTest, NumbersWithExactMessages) {
  std::string s;
  EXPECT_EQ(ParseContinent("--continent", "XY", &s).message(),
            "--continent: 'XY' is not a continent code (AF AN AS EU NA OC SA)");
  ASSERT_TRUE(ParseContinent("--continent", "eu", &s).ok());
  EXPECT_EQ(s, "EU");

  long long n;
  ASSERT_TRUE(ParseAsn("--asn", "AS14061", &n).ok());
  EXPECT_EQ(n, 14061);
  ASSERT_TRUE(ParseAsn("--asn", "4294967295", &n).ok());
  EXPECT_EQ(ParseAsn("--asn", "4294967296", &n).message(),
            "--asn: '4294967296' is not an AS number (0 to 4294967295)");
  EXPECT_EQ(ParseAsn("--asn", "-1", &n).message(),
            "--asn: '-1' is not an AS number (0 to 4294967295)");

  double d;
  ASSERT_TRUE(ParseLatitude("--lat", "-33.8688", &d).ok());
  EXPECT_DOUBLE_EQ(d, -33.8688);
  EXPECT_EQ(ParseLatitude("--lat", "90.5", &d).message(),
            "--lat: '90.5' is not a latitude (decimal degrees from -90 to 90)");
  EXPECT_EQ(
      ParseLongitude("--lon", "nan", &d).message(),
      "--lon: 'nan' is not a longitude (decimal degrees from -180 to 180)");
  EXPECT_EQ(
      ParseLongitude("--lon", "1e3", &d).message(),
      "--lon: '1e3' is not a longitude (decimal degrees from -180 to 180)");

  int w;
  ASSERT_TRUE(ParseWeight("--weight", "1000000", &w).ok());
  EXPECT_EQ(ParseWeight("--weight", "0", &w).message(),
            "--weight: '0' is not a weight (an integer from 1 to 1000000)");
  EXPECT_EQ(ParseWeight("--weight", "1.5", &w).message(),
            "--weight: '1.5' is not a weight (an integer from 1 to 1000000)");

  ASSERT_TRUE(ParseMaxSize("--max-size", "4G", &n).ok());
  EXPECT_EQ(n, 4LL << 30);
  ASSERT_TRUE(ParseMaxSize("--max-size", "123", &n).ok());
  EXPECT_EQ(n, 123);
  EXPECT_EQ(
      ParseMaxSize("--max-size", "0", &n).message(),
      "--max-size: '0' is not a size (bytes, or a number with K, M, G or T)");
  EXPECT_EQ(
      ParseMaxSize("--max-size", "5Q", &n).message(),
      "--max-size: '5Q' is not a size (bytes, or a number with K, M, G or T)");

  const std::pair<const char*, long long> lags[] = {
      {"90", 90}, {"15m", 900}, {"2h", 7200}, {"1d", 86400}};
  for (const auto& [in, want] : lags) {
    ASSERT_TRUE(ParseMaxLag("--max-lag", in, &n).ok()) << in;
    EXPECT_EQ(n, want) << in;
  }
  for (const char* bad : {"0", "0s", "-5", "soon", "1w", "1.5h", "9999999999"})
    EXPECT_EQ(
        ParseMaxLag("--max-lag", bad, &n).message(),
        std::string("--max-lag: '") + bad +
            "' is not a duration (seconds, or a number with s, m, h or d)")
        << bad;

  EXPECT_EQ(ParseEmail("--admin-email", "not-an-address", &s).message(),
            "--admin-email: 'not-an-address' is not an e-mail address");
  EXPECT_EQ(ParseText("--comment", "two\nlines", &s).message(),
            "--comment: 'two\\x0Alines' contains control characters");
}

TEST(MirrorValidateTest, CrossFieldRules) {
  Mirror m;
  m.name = "fra1";
  EXPECT_EQ(ValidateMirror(m).message(),
            "mirror 'fra1' needs an --http or --https URL");
  m.https_url = "https://fra1.example.org/";
  EXPECT_TRUE(ValidateMirror(m).ok());
  m.latitude = 50.1;
  EXPECT_EQ(ValidateMirror(m).message(),
            "mirror 'fra1' needs both --lat and --lon, or neither");
  m.longitude = 8.6;
  m.country_only = true;
  EXPECT_EQ(ValidateMirror(m).message(),
            "mirror 'fra1' is --country-only but has no --country");
  m.country = "DE";
  m.asn_only = true;
  EXPECT_EQ(ValidateMirror(m).message(),
            "mirror 'fra1' is --asn-only but has no --asn");
  m.asn = 14061;
  m.continent_only = true;
  EXPECT_EQ(ValidateMirror(m).message(),
            "mirror 'fra1' is --continent-only but has no --continent");
  m.continent = "EU";
  m.also_countries = {"AT"};
  m.exclude_countries = {"AT"};
  EXPECT_EQ(ValidateMirror(m).message(),
            "mirror 'fra1' both serves and excludes country AT");
  m.exclude_countries = {"RU"};
  EXPECT_TRUE(ValidateMirror(m).ok());
  EXPECT_EQ(PreferredUrl(m), "https://fra1.example.org/");
}

}  // namespace
}  // namespace waymark
