#include "redirector/pages/world_map.h"

#include <algorithm>
#include <cstdio>

#include "core/markup.h"

namespace waymark {

namespace {

// Continents as rough (longitude, latitude) rings: enough to recognise the
// world at a glance, small enough to send with every page (about 3 KB).
const std::vector<std::vector<std::pair<int, int>>>& Outlines() {
  static const std::vector<std::vector<std::pair<int, int>>> kRings = {
      // North and Central America
      {{-168, 65}, {-140, 70}, {-95, 72},  {-80, 63},  {-60, 55},  {-52, 47},
       {-66, 44},  {-76, 35},  {-81, 25},  {-90, 29},  {-97, 26},  {-97, 20},
       {-92, 15},  {-83, 9},   {-78, 8},   {-88, 15},  {-106, 23}, {-117, 32},
       {-124, 40}, {-124, 48}, {-135, 58}, {-150, 60}, {-165, 55}},
      // Greenland
      {{-73, 78}, {-20, 83}, {-20, 70}, {-45, 60}, {-55, 65}},
      // South America
      {{-78, 8},
       {-60, 10},
       {-50, 0},
       {-35, -7},
       {-40, -22},
       {-48, -28},
       {-58, -38},
       {-65, -55},
       {-72, -50},
       {-73, -40},
       {-71, -18},
       {-81, -5}},
      // Europe and Asia
      {{-10, 36}, {-9, 43},  {-1, 46},  {-4, 48},  {2, 51},   {8, 54},
       {5, 60},   {14, 68},  {28, 71},  {45, 68},  {70, 73},  {100, 78},
       {140, 72}, {180, 68}, {180, 65}, {160, 60}, {140, 55}, {135, 43},
       {128, 38}, {122, 30}, {120, 22}, {108, 20}, {106, 10}, {100, 13},
       {98, 8},   {94, 16},  {88, 22},  {80, 15},  {77, 8},   {72, 20},
       {66, 25},  {57, 25},  {52, 28},  {48, 30},  {56, 24},  {59, 22},
       {52, 16},  {43, 13},  {35, 28},  {34, 31},  {36, 36},  {28, 37},
       {26, 40},  {23, 36},  {20, 40},  {14, 45},  {18, 40},  {16, 38},
       {12, 44},  {8, 44},   {3, 43},   {-2, 37}},
      // Africa
      {{-17, 21}, {-10, 30}, {-6, 36},  {10, 37},  {11, 33}, {20, 31},
       {32, 31},  {34, 28},  {43, 12},  {51, 12},  {40, -5}, {40, -15},
       {33, -25}, {20, -35}, {17, -30}, {12, -17}, {13, -5}, {9, 4},
       {-5, 5},   {-13, 8},  {-17, 14}},
      // Madagascar
      {{44, -25}, {50, -15}, {49, -12}, {44, -17}},
      // Great Britain and Ireland
      {{-5, 50},
       {1, 51},
       {0, 53},
       {-3, 56},
       {-5, 58},
       {-6, 56},
       {-5, 54},
       {-3, 53}},
      {{-10, 52}, {-6, 52}, {-6, 55}, {-8, 55}},
      // Japan
      {{130, 31},
       {135, 34},
       {140, 36},
       {141, 41},
       {142, 45},
       {140, 40},
       {136, 36},
       {130, 33}},
      // Indonesia (Sumatra, Borneo, New Guinea)
      {{95, 5}, {106, -6}, {104, -5}, {98, 0}},
      {{109, 2}, {117, 7}, {119, 0}, {116, -4}, {110, -3}},
      {{131, -1}, {141, -3}, {150, -10}, {141, -9}, {138, -8}},
      // Australia and New Zealand
      {{114, -22},
       {122, -18},
       {130, -12},
       {137, -12},
       {142, -11},
       {146, -19},
       {153, -25},
       {151, -33},
       {146, -39},
       {138, -35},
       {130, -32},
       {116, -35}},
      {{172, -35}, {178, -38}, {174, -41}, {168, -46}, {171, -42}},
  };
  return kRings;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double X(double lon) { return std::clamp(lon, -180.0, 180.0) + 180; }
double Y(double lat) { return 90 - std::clamp(lat, -60.0, 90.0); }

const char* ClassOf(MapPoint::Kind k) {
  switch (k) {
    case MapPoint::Kind::kClient:
      return "client";
    case MapPoint::Kind::kChosen:
      return "chosen";
    case MapPoint::Kind::kCandidate:
      return "candidate";
    case MapPoint::Kind::kExcluded:
      return "excluded";
    case MapPoint::Kind::kUp:
      return "up";
    case MapPoint::Kind::kDown:
      return "down";
  }
  return "candidate";
}

}  // namespace

std::string WorldMapSvg(const std::vector<MapPoint>& points) {
  std::string s =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"0 0 "
      "360 150\" "
      "role=\"img\" aria-label=\"World map of the mirrors\">\n"
      "<rect width=\"360\" height=\"150\" fill=\"#eaf2f8\"/>\n<g "
      "fill=\"#cfd8c8\" "
      "stroke=\"#9aa893\" stroke-width=\"0.3\">\n";
  for (const auto& ring : Outlines()) {
    s += "<polygon points=\"";
    for (size_t i = 0; i < ring.size(); ++i) {
      if (i) s += ' ';
      s += Num(X(ring[i].first)) + "," + Num(Y(ring[i].second));
    }
    s += "\"/>\n";
  }
  s += "</g>\n<g stroke=\"#b8c7d3\" stroke-width=\"0.2\" fill=\"none\">\n";
  for (int lon = -150; lon <= 150; lon += 30)
    s += "<line x1=\"" + Num(X(lon)) + "\" y1=\"0\" x2=\"" + Num(X(lon)) +
         "\" y2=\"150\"/>\n";
  for (int lat = 60; lat >= -30; lat -= 30)
    s += "<line x1=\"0\" y1=\"" + Num(Y(lat)) + "\" x2=\"360\" y2=\"" +
         Num(Y(lat)) + "\"/>\n";
  s += "</g>\n";
  for (const MapPoint& p : points) {
    bool client = p.kind == MapPoint::Kind::kClient;
    const char* fill = "#2b7bb9";
    switch (p.kind) {
      case MapPoint::Kind::kClient:
        fill = "#d9480f";
        break;
      case MapPoint::Kind::kChosen:
        fill = "#2f9e44";
        break;
      case MapPoint::Kind::kCandidate:
        fill = "#2b7bb9";
        break;
      case MapPoint::Kind::kExcluded:
        fill = "#999999";
        break;
      case MapPoint::Kind::kUp:
        fill = "#2f9e44";
        break;
      case MapPoint::Kind::kDown:
        fill = "#c92a2a";
        break;
    }
    s += std::string("<circle class=\"") + ClassOf(p.kind) + "\" cx=\"" +
         Num(X(p.longitude)) + "\" cy=\"" + Num(Y(p.latitude)) + "\" r=\"" +
         (client ? "3" : "2.2") + "\" fill=\"" + fill +
         "\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>" +
         EscapeXml(p.label) + "</title></circle>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace waymark
