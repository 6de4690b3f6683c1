#include "core/clock.h"

namespace waymark {

std::string FormatUtc(long long unix_seconds, UtcFormat format) {
  const char* pattern = format == UtcFormat::kIso8601    ? "%Y-%m-%dT%H:%M:%SZ"
                        : format == UtcFormat::kDateTime ? "%Y-%m-%d %H:%M:%S"
                                                         : "%Y-%m-%d";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

}  // namespace waymark
