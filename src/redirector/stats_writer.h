// Writes a redirector worker's download counts to the primary on a thread
// of its own, so that neither a large batch nor a slow or absent database
// ever holds up a request (the worker's loop only hands batches over).
//
// The worker aggregates counts (DownloadCounts) and, when a batch is due,
// offers them with TryHandOver(): the writer swaps its empty table for the
// worker's full one, so handing over 20000 counts costs the worker as much
// as handing over one (turning them into rows, formatting and freeing
// happen here). The writer takes one batch at a time: while it is writing,
// or retrying a batch the primary refused, it takes no other, so the
// counts keep aggregating in the worker, within its bound (which counts
// what the writer holds too: held_bytes()).
//
// Each batch gets a random id (redirector/counts_spool.h), written with its
// counts in one transaction: a batch written again after a lost commit
// acknowledgement is recognised and counts nothing twice.
//
// A batch the primary cannot take (it is away, a timeout) is retried with
// a growing pause (up to 30 s); each refusal is logged, at most once a
// minute. Meanwhile, once the worker is nearly full (RequestSpool()), the
// batches in hand go to the spool on disk (redirector.spool_dir) and the
// writer takes the worker's next batch; when the spool is full too, they
// stay, and the worker drops new counts at its bound. Whenever it holds
// no batch and the primary has not just refused it, the writer delivers
// spool files, oldest first, each under a lock, deleting a file once all
// of it is written; any worker delivers any file, so files left by a
// stopped worker or before a restart arrive too.
//
// A batch the primary rejects for its data (`write` returns
// kInvalidArgument: a name PostgreSQL cannot store, say) is split in
// halves, each with an id of its own derived from the batch's, until the
// rows it rejects stand alone: those are dropped, logged by name (escaped)
// and counted (`rejected`), the rest is written. A bad row never holds up
// the others.
#ifndef WAYMARK_REDIRECTOR_STATS_WRITER_H_
#define WAYMARK_REDIRECTOR_STATS_WRITER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/store/download_stats.h"
#include "redirector/counts_spool.h"
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

  // For a stopping worker: gives the batch in hand and then the rest of
  // `*counts` up to timeout_ms to be written (no time at all while the
  // primary refuses them); what is not written by then goes to the spool.
  // Returns how many downloads were neither written nor spooled.
  virtual long long Finish(DownloadCounts* counts, int timeout_ms) = 0;

  // No batch in hand: TryHandOver() would take one.
  virtual bool idle() const = 0;

  // Downloads handed over and not written yet. Read on every counted
  // request, so it must not take a lock.
  virtual long long pending() const = 0;

  // What the batches in hand are charged (DownloadCounts::EntryBytes()),
  // part of the worker's bound. Lock-free too.
  virtual size_t held_bytes() const { return 0; }
  // The primary refused the last attempt: counts are piling up.
  virtual bool failing() const { return false; }
  // The worker is nearly full while the primary refuses: put the batches
  // in hand in the spool, so that the worker can hand over its counts.
  virtual void RequestSpool() {}
};

class StatsWriter : public CountsSink {
 public:
  // `write` runs on the writer's thread only (give it its own database
  // connection): it writes the rows of the batch and records its id, all
  // or nothing, and sets `*already` when the id was recorded before (then
  // it writes nothing); kInvalidArgument says the rows' data was rejected,
  // any other failure that the primary could not take them now. `log` may
  // be called from that thread and from Finish()'s; `flushed(n)` is
  // called there after n downloads were written, `failed()` after each
  // refused attempt, `rejected(n)` after n downloads were dropped for
  // their data, `spooled(n)` after n went to the spool.
  struct Callbacks {
    std::function<Status(const CountsBatch&, bool* already)> write;
    std::function<void(const std::string&)> log = [](const std::string&) {};
    std::function<void(long long)> flushed = [](long long) {};
    std::function<void()> failed = [] {};
    std::function<void(long long)> rejected = [](long long) {};
    std::function<void(long long)> spooled = [](long long) {};
  };
  // `spool`: nullptr for none (counts then wait in memory only).
  StatsWriter(Callbacks callbacks, long long retry_pause_s,
              CountsSpool* spool = nullptr);
  StatsWriter(const StatsWriter&) = delete;
  StatsWriter& operator=(const StatsWriter&) = delete;
  // Stops the thread, waiting for it; a batch it still holds is lost
  // (Finish() first).
  ~StatsWriter() override;

  bool TryHandOver(DownloadCounts* counts) override;
  long long Finish(DownloadCounts* counts, int timeout_ms) override;
  bool idle() const override { return !busy_.load(); }
  long long pending() const override {
    return pending_.load(std::memory_order_relaxed);
  }
  size_t held_bytes() const override {
    return held_bytes_.load(std::memory_order_relaxed) +
           delivering_bytes_.load(std::memory_order_relaxed);
  }
  bool failing() const override { return failing_.load(); }
  void RequestSpool() override;

  // Ends the thread within `timeout`; false when it is still inside a call
  // to a stalled server (the caller then exits without it: _exit()).
  bool Stop(std::chrono::milliseconds timeout);

 private:
  using Clock = std::chrono::steady_clock;
  using Lock = std::unique_lock<std::mutex>;

  void Run();
  // Takes the worker's counts as the next batch; mu_ held, writer idle.
  void TakeLocked(DownloadCounts* counts);
  // Each with mu_ held, released around the I/O.
  void WriteFront(Lock& lock);
  void SpoolQueue(Lock& lock);
  bool DeliverOne(Lock& lock);
  // A row the primary rejects: dropped and logged (the first 10 of a
  // batch by name).
  void DropRejected(const DownloadCount& bad, const Status& why);
  // After a refused attempt: the pause grows, the failure is logged (at
  // most once a minute).
  void Refused(const Status& s);
  // After `downloads` were written (`flushed_already`: and counted).
  void Succeeded(long long downloads, bool flushed_already = false);
  void SetIdleIfDone();

  Callbacks cb_;
  const long long retry_pause_s_;
  CountsSpool* spool_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Handed over, not yet turned into a batch.
  DownloadCounts::Map incoming_;
  bool has_incoming_ = false;
  long long incoming_downloads_ = 0;
  size_t incoming_bytes_ = 0;
  // The batches in hand, oldest first: one, or the parts of a split one.
  // Only the writer thread changes it (under mu_); while it writes the
  // front without mu_, Finish() may read it under mu_.
  std::deque<CountsBatch> queue_;
  bool spool_requested_ = false;
  bool stop_ = false;
  bool exited_ = false;
  bool abandoned_ = false;  // Finish() spooled what was in hand
  std::atomic<bool> quit_{false};
  std::atomic<bool> busy_{false};  // has_incoming_ or queue_ not empty
  std::atomic<bool> failing_{false};
  std::atomic<long long> pending_{0};  // downloads in incoming_ and queue_
  std::atomic<size_t> held_bytes_{0};  // of incoming_ and queue_
  std::atomic<size_t> delivering_bytes_{0};  // of the spool file at hand
  // Writer thread only (and Finish() once it has abandoned it).
  int failures_ = 0;
  Clock::time_point next_try_{};
  Clock::time_point next_spool_check_{};
  int rejected_logged_ = 0;  // rejected rows logged in this batch
  long long unlogged_failures_ = 0;
  Clock::time_point last_failure_log_{};
  Clock::time_point last_spool_log_{};
  std::thread thread_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_STATS_WRITER_H_
