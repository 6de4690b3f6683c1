// A small world map as inline SVG: rough continent outlines, a graticule,
// and points for the client and the mirrors, each with a <title> tooltip.
// Pure code; no external files, fonts or scripts, so the pages that embed it
// work offline, behind strict CSP, and on a phone (it scales to the width).
#ifndef WAYMARK_REDIRECTOR_PAGES_WORLD_MAP_H_
#define WAYMARK_REDIRECTOR_PAGES_WORLD_MAP_H_

#include <string>
#include <vector>

namespace waymark {

struct MapPoint {
  enum class Kind { kClient, kChosen, kCandidate, kExcluded, kUp, kDown };
  double latitude = 0, longitude = 0;
  Kind kind = Kind::kCandidate;
  std::string label;  // plain text; escaped here
};

// An <svg> element (equirectangular, latitude 90 to -60) with the points in
// order, later ones drawn on top.
std::string WorldMapSvg(const std::vector<MapPoint>& points);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_PAGES_WORLD_MAP_H_
