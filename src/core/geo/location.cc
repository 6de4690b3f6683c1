#include "core/geo/location.h"

#include <algorithm>

namespace waymark {

namespace {
constexpr double kEarthRadiusKm = 6371.0088;  // the mean radius
}  // namespace

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  return DistanceKm(ToSpherePoint(lat1, lon1), ToSpherePoint(lat2, lon2));
}

SpherePoint ToSpherePoint(double lat, double lon) {
  constexpr double kRad = M_PI / 180.0;
  double c = std::cos(lat * kRad);
  return {c * std::cos(lon * kRad), c * std::sin(lon * kRad),
          std::sin(lat * kRad)};
}

// The chord is 2 sin(angle / 2): the haversine's sqrt(a) is half of it.
double ChordToKm(double chord) {
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, chord / 2));
}

double KmToChord(double km) {
  double half_angle = km / (2 * kEarthRadiusKm);
  return half_angle >= M_PI / 2 ? INFINITY : 2 * std::sin(half_angle);
}

double DistanceKm(const SpherePoint& a, const SpherePoint& b) {
  return ChordToKm(Chord(a, b));
}

}  // namespace waymark
