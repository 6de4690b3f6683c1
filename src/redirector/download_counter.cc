#include "redirector/download_counter.h"

#include <utility>

#include "core/clock.h"

namespace waymark {

DownloadCounter::DownloadCounter(DownloadCounterOptions options, time_t now)
    : options_(std::move(options)),
      counts_(options_.max_pending_bytes),
      last_flush_(now) {}

void DownloadCounter::Count(const std::string& client, bool range,
                            std::string path, int mirror_id,
                            const std::string& country, time_t now) {
  // Range requests of a download already counted (any worker) within the
  // window are the same download.
  if (options_.recent) {
    bool seen = options_.recent->SeenWithin(client, path, now,
                                            options_.same_download_window);
    if (seen && range) return;
  }
  if (now / 86400 != day_number_) {
    day_number_ = now / 86400;
    day_ = FormatUtc(now, UtcFormat::kDate);
  }
  DownloadKey key{day_, std::move(path), mirror_id, country};
  if (counts_.Add(std::move(key)) && options_.metrics)
    options_.metrics->downloads_counted++;
  SetPendingGauge();
}

void DownloadCounter::SetPendingGauge() {
  if (options_.metrics && options_.worker_slot >= 0 &&
      options_.worker_slot < kMaxWorkerSlots) {
    long long n = counts_.downloads() +
                  (options_.writer ? options_.writer->pending() : 0);
    options_.metrics->stats_pending[options_.worker_slot].store(n);
    size_t bytes =
        counts_.bytes() + (options_.writer ? options_.writer->held_bytes() : 0);
    options_.metrics->stats_pending_bytes[options_.worker_slot].store(
        static_cast<long long>(bytes));
  }
}

// A due batch is handed over when the writer is idle; while it is busy
// (writing, or waiting to retry while the primary is away) the counts
// keep adding up here, within what the writer leaves of the bound.
void DownloadCounter::HandOver(bool final, int final_wait_ms, time_t now) {
  CountsSink* writer = options_.writer;
  if (final) {
    long long lost = writer->Finish(&counts_, final_wait_ms);
    if (lost > 0) {
      options_.log("stopping with " + std::to_string(lost) +
                   " download counts neither written nor spooled");
    }
    return;
  }
  const size_t max = options_.max_pending_bytes;
  size_t held = writer->held_bytes();
  counts_.set_max_bytes(held < max ? max - held : 0);
  if (!writer->idle()) {
    // Half the bound, so that the other half is room for the requests that
    // come while the batch is written to disk.
    if (writer->failing() && counts_.bytes() + held >= max / 2)
      writer->RequestSpool();
    return;
  }
  if (counts_.entries() == 0) return;
  bool due = counts_.entries() >= options_.flush_entries ||
             counts_.bytes() + held >= max / 2 ||
             now - last_flush_ >= options_.flush_interval;
  if (!due) return;
  // Only this thread hands over, and the writer is idle: this succeeds.
  if (options_.writer->TryHandOver(&counts_)) last_flush_ = now;
}

void DownloadCounter::Tick(time_t now, bool final, int final_wait_ms) {
  if (options_.writer) HandOver(final, final_wait_ms, now);
  long long dropped = counts_.TakeDropped();
  if (dropped > 0 && options_.metrics)
    options_.metrics->stats_dropped += dropped;
  // Drops come one per request while the bound is full: logged once per
  // flush interval, not once per request.
  unlogged_drops_ += dropped;
  if (unlogged_drops_ > 0 &&
      (final || now - last_drop_log_ >= options_.flush_interval)) {
    options_.log("dropped " + std::to_string(unlogged_drops_) +
                 " download counts: more than "
                 "redirector.stats_max_pending_bytes waited while the "
                 "primary was away (" +
                 std::to_string(counts_.dropped_total()) + " in all)");
    unlogged_drops_ = 0;
    last_drop_log_ = now;
  }
  SetPendingGauge();
}

}  // namespace waymark
