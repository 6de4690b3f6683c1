// Where something is, as plain values: a GeoLocation (country, continent,
// AS number, coordinates) and great-circle distances between points. No
// reader: the GeoIP databases that fill a GeoLocation are in geoip.h.
//
// Pure code (mirror selection, fallbacks, pages) and its tests include this
// header rather than geoip.h, so they compile without the readers and the
// configuration.
#ifndef WAYMARK_CORE_GEO_LOCATION_H_
#define WAYMARK_CORE_GEO_LOCATION_H_

#include <cmath>
#include <optional>
#include <string>

namespace waymark {

struct GeoLocation {
  std::string country;    // ISO 3166-1 alpha-2, "" unknown
  std::string continent;  // AF AN AS EU NA OC SA, "" unknown
  std::optional<long long> asn;
  std::optional<double> latitude, longitude;
  // The coordinates are the country's centroid, not the database's.
  bool centroid = false;

  bool known() const { return !country.empty() || asn.has_value(); }
};

// Great-circle distance in kilometres between two points in degrees.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

// A point on the unit sphere. Distances between points cost one square root
// and one arcsine, where DistanceKm() from degrees needs five trigonometric
// calls: the redirector converts each mirror once per refresh and the
// client once per request.
struct SpherePoint {
  double x = 0, y = 0, z = 0;
};
SpherePoint ToSpherePoint(double lat, double lon);
// The same great-circle distance as DistanceKm() (from the chord).
double DistanceKm(const SpherePoint& a, const SpherePoint& b);
// The chord between two points (a straight line through the unit sphere,
// 0 to 2), and the conversions between chords and kilometres: rankings by
// distance can compare chords and convert only what they show.
// Inline: the redirector works it out for every mirror on every request.
inline double Chord(const SpherePoint& a, const SpherePoint& b) {
  double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}
double ChordToKm(double chord);
double KmToChord(double km);  // INFINITY from half the circumference on

}  // namespace waymark

#endif  // WAYMARK_CORE_GEO_LOCATION_H_
