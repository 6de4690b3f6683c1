#include "redirector/shared_region.h"

#include <sys/mman.h>

#include <new>

namespace waymark {

namespace {

// Each part starts on a cache line of its own.
constexpr size_t kMetricsBytes = (sizeof(Metrics) + 63) / 64 * 64;

}  // namespace

std::unique_ptr<SharedRegion> SharedRegion::Create() {
  size_t bytes =
      kMetricsBytes + kBoardBytes + RecentDownloads::BytesFor(kRecentSlots);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return std::unique_ptr<SharedRegion>(new SharedRegion(p, bytes));
}

SharedRegion::SharedRegion(void* memory, size_t bytes)
    : memory_(memory),
      bytes_(bytes),
      metrics_(new (memory) Metrics),
      board_(new (static_cast<char*>(memory) + kMetricsBytes) Board),
      recent_(static_cast<char*>(memory) + kMetricsBytes + kBoardBytes,
              kRecentSlots, true) {
  metrics_->Reset();
  board_->files_gen_seen = -1;
  for (auto& r : board_->ready) r = 0;
}

void SharedRegion::SawFilesGen(long long gen) {
  long long seen = board_->files_gen_seen.load();
  while (gen > seen &&
         !board_->files_gen_seen.compare_exchange_weak(seen, gen)) {
  }
}

long long SharedRegion::files_gen_seen() const {
  return board_->files_gen_seen.load();
}

void SharedRegion::ResetFilesGen() { board_->files_gen_seen = -1; }

void SharedRegion::SetReady(int slot, bool ready) {
  if (slot >= 0 && slot < kMaxWorkerSlots) board_->ready[slot] = ready;
}

bool SharedRegion::AnotherWorkerReady(int slot) const {
  for (int i = 0; i < kMaxWorkerSlots; ++i)
    if (i != slot && board_->ready[i].load(std::memory_order_relaxed))
      return true;
  return false;
}

SharedRegion::~SharedRegion() { munmap(memory_, bytes_); }

}  // namespace waymark
