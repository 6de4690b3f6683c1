#include "redirector/settings.h"

#include <unistd.h>

#include "core/model/fallback.h"
#include "core/strings.h"
#include "redirector/counts_spool.h"
#include "redirector/routing.h"

namespace waymark {

std::string NodeName(const Config& config) {
  std::string node = config.GetString(keys::kRedirectorNode);
  if (!node.empty()) return node;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return host;
  return "localhost";
}

Status HandlerOptionsFrom(const Config& config, HandlerOptions* out) {
  HandlerOptions& o = *out;
  o.node = NodeName(config);
  o.max_inventory_age =
      config.GetDurationSeconds(keys::kRedirectorMaxInventoryAge);
  o.policy.max_lag = config.GetDurationSeconds(keys::kRedirectorMaxLag);
  o.policy.https_fallback_to_http =
      config.GetBool(keys::kRedirectorHttpsFallbackToHttp);
  o.policy.http_to_https = config.GetBool(keys::kRedirectorHttpToHttps);
  o.max_link_headers =
      static_cast<int>(config.GetInt(keys::kRedirectorMaxLinkHeaders));
  o.local_location = config.GetString(keys::kRedirectorLocalLocation);
  o.repository_root = config.GetString(keys::kRepositoryPath);
  o.min_size = config.GetSizeBytes(keys::kRedirectorMinSize);
  o.same_download_window =
      config.GetDurationSeconds(keys::kRedirectorSameDownloadWindow);
  o.stats_flush_interval = static_cast<int>(
      config.GetDurationSeconds(keys::kRedirectorStatsFlushInterval));
  o.stats_flush_entries =
      static_cast<size_t>(config.GetInt(keys::kRedirectorStatsFlushEntries));
  o.stats_max_pending_bytes = static_cast<size_t>(
      config.GetSizeBytes(keys::kRedirectorStatsMaxPendingBytes));
  Status s =
      ParseFallbacks(config.GetList(keys::kRedirectorFallback), &o.fallbacks);
  if (s.ok() && !ParseOutputMode(config.GetString(keys::kRedirectorOutput),
                                 &o.output_mode))
    s = Status::InvalidArgument(
        "redirector.output: '" +
        Printable(config.GetString(keys::kRedirectorOutput)) +
        "' is not one of auto, redirect");
  // The connection loop's (redirector/fcgi_loop.h): with no time at all no
  // request could be read.
  if (s.ok() && config.GetDurationSeconds(keys::kRedirectorClientTimeout) < 1)
    s = Status::InvalidArgument(
        "redirector.client_timeout: must be at least 1s");
  return s;
}

std::string DescribeSpool(const Config& config) {
  const std::string dir = config.GetString(keys::kRedirectorSpoolDir);
  if (dir.empty())
    return "none (redirector.spool_dir is empty): download counts wait in "
           "memory only while the primary is away";
  Status s = CountsSpool::Check(dir);
  if (!s.ok())
    return s.message() +
           "; download counts wait in memory only while the primary is away";
  return dir + " ok";
}

}  // namespace waymark
