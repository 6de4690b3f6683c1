#include "core/json.h"

namespace waymark {

nlohmann::json StringOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

std::string JsonText(const nlohmann::json& j) {
  // error_handler_t::replace: each byte that does not begin or continue a
  // valid UTF-8 sequence becomes U+FFFD; ensure_ascii false keeps valid
  // non-ASCII names readable.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace waymark
