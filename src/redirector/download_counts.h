// Download statistics inside one worker, before they reach PostgreSQL.
// Pure code, tested in download_counts_test.cc.
//
// DownloadCounts adds up downloads per (day, file, mirror, country) between
// flushes, bounded in bytes (EntryBytes() says how an entry is charged):
// while the database is away counts pile up to the bound, and a count that
// would need a new entry beyond it is dropped (and counted), never the
// request.
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

  explicit DownloadCounts(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The memory one entry is charged, an estimate from above of what it
  // costs from the request that makes it until the writer is done with it:
  // its hash node (the key, the count, the next pointer and the cached
  // hash, plus malloc's header, rounded to malloc's 16 bytes), its bucket
  // pointer, the row it becomes in the writer's batch (which exists beside
  // the node while the writer converts one into the other), and the heap
  // blocks of those of its strings too long for the string's own buffer
  // (by capacity, not length, plus malloc's header, rounded up).
  static size_t EntryBytes(const DownloadKey& key);

  // Adds one download; false (and one more dropped) when the key is new and
  // its entry would take the counts beyond max_bytes. A key passed as an
  // rvalue is moved in when new.
  bool Add(DownloadKey key);
  // Everything waiting, swapped with `*spare` (an empty map, whose buckets
  // are then reused): constant time, whatever the number of counts, so a
  // worker hands a batch over without pausing its requests. Returns the
  // number of downloads swapped out; `*bytes` (when given) gets what they
  // were charged.
  long long SwapOut(Map* spare, size_t* bytes = nullptr);
  // Moves the counts of a swapped-out map into rows, emptying it: the keys'
  // strings are moved, not copied, and each node is freed as it goes.
  static std::vector<DownloadCount> TakeRows(Map* counts);

  // The bound, changed as the writer's share of the same budget changes.
  void set_max_bytes(size_t max_bytes) { max_bytes_ = max_bytes; }
  size_t max_bytes() const { return max_bytes_; }
  size_t bytes() const { return bytes_; }
  size_t entries() const { return counts_.size(); }
  long long downloads() const { return total_; }
  // Downloads dropped since the last call.
  long long TakeDropped();
  long long dropped_total() const { return dropped_total_; }

 private:
  size_t max_bytes_;
  Map counts_;
  size_t bytes_ = 0;     // EntryBytes() of counts_' keys
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
