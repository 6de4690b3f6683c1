// Memory the redirector's master maps before it forks and every worker
// shares: the metrics (redirector/metrics.h), the same-download table
// (RecentDownloads, redirector/download_counts.h), and what the workers'
// refresh threads tell the master (the inventory's files counter they saw:
// the master builds a new file index only when it moved) and each other
// (which workers have their first snapshot), and the node's log state
// (redirector/node_log.h: a line about the node said once, not once per
// worker). Created once by the master;
// never unmapped while workers run.
#ifndef WAYMARK_REDIRECTOR_SHARED_REGION_H_
#define WAYMARK_REDIRECTOR_SHARED_REGION_H_

#include <atomic>
#include <cstddef>
#include <memory>

#include "redirector/download_counts.h"
#include "redirector/metrics.h"
#include "redirector/node_log.h"

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
  NodeLog* node_log() { return &board_->node_log; }
  RecentDownloads* recent() { return &recent_; }

  // The highest inventory_state.files_gen a worker's refresh read; -1 none.
  void SawFilesGen(long long gen);
  long long files_gen_seen() const;
  // Forgets it (another database after a reload).
  void ResetFilesGen();
  // A worker in `slot` has (or, set by the master, not yet) its first
  // inventory snapshot.
  void SetReady(int slot, bool ready);
  // Another slot's worker has one: it can answer while this one waits.
  bool AnotherWorkerReady(int slot) const;
  // Some worker has one.
  bool AnyWorkerReady() const { return AnotherWorkerReady(-1); }

 private:
  SharedRegion(void* memory, size_t bytes);

  struct Board {
    std::atomic<long long> files_gen_seen;
    std::atomic<unsigned char> ready[kMaxWorkerSlots];
    NodeLog node_log;
  };
  static constexpr size_t kBoardBytes = (sizeof(Board) + 63) / 64 * 64;

  void* memory_;
  size_t bytes_;
  Metrics* metrics_;
  Board* board_;
  RecentDownloads recent_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_SHARED_REGION_H_
