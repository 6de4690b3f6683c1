#include "redirector/stats_writer.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "core/strings.h"

namespace waymark {

StatsWriter::StatsWriter(Callbacks callbacks, long long retry_pause_s)
    : cb_(std::move(callbacks)), retry_pause_s_(std::max(1LL, retry_pause_s)) {
  // The thread blocks every signal, so that they reach the worker's own
  // thread and interrupt its poll() at once.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { Run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

StatsWriter::~StatsWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool StatsWriter::TryHandOver(DownloadCounts* counts) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_ || stop_) return false;
    pending_ = counts->SwapOut(&batch_);
    busy_ = true;
  }
  cv_.notify_all();
  return true;
}

bool StatsWriter::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !busy_;
}

long long StatsWriter::Finish(DownloadCounts* counts, int timeout_ms) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mu_);
  finishing_ = true;
  cv_.notify_all();
  if (!cv_.wait_until(lock, deadline, [&] { return !busy_; })) {
    return pending_ + counts->downloads();
  }
  if (counts->entries() == 0) return 0;
  pending_ = counts->SwapOut(&batch_);
  busy_ = true;
  cv_.notify_all();
  if (!cv_.wait_until(lock, deadline, [&] { return !busy_; })) return pending_;
  return 0;
}

// The thread: writes the batch in hand; after a refusal pauses (5 s, 10 s,
// ... up to a minute, cut short by Finish() or the destructor) and tries
// the same batch again.
void StatsWriter::Run() {
  // Writing a batch (tens of thousands of rows to format and send) must not
  // take the CPU from requests on a busy machine: this thread yields to
  // every other thread of normal priority.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  int failures = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || busy_; });
    if (stop_) return;
    lock.unlock();
    // batch_ stays until written: a refused batch is tried again.
    long long n = pending_;
    std::vector<DownloadCount> rows = DownloadCounts::ToBatch(batch_);
    Status s = cb_.write(rows);
    if (s.IsInvalidArgument()) {
      rejected_logged_ = 0;
      s = WriteSplitting(rows, 0, rows.size(), s);
    }
    if (s.ok()) {
      // What the split wrote was counted as it went.
      if (!batch_.empty()) cb_.flushed(n);
      if (failures > 0)
        cb_.log("download statistics written again (" + std::to_string(n) +
                " downloads)");
      failures = 0;
      unlogged_failures_ = 0;
      last_failure_log_ = {};
      batch_.clear();  // here, not in the worker: freeing is work too
      lock.lock();
      busy_ = false;
      pending_ = 0;
      cv_.notify_all();
      continue;
    }
    cb_.failed();
    ++failures;
    LogFailure(s);
    long long pause = retry_pause_s_;
    for (int i = 1; i < failures && pause < 60; ++i) pause *= 2;
    pause = std::min(pause, 60LL);
    lock.lock();
    if (finishing_) {
      // The worker is stopping and waits: try again soon, not in a spin.
      cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_; });
    } else {
      cv_.wait_for(lock, std::chrono::seconds(pause),
                   [&] { return stop_ || finishing_; });
    }
    if (stop_) return;
  }
}

Status StatsWriter::WriteSplitting(const std::vector<DownloadCount>& rows,
                                   size_t begin, size_t end,
                                   const Status& whole) {
  if (end - begin == 1) {
    const DownloadCount& bad = rows[begin];
    cb_.rejected(bad.downloads);
    // A batch may hold thousands of bad names: the first few by name.
    constexpr int kNamed = 10;
    if (rejected_logged_++ < kNamed) {
      cb_.log("dropped " + std::to_string(bad.downloads) +
              " download count(s) of '" + Printable(bad.key.path) + "' (" +
              bad.key.day + ", mirror " + std::to_string(bad.key.mirror_id) +
              ", " + Printable(bad.key.country) +
              "): the database rejects them: " + whole.message());
    } else if (rejected_logged_ == kNamed + 1) {
      cb_.log(
          "dropping more download counts the database rejects in this batch, "
          "not named");
    }
    batch_.erase(bad.key);
    pending_ -= bad.downloads;
    return Status::OK();
  }
  size_t mid = begin + (end - begin) / 2;
  for (auto [b, e] : {std::pair<size_t, size_t>{begin, mid}, {mid, end}}) {
    std::vector<DownloadCount> part(rows.begin() + b, rows.begin() + e);
    Status s = cb_.write(part);
    if (s.IsInvalidArgument()) {
      s = WriteSplitting(rows, b, e, s);
    } else if (s.ok()) {
      long long n = 0;
      for (const DownloadCount& c : part) {
        n += c.downloads;
        batch_.erase(c.key);
      }
      pending_ -= n;
      cb_.flushed(n);
    }
    if (!s.ok()) return s;
  }
  return Status::OK();
}

void StatsWriter::LogFailure(const Status& s) {
  ++unlogged_failures_;
  auto now = std::chrono::steady_clock::now();
  // The first refusal after a success is reported at once.
  bool first = last_failure_log_ == std::chrono::steady_clock::time_point{};
  if (!first && now - last_failure_log_ < std::chrono::minutes(1)) return;
  std::string times = unlogged_failures_ > 1
                          ? " (" + std::to_string(unlogged_failures_) +
                                " attempts failed since the last report)"
                          : "";
  cb_.log("cannot write download statistics, keeping them: " + s.message() +
          times);
  unlogged_failures_ = 0;
  last_failure_log_ = now;
}

}  // namespace waymark
