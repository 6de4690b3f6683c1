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

namespace {

// How often an idle writer looks for spool files to deliver.
constexpr auto kSpoolCheck = std::chrono::seconds(5);
// The longest pause between two attempts while the primary refuses.
constexpr long long kMaxPauseS = 30;

}  // namespace

StatsWriter::StatsWriter(Callbacks callbacks, long long retry_pause_s,
                         CountsSpool* spool)
    : cb_(std::move(callbacks)),
      retry_pause_s_(std::max(1LL, retry_pause_s)),
      spool_(spool) {
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
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool StatsWriter::Stop(std::chrono::milliseconds timeout) {
  Lock lock(mu_);
  stop_ = true;
  quit_ = true;
  cv_.notify_all();
  if (!cv_.wait_for(lock, timeout, [&] { return exited_; })) return false;
  lock.unlock();
  if (thread_.joinable()) thread_.join();
  return true;
}

void StatsWriter::TakeLocked(DownloadCounts* counts) {
  incoming_downloads_ = counts->SwapOut(&incoming_, &incoming_bytes_);
  has_incoming_ = true;
  pending_ = incoming_downloads_;
  held_bytes_ = incoming_bytes_;
  busy_ = true;
  cv_.notify_all();
}

bool StatsWriter::TryHandOver(DownloadCounts* counts) {
  std::lock_guard<std::mutex> lock(mu_);
  if (busy_ || stop_ || abandoned_) return false;
  TakeLocked(counts);
  return true;
}

void StatsWriter::RequestSpool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!spool_ || !busy_ || spool_requested_) return;
    spool_requested_ = true;
  }
  cv_.notify_all();
}

void StatsWriter::SetIdleIfDone() {
  if (has_incoming_ || !queue_.empty()) return;
  busy_ = false;
  pending_ = 0;
  held_bytes_ = 0;
  rejected_logged_ = 0;
  cv_.notify_all();
}

long long StatsWriter::Finish(DownloadCounts* counts, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Lock lock(mu_);
  auto settled = [&] { return !busy_ || failing_; };
  cv_.wait_until(lock, deadline, settled);
  if (!busy_ && !failing_ && counts->entries() > 0) {
    TakeLocked(counts);
    cv_.wait_until(lock, deadline, settled);
  }
  if (!busy_ && counts->entries() == 0) return 0;
  // What is left goes to the spool: the batches in hand as they are (one
  // the thread is writing right now too: should that write commit, the
  // spooled copy's id is on the primary and it counts nothing), what was
  // handed over, and the worker's own counts. The thread touches none of
  // it any more.
  abandoned_ = true;
  quit_ = true;
  std::vector<CountsBatch> more;
  if (has_incoming_ && !incoming_.empty()) {
    CountsBatch b;
    b.id = NewBatchId();
    b.downloads = incoming_downloads_;
    for (const auto& [key, count] : incoming_) b.rows.push_back({key, count});
    more.push_back(std::move(b));
  }
  if (counts->entries() > 0) {
    DownloadCounts::Map left;
    CountsBatch b;
    b.id = NewBatchId();
    b.downloads = counts->SwapOut(&left, &b.bytes);
    b.rows = DownloadCounts::TakeRows(&left);
    more.push_back(std::move(b));
  }
  std::vector<const CountsBatch*> all;
  long long n = 0;
  for (const CountsBatch& b : queue_) {
    all.push_back(&b);
    n += b.downloads;
  }
  for (const CountsBatch& b : more) {
    all.push_back(&b);
    n += b.downloads;
  }
  if (all.empty()) return 0;
  if (!spool_) return n;
  Status s = spool_->Put(all);
  if (!s.ok()) {
    cb_.log("cannot put " + std::to_string(n) +
            " download counts in the spool: " + s.message());
    return n;
  }
  cb_.spooled(n);
  cb_.log("stopping: " + std::to_string(n) +
          " download counts the primary has not taken yet are in the spool");
  return 0;
}

