#include "core/model/fallback.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

GeoLocation Loc(const std::string& cc, const std::string& cont, double lat,
                double lon) {
  GeoLocation l;
  l.country = cc;
  l.continent = cont;
  l.latitude = lat;
  l.longitude = lon;
  return l;
}

TEST(FallbackTest, ParsesAndValidates) {
  std::vector<Fallback> f;
  ASSERT_TRUE(ParseFallbacks({"https://repo.example.org/master",
                              "http://eu.example.org/m/ de",
                              "https://x.example.org/ RU AS"},
                             &f)
                  .ok());
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].url, "https://repo.example.org/master/");
  EXPECT_EQ(f[0].country, "");
  EXPECT_EQ(f[1].country, "DE");
  EXPECT_EQ(f[1].continent, "EU") << "from the country";
  EXPECT_EQ(f[2].continent, "AS") << "as given";
  EXPECT_EQ(ParseFallbacks({"https://x.org/ XX"}, &f).message(),
            "redirector.fallback: 'XX' is not an ISO 3166-1 country code");
  EXPECT_EQ(ParseFallbacks({"https://x.org/ CA XY"}, &f).message(),
            "redirector.fallback: 'XY' is not a continent code (AF AN AS EU NA "
            "OC SA)");
  EXPECT_EQ(ParseFallbacks({"https://x.org/?a"}, &f).message(),
            "redirector.fallback: 'https://x.org/?a' must not have a query or "
            "fragment");
}

TEST(FallbackTest, RankedLikeMirrors) {
  std::vector<Fallback> f;
  ASSERT_TRUE(ParseFallbacks(
                  {"https://ca.example.org/master/ CA NA",
                   "https://de.example.org/ DE", "https://sg.example.org/ SG"},
                  &f)
                  .ok());
  EXPECT_EQ(ChooseFallback(f, Loc("DE", "EU", 52.5, 13.4))->url,
            "https://de.example.org/");
  EXPECT_EQ(ChooseFallback(f, Loc("FR", "EU", 48.8, 2.3))->url,
            "https://de.example.org/");
  EXPECT_EQ(ChooseFallback(f, Loc("US", "NA", 40.7, -74))->url,
            "https://ca.example.org/master/");
  EXPECT_EQ(ChooseFallback(f, Loc("AU", "OC", -33.9, 151.2))->url,
            "https://sg.example.org/")
      << "nearest by centroid";
  EXPECT_EQ(ChooseFallback(f, Loc("ZA", "AF", -30.6, 22.9))->url,
            "https://de.example.org/");
  EXPECT_EQ(ChooseFallback(f, GeoLocation())->url,
            "https://ca.example.org/master/")
      << "unknown client: the first configured";
  EXPECT_EQ(ChooseFallback({}, GeoLocation()), nullptr);
}

}  // namespace
}  // namespace waymark
