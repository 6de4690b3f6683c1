#include "core/geo/location.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(DistanceTest, GreatCircle) {
  // Frankfurt - Singapore is about 10,260 km; Toronto - San Francisco 3,640.
  EXPECT_NEAR(DistanceKm(50.1109, 8.6821, 1.3521, 103.8198), 10260, 30);
  EXPECT_NEAR(DistanceKm(43.6532, -79.3832, 37.7749, -122.4194), 3640, 30);
  EXPECT_DOUBLE_EQ(DistanceKm(10, 20, 10, 20), 0);
  EXPECT_NEAR(DistanceKm(0, 0, 0, 180), 20015, 5);
  EXPECT_NEAR(DistanceKm(0, 179.5, 0, -179.5), 111, 1)
      << "across the date line";
}

TEST(DistanceTest, SpherePointsGiveTheSameDistances) {
  const double points[][2] = {{50.1109, 8.6821},
                              {1.3521, 103.8198},
                              {43.6532, -79.3832},
                              {37.7749, -122.4194},
                              {0, 179.5},
                              {0, -179.5},
                              {-33.9, 151.2},
                              {90, 0},
                              {-90, 0},
                              {10, 20}};
  for (const auto& a : points) {
    for (const auto& b : points) {
      double want = DistanceKm(a[0], a[1], b[0], b[1]);
      double got =
          DistanceKm(ToSpherePoint(a[0], a[1]), ToSpherePoint(b[0], b[1]));
      EXPECT_NEAR(got, want, 1e-6 * (1 + want))
          << a[0] << "," << a[1] << " - " << b[0] << "," << b[1];
    }
  }
}

}  // namespace
}  // namespace waymark