// The thread: turns what is handed over into a batch, writes it (or, on
// request, spools it), retries after a refusal, and delivers spool files
// while it holds nothing.
void StatsWriter::Run() {
  // Writing a batch (tens of thousands of rows to format and send) must not
  // take the CPU from requests on a busy machine: this thread yields to
  // every other thread of normal priority.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  Lock lock(mu_);
  while (!stop_) {
    if (abandoned_) {
      cv_.wait(lock, [&] { return stop_; });
      break;
    }
    if (has_incoming_) {
      // No I/O, and the worker only waits for mu_ when it hands over or
      // stops: done under the lock.
      CountsBatch b;
      b.id = NewBatchId();
      b.downloads = incoming_downloads_;
      b.bytes = incoming_bytes_;
      b.rows = DownloadCounts::TakeRows(&incoming_);
      queue_.push_back(std::move(b));
      has_incoming_ = false;
      continue;
    }
    auto now = Clock::now();
    bool may_try = failures_ == 0 || now >= next_try_;
    if (!queue_.empty() && spool_requested_) {
      SpoolQueue(lock);
      continue;
    }
    if (!queue_.empty() && may_try) {
      WriteFront(lock);
      continue;
    }
    if (queue_.empty() && spool_ && may_try && now >= next_spool_check_) {
      if (!DeliverOne(lock)) next_spool_check_ = Clock::now() + kSpoolCheck;
      continue;
    }
    Clock::time_point until;
    if (!queue_.empty()) {
      until = next_try_;
    } else if (spool_) {
      until = std::max(next_spool_check_, failures_ > 0 ? next_try_ : now);
    } else {
      until = now + std::chrono::hours(1);
    }
    cv_.wait_until(lock, until, [&] {
      return stop_ || has_incoming_ || abandoned_ ||
             (spool_requested_ && !queue_.empty());
    });
  }
  exited_ = true;
  cv_.notify_all();
}

void StatsWriter::WriteFront(Lock& lock) {
  const CountsBatch& b = queue_.front();
  lock.unlock();
  bool already = false;
  Status s = cb_.write(b, &already);
  lock.lock();
  if (abandoned_ || stop_) return;
  if (s.ok()) {
    if (already)
      cb_.log("download count batch " + b.id +
              " was on the primary already (a retry after a lost commit "
              "acknowledgement): not counted again");
    long long n = b.downloads;
    pending_ -= n;
    held_bytes_ -= std::min(held_bytes_.load(), b.bytes);
    queue_.pop_front();
    Succeeded(n);
  } else if (s.IsInvalidArgument()) {
    CountsBatch whole = std::move(queue_.front());
    queue_.pop_front();
    if (whole.rows.size() == 1) {
      DropRejected(whole.rows[0], s);
      pending_ -= whole.downloads;
      held_bytes_ -= std::min(held_bytes_.load(), whole.bytes);
    } else {
      CountsBatch first, second;
      SplitBatch(std::move(whole), &first, &second);
      queue_.push_front(std::move(second));
      queue_.push_front(std::move(first));
    }
  } else {
    Refused(s);
  }
  SetIdleIfDone();
}

void StatsWriter::Succeeded(long long downloads, bool flushed_already) {
  if (!flushed_already) cb_.flushed(downloads);
  if (failures_ > 0) {
    cb_.log("download statistics written again (" + std::to_string(downloads) +
            " downloads)");
  }
  failures_ = 0;
  failing_ = false;
  unlogged_failures_ = 0;
  last_failure_log_ = {};
  // The primary answers: spool files, if any, can go now.
  next_spool_check_ = {};
}

