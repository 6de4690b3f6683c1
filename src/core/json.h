// JSON output, for every binary's --json and the redirector's JSON pages:
// one way to write a value that may be missing, and one way to turn a
// document into text. Built on nlohmann-json; any code may call it.
//
// Text is always valid JSON: strings (file names above all) may hold bytes
// that are not UTF-8, and nlohmann's dump() throws on those. JsonText()
// writes each invalid byte as U+FFFD instead (the choice the redirector's
// pages made first). Such a name then no longer round-trips, but the output
// parses and all else in it is exact; the text outputs show the bytes.
#ifndef WAYMARK_CORE_JSON_H_
#define WAYMARK_CORE_JSON_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace waymark {

// `s`, or null when it is empty (a field that is not set).
nlohmann::json StringOrNull(const std::string& s);

// *v, or null when there is no value.
template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// `j` indented by two spaces, with a final newline; never throws on
// invalid UTF-8 (see above).
std::string JsonText(const nlohmann::json& j);

}  // namespace waymark

#endif  // WAYMARK_CORE_JSON_H_
