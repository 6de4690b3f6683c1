// A MirrorStatus to start from, for the unit tests of selection, responses,
// pages and the handler (header only: the unit tests link no harness
// servers). Each test then sets what it is about.
#ifndef WAYMARK_TESTS_HARNESS_MIRROR_STATUS_H_
#define WAYMARK_TESTS_HARNESS_MIRROR_STATUS_H_

#include <string>

#include "core/model/selection.h"

namespace waymark {
namespace test {

// Mirror `id` named `name` in `country` and `continent` ("" unknown),
// enabled, with base URLs http://NAME.example.org/ and
// https://NAME.example.org/, up over both schemes and IP families, 60 s
// behind the origin.
inline MirrorStatus UpMirror(int id, const std::string& name,
                             const std::string& country,
                             const std::string& continent = "") {
  MirrorStatus s;
  Mirror& m = s.mirror;
  m.id = id;
  m.name = name;
  m.http_url = "http://" + name + ".example.org/";
  m.https_url = "https://" + name + ".example.org/";
  m.country = country;
  m.continent = continent;
  m.enabled = true;
  s.http_v4 = s.http_v6 = s.https_v4 = s.https_v6 = Health::kUp;
  s.trace_lag = 60;
  return s;
}

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_MIRROR_STATUS_H_
