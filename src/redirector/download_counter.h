// Download statistics in one redirector worker: which redirected GETs
// count, adding them up, and handing them to the writer. Owned by the
// worker's Handler (redirector/handler.h).
//
// Each redirected GET (to a mirror, a fallback or the origin) is counted in
// memory (DownloadCounts, redirector/download_counts.h), unless it is a
// range request of a download the same client started within
// `same_download_window` (any worker: the table is shared). Tick(), called
// by the worker between requests, hands the counts in one batch every
// `flush_interval` (or sooner when `flush_entries` wait, or half the bound
// is used) to the writer (a StatsWriter thread, redirector/stats_writer.h),
// which writes and retries them off the request path; while it is busy
// they keep adding up here. What the worker holds, here and in the
// writer's hands, stays within `max_pending_bytes`: at half of it, while
// the primary refuses, the writer is asked to put its batch in the spool
// on disk (the other half is room for what comes meanwhile); beyond it new
// keys are dropped (counted, logged once per interval).
#ifndef WAYMARK_REDIRECTOR_DOWNLOAD_COUNTER_H_
#define WAYMARK_REDIRECTOR_DOWNLOAD_COUNTER_H_

#include <ctime>
#include <functional>
#include <string>

#include "redirector/download_counts.h"
#include "redirector/metrics.h"
#include "redirector/stats_writer.h"

namespace waymark {

struct DownloadCounterOptions {
  long long same_download_window = 600;
  int flush_interval = 5;
  size_t flush_entries = 20000;         // waymark.conf's default
  size_t max_pending_bytes = 32 << 20;  // waymark.conf's default
  // Shared by the workers; nullptr: no range de-duplication.
  RecentDownloads* recent = nullptr;
  // downloads_counted, stats_dropped, this worker's stats_pending gauge;
  // nullptr: not counted.
  Metrics* metrics = nullptr;
  int worker_slot = 0;  // which stats_pending gauge is this worker's
  // Takes the counts and writes them; nullptr: they are kept, within
  // max_pending_bytes, and never written (tests that do not look at them).
  CountsSink* writer = nullptr;
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

class DownloadCounter {
 public:
  // `now`: the first flush is due `flush_interval` after it.
  DownloadCounter(DownloadCounterOptions options, time_t now);
  DownloadCounter(const DownloadCounter&) = delete;
  DownloadCounter& operator=(const DownloadCounter&) = delete;

  // One redirected GET of `path` (moved in, not copied) by `client`,
  // served by `mirror_id` (0: a fallback or the origin), from `country`
  // ("--" when unknown). `range`: the request had a Range header.
  void Count(const std::string& client, bool range, std::string path,
             int mirror_id, const std::string& country, time_t now);

  // Between requests: hands the counts to the writer when due. `final`
  // hands over whatever waits and gives it `final_wait_ms` to be written
  // before it goes to the spool (a stopping worker: 0 for a fast stop),
  // once.
  void Tick(time_t now, bool final, int final_wait_ms = 5000);

  // Keys waiting to be handed over.
  size_t entries() const { return counts_.entries(); }

 private:
  void SetPendingGauge();
  void HandOver(bool final, int final_wait_ms, time_t now);

  DownloadCounterOptions options_;
  DownloadCounts counts_;
  time_t last_flush_;
  long long unlogged_drops_ = 0;
  time_t last_drop_log_ = 0;
  // The UTC day of the counts, remade when the day changes.
  long long day_number_ = -1;
  std::string day_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_DOWNLOAD_COUNTER_H_
