#include "redirector/settings.h"

#include "core/model/fallback.h"
#include "core/strings.h"
#include "redirector/routing.h"

namespace waymark {

Status HandlerOptionsFrom(const Config& config, HandlerOptions* out) {
  HandlerOptions& o = *out;
  o.policy.max_lag = config.GetDurationSeconds("redirector.max_lag");
  o.policy.https_fallback_to_http = config.GetBool("redirector.https_fallback_to_http");
  o.policy.http_to_https = config.GetBool("redirector.http_to_https");
  o.max_link_headers = static_cast<int>(config.GetInt("redirector.max_link_headers"));
  o.local_location = config.GetString("redirector.local_location");
  o.repository_root = config.GetString("repository.path");
  o.min_size = config.GetSizeBytes("redirector.min_size");
  o.same_download_window = config.GetDurationSeconds("redirector.same_download_window");
  o.stats_flush_interval = static_cast<int>(config.GetDurationSeconds("redirector.stats_flush_interval"));
  o.stats_flush_entries = static_cast<size_t>(config.GetInt("redirector.stats_flush_entries"));
  o.stats_max_pending = static_cast<size_t>(config.GetInt("redirector.stats_max_pending"));
  Status s = ParseFallbacks(config.GetList("redirector.fallback"), &o.fallbacks);
  if (s.ok() && !ParseOutputMode(config.GetString("redirector.output"), &o.output_mode))
    s = Status::InvalidArgument("redirector.output: '" +
                                Printable(config.GetString("redirector.output")) +
                                "' is not one of auto, redirect");
  return s;
}

}  // namespace waymark