void StatsWriter::Refused(const Status& s) {
  cb_.failed();
  ++failures_;
  failing_ = true;
  ++unlogged_failures_;
  auto now = Clock::now();
  long long pause = retry_pause_s_;
  for (int i = 1; i < failures_ && pause < kMaxPauseS; ++i) pause *= 2;
  next_try_ = now + std::chrono::seconds(std::min(pause, kMaxPauseS));
  next_spool_check_ = next_try_;
  cv_.notify_all();  // a stopping worker waits no longer
  // The first refusal after a success is reported at once.
  bool first = last_failure_log_ == Clock::time_point{};
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

void StatsWriter::DropRejected(const DownloadCount& bad, const Status& why) {
  cb_.rejected(bad.downloads);
  // A batch may hold thousands of bad names: the first few by name.
  constexpr int kNamed = 10;
  if (rejected_logged_++ < kNamed) {
    cb_.log("dropped " + std::to_string(bad.downloads) +
            " download count(s) of '" + Printable(bad.key.path) + "' (" +
            bad.key.day + ", mirror " + std::to_string(bad.key.mirror_id) +
            ", " + Printable(bad.key.country) +
            "): the database rejects them: " + why.message());
  } else if (rejected_logged_ == kNamed + 1) {
    cb_.log(
        "dropping more download counts the database rejects in this batch, "
        "not named");
  }
}

void StatsWriter::SpoolQueue(Lock& lock) {
  spool_requested_ = false;
  std::vector<const CountsBatch*> all;
  long long n = 0;
  for (const CountsBatch& b : queue_) {
    all.push_back(&b);
    n += b.downloads;
  }
  lock.unlock();
  Status s = spool_->Put(all);
  lock.lock();
  if (abandoned_ || stop_) return;
  auto now = Clock::now();
  bool log_now = last_spool_log_ == Clock::time_point{} ||
                 now - last_spool_log_ >= std::chrono::minutes(1);
  if (!s.ok()) {
    // They stay in hand; the worker drops what does not fit beside them.
    if (log_now) {
      cb_.log("cannot put " + std::to_string(n) +
              " download counts in the spool, keeping them in memory (new "
              "ones beyond redirector.stats_max_pending_bytes are dropped): " +
              s.message());
      last_spool_log_ = now;
    }
    return;
  }
  cb_.spooled(n);
  if (log_now) {
    cb_.log("the primary is away: " + std::to_string(n) +
            " download counts went to the spool in " + spool_->dir());
    last_spool_log_ = now;
  }
  queue_.clear();
  SetIdleIfDone();
}

bool StatsWriter::DeliverOne(Lock& lock) {
  lock.unlock();
  CountsSpool::File file;
  std::vector<std::string> problems;
  bool got = spool_->TakeOldest(&file, &problems);
  for (const std::string& p : problems) cb_.log(p);
  if (!got) {
    lock.lock();
    return false;
  }
  size_t bytes = 0;
  for (const CountsBatch& b : file.batches) bytes += b.bytes;
  delivering_bytes_ = bytes;
  long long delivered = 0;
  Status failure;
  size_t i = 0;
  while (i < file.batches.size() && !quit_) {
    bool already = false;
    Status s = cb_.write(file.batches[i], &already);
    if (s.ok()) {
      delivered += file.batches[i].downloads;
      cb_.flushed(file.batches[i].downloads);
      ++i;
      continue;
    }
    if (!s.IsInvalidArgument()) {
      failure = s;
      break;
    }
    // Rejected for its data: the file is rewritten before anything else
    // is written, so that what it holds always matches the ids the
    // primary has or will have.
    CountsBatch whole = std::move(file.batches[i]);
    file.batches.erase(file.batches.begin() + static_cast<long>(i));
    if (whole.rows.size() == 1) {
      std::lock_guard<std::mutex> g(mu_);
      DropRejected(whole.rows[0], s);
    } else {
      CountsBatch first, second;
      SplitBatch(std::move(whole), &first, &second);
      file.batches.insert(file.batches.begin() + static_cast<long>(i),
                          std::move(second));
      file.batches.insert(file.batches.begin() + static_cast<long>(i),
                          std::move(first));
    }
    Status w = spool_->Rewrite(&file);
    if (!w.ok()) {
      cb_.log("cannot rewrite spool file " + file.path + ": " + w.message());
      failure = w;
      break;
    }
  }
  if (i == file.batches.size() && !file.batches.empty()) {
    spool_->Delete(&file);
  } else if (i > 0 && i < file.batches.size()) {
    // What is written leaves the file (its ids would make it count nothing
    // again, but there is no need to send it).
    file.batches.erase(file.batches.begin(),
                       file.batches.begin() + static_cast<long>(i));
    spool_->Rewrite(&file);
  }
  delivering_bytes_ = 0;
  lock.lock();
  if (!failure.ok()) {
    if (delivered > 0)
      cb_.log("delivered " + std::to_string(delivered) +
              " download counts from the spool, then:");
    Refused(failure);
    return true;
  }
  if (delivered > 0) {
    cb_.log("delivered " + std::to_string(delivered) +
            " download counts from the spool");
    Succeeded(delivered, /*flushed_already=*/true);
  }
  return true;
}

}  // namespace waymark
