// Memory the redirector's master maps before it forks and every worker
// shares: the metrics (redirector/metrics.h) and the same-download table
// (RecentDownloads, redirector/download_counts.h). Created once by the
// master; never unmapped while workers run.
#ifndef WAYMARK_REDIRECTOR_SHARED_REGION_H_
#define WAYMARK_REDIRECTOR_SHARED_REGION_H_

#include <cstddef>
#include <memory>

#include "redirector/download_counts.h"
#include "redirector/metrics.h"

namespace waymark {

class SharedRegion {
 public:
  static constexpr size_t kRecentSlots = 65536;  // 1 MiB

  // nullptr when the memory cannot be mapped.
  static std::unique_ptr<SharedRegion> Create();
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();

  Metrics* metrics() { return metrics_; }
  RecentDownloads* recent() { return &recent_; }

 private:
  SharedRegion(void* memory, size_t bytes);

  void* memory_;
  size_t bytes_;
  Metrics* metrics_;
  RecentDownloads recent_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_SHARED_REGION_H_
