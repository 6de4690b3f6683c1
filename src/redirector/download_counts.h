// Download statistics inside one worker, before they reach PostgreSQL.
// Pure code, tested in download_counts_test.cc.
//
// DownloadCounts adds up downloads per (day, file, mirror, country) between
// flushes, bounded: while the database is away counts pile up to the
// bound, and a count that would need a new entry beyond it is dropped (and
// counted), never the request.
//
// RecentDownloads remembers which client started which file, so that the
// many range requests of one download manager count once within
// redirector.same_download_window. Its table lives in memory the caller
// provides: the redirector puts it in memory shared by all workers (a
// client's ranges land on any worker), tests on the heap. A robust
// process-shared mutex guards it, so a worker dying inside it cannot block
// the others.
#ifndef WAYMARK_REDIRECTOR_DOWNLOAD_COUNTS_H_
#define WAYMARK_REDIRECTOR_DOWNLOAD_COUNTS_H_

#include <pthread.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/store/download_stats.h"

namespace waymark {

class DownloadCounts {
  struct KeyHash {
    size_t operator()(const DownloadKey& k) const;
  };
  struct KeyEqual {
    bool operator()(const DownloadKey& a, const DownloadKey& b) const;
  };

 public:
  // Hashed: one look-up per redirected GET.
  using Map = std::unordered_map<DownloadKey, long long, KeyHash, KeyEqual>;

  explicit DownloadCounts(size_t max_entries) : max_entries_(max_entries) {}

  // Adds one download; false (and one more dropped) when the key is new and
  // the bound is reached. A key passed as an rvalue is moved in when new.
  bool Add(DownloadKey key);
  // Everything waiting, swapped with `*spare` (an empty map, whose buckets
  // are then reused): constant time, whatever the number of counts, so a
  // worker hands a batch over without pausing its requests. Returns the
  // number of downloads swapped out.
  long long SwapOut(Map* spare);
  // The counts of a swapped-out map as a batch.
  static std::vector<DownloadCount> ToBatch(const Map& counts);

  size_t entries() const { return counts_.size(); }
  long long downloads() const { return total_; }
  // Downloads dropped since the last call.
  long long TakeDropped();
  long long dropped_total() const { return dropped_total_; }

 private:
  size_t max_entries_;
  Map counts_;
  long long total_ = 0;  // downloads in counts_
  long long dropped_ = 0, dropped_total_ = 0;
};

class RecentDownloads {
 public:
  // Bytes of memory for `slots` entries (a power of two).
  static size_t BytesFor(size_t slots);
  // Over `memory` (BytesFor(slots), suitably aligned); `initialise` once,
  // by whoever creates the memory.
  RecentDownloads(void* memory, size_t slots, bool initialise);

  // Whether the client started this file less than `window` seconds ago;
  // either way it is remembered as started now. When the table is full the
  // oldest nearby entry is forgotten.
  bool SeenWithin(const std::string& client, const std::string& path,
                  time_t now, long long window);

 private:
  struct Slot {
    uint64_t key;  // 0: empty
    int64_t at;
  };
  struct Header {
    pthread_mutex_t mutex;
  };
  Header* header_;
  Slot* slots_;
  size_t mask_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_DOWNLOAD_COUNTS_H_
