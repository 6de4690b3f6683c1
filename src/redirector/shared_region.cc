#include "redirector/shared_region.h"

#include <sys/mman.h>

#include <new>

namespace waymark {

namespace {

// The same-download table starts on a cache line of its own.
constexpr size_t kMetricsBytes = (sizeof(Metrics) + 63) / 64 * 64;

}  // namespace

std::unique_ptr<SharedRegion> SharedRegion::Create() {
  size_t bytes = kMetricsBytes + RecentDownloads::BytesFor(kRecentSlots);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return std::unique_ptr<SharedRegion>(new SharedRegion(p, bytes));
}

SharedRegion::SharedRegion(void* memory, size_t bytes)
    : memory_(memory),
      bytes_(bytes),
      metrics_(new (memory) Metrics),
      recent_(static_cast<char*>(memory) + kMetricsBytes, kRecentSlots, true) {
  metrics_->Reset();
}

SharedRegion::~SharedRegion() { munmap(memory_, bytes_); }

}  // namespace waymark
