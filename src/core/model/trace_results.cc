#include "core/model/trace_results.h"

namespace waymark {

bool MirrorReport::failed() const {
  for (const auto& c : checks)
    if (c.result.kind == CheckResult::Kind::kFailed) return true;
  return !freshness.lag || stale();
}

bool TraceReport::AnyFailed() const {
  if (!origin_error.empty() || !origin_warning.empty()) return true;
  for (const auto& m : mirrors)
    if (m.failed()) return true;
  return false;
}

}  // namespace waymark
