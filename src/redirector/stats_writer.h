// Writes a redirector worker's download counts to PostgreSQL on a thread of
// its own, so that neither a large batch nor a slow or absent database ever
// holds up a request (the worker's loop only hands batches over).
//
// The worker aggregates counts (DownloadCounts) and, when a batch is due,
// offers them with TryHandOver(): the writer swaps its empty table for the
// worker's full one, so handing over 20000 counts costs the worker as much
// as handing over one (the copying, formatting and freeing happen here).
// The writer takes one batch at a time: while it is writing, or retrying a
// batch the database refused, it takes no other, so the counts keep
// aggregating in the worker, within its bound.
// A batch the database cannot take (it is away, a timeout) is retried with
// a growing pause (up to a minute); nothing is lost while the worker lives.
// Each refusal is logged, at most once a minute. A batch the database
// rejects for its data (`write` returns kInvalidArgument: a name PostgreSQL
// cannot store, say) is split in halves until the rows it rejects stand
// alone: those are dropped, logged by name (escaped) and counted
// (`rejected`), the rest is written. A bad row never holds up the others.
#ifndef WAYMARK_REDIRECTOR_STATS_WRITER_H_
#define WAYMARK_REDIRECTOR_STATS_WRITER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/store/download_stats.h"
#include "redirector/download_counts.h"

namespace waymark {

// Where a worker's Handler hands its download counts: the StatsWriter below
// in the redirector, a stand-in that writes at once in the handler's tests.
class CountsSink {
 public:
  virtual ~CountsSink() = default;

  // Takes every count of `*counts` (leaving it empty) when the sink is
  // idle; false, and `*counts` untouched, while it is busy with another
  // batch. Never waits for the database.
  virtual bool TryHandOver(DownloadCounts* counts) = 0;

  // For a stopping worker: waits up to timeout_ms for the batch in hand and
  // then the rest of `*counts` to be written. Returns how many downloads
  // could not be.
  virtual long long Finish(DownloadCounts* counts, int timeout_ms) = 0;

  // No batch in hand: TryHandOver() would take one.
  virtual bool idle() const = 0;

  // Downloads handed over and not written yet. Read on every counted
  // request, so it must not take a lock.
  virtual long long pending() const = 0;
};

class StatsWriter : public CountsSink {
 public:
  // `write` runs on the writer's thread only (give it its own database
  // connection) and writes all of its rows or none; kInvalidArgument says
  // the rows' data was rejected, any other failure that the database could
  // not take them now. `log` may be called from that thread; `flushed(n)`
  // is called there after n downloads were written, `failed()` after each
  // refused attempt, `rejected(n)` after n downloads were dropped for
  // their data.
  struct Callbacks {
    std::function<Status(const std::vector<DownloadCount>&)> write;
    std::function<void(const std::string&)> log = [](const std::string&) {};
    std::function<void(long long)> flushed = [](long long) {};
    std::function<void()> failed = [] {};
    std::function<void(long long)> rejected = [](long long) {};
  };
  StatsWriter(Callbacks callbacks, long long retry_pause_s);
  StatsWriter(const StatsWriter&) = delete;
  StatsWriter& operator=(const StatsWriter&) = delete;
  // Stops the thread; a batch it still holds is lost (Finish() first).
  ~StatsWriter() override;

  bool TryHandOver(DownloadCounts* counts) override;
  long long Finish(DownloadCounts* counts, int timeout_ms) override;
  bool idle() const override;
  long long pending() const override {
    return pending_.load(std::memory_order_relaxed);
  }

 private:
  void Run();
  // Writes rows [begin, end) of `rows`, splitting when the data is
  // rejected; what is written or dropped leaves batch_. Returns the first
  // failure that is not a rejection (the rest of batch_ then waits).
  Status WriteSplitting(const std::vector<DownloadCount>& rows, size_t begin,
                        size_t end, const Status& whole);
  // Logs a refused attempt, at most once a minute.
  void LogFailure(const Status& s);

  Callbacks cb_;
  const long long retry_pause_s_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // The batch in hand. Only the worker touches it while !busy_ (under mu_),
  // only the writer thread while busy_.
  DownloadCounts::Map batch_;
  bool busy_ = false;                  // batch_ not written yet
  std::atomic<long long> pending_{0};  // downloads in batch_ while busy_
  bool stop_ = false;
  bool finishing_ = false;  // Finish(): no more pauses
  // Writer thread only.
  int rejected_logged_ = 0;  // rejected rows logged in this batch
  long long unlogged_failures_ = 0;
  std::chrono::steady_clock::time_point last_failure_log_{};
  std::thread thread_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_STATS_WRITER_H_
