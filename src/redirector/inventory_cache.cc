#include "redirector/inventory_cache.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "core/store/migrations.h"

namespace waymark {

namespace {

constexpr size_t kMaxCachedDetails = 10000;
// A refresh work busy for longer than this is taken as stuck in a query:
// no request waits on it.
constexpr int64_t kStuckMs = 100;
// A report this recent is handed out at once, even when a new one is due;
// an older one only after waiting briefly for a new one.
constexpr time_t kReportKeptSeconds = 60;

int64_t SteadyMs() {
  return std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count());
}

// "742 s", "12 min", "3 h": an age for the log.
std::string Seconds(double s) {
  long long n = static_cast<long long>(s);
  if (n < 120) return std::to_string(n) + " s";
  if (n < 7200) return std::to_string(n / 60) + " min";
  return std::to_string(n / 3600) + " h";
}

}  // namespace

double InventoryAge(const InventorySnapshot& snap, bool suspect, time_t now) {
  if (!snap.loaded || !snap.replica.age_known()) return -1;
  if (!suspect) return snap.replica.age_seconds;
  return std::max(0.0, static_cast<double>(now) - snap.view_as_of);
}

std::string ViewKind(const InventorySnapshot& snap) {
  const ReplicaState& r = snap.replica;
  if (!r.standby) return "primary";
  if (r.replay_paused) return "hot standby, replay paused";
  return r.streaming ? "hot standby, streaming" : "hot standby, not streaming";
}

InventoryCache::InventoryCache(InventoryCacheOptions options,
                               InventorySource* source)
    : options_(std::move(options)),
      source_(source),
      node_log_(options_.node_log ? options_.node_log : &own_node_log_) {
  auto empty = std::make_shared<InventorySnapshot>();
  empty->bitmaps = std::make_shared<FileBitmaps>();
  published_ = empty;
  held_ = empty;
  held_version_ = 0;
}

InventoryCache::~InventoryCache() {
  // Reached with a running thread only when the worker unwinds after an
  // error (it calls Stop() itself on the way out). A thread stuck in a
  // query on a stalled server would keep the worker forever, and it cannot
  // be left running on a destroyed object: the process ends here, as it
  // was about to (EX_SOFTWARE, the master replaces it).
  if (!Stop(std::chrono::seconds(2))) {
    options_.log("the inventory refresh is stuck in a query; exiting");
    _exit(70);
  }
}

void InventoryCache::Start() {
  threaded_ = true;
  thread_ = std::thread([this] { ThreadMain(); });
}

bool InventoryCache::Stop(std::chrono::milliseconds timeout) {
  if (!thread_.joinable()) return true;
  std::unique_lock<std::mutex> lock(mu_);
  stop_ = true;
  wake_.notify_all();
  if (!loaded_.wait_for(lock, timeout, [this] { return thread_done_; }))
    return false;
  lock.unlock();
  thread_.join();
  return true;
}

bool InventoryCache::WaitForFirstSnapshot(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  loaded_.wait_for(lock, timeout,
                   [this] { return published_->loaded || thread_done_; });
  return published_->loaded;
}

void InventoryCache::ThreadMain() {
  // Signals are for the worker's main thread: one taken here would not
  // interrupt its poll().
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    time_t now = options_.clock();
    if (WorkDue(now)) {
      lock.unlock();
      RunDue(now);
      lock.lock();
      continue;
    }
    wake_.wait_until(lock, next_round_at_);
  }
  thread_done_ = true;
  loaded_.notify_all();
}

bool InventoryCache::WorkDue(time_t now) const {
  return !wanted_details_.empty() || RoundDue(now) || ReportDue(now);
}

bool InventoryCache::RoundDue(time_t now) const {
  // The thread keeps to the steady clock, so that rounds come every
  // refresh_seconds from its start, whatever they take, and workers
  // started together refresh together.
  if (threaded_) return std::chrono::steady_clock::now() >= next_round_at_;
  return now >= next_round_;
}

bool InventoryCache::ReportDue(time_t now) const {
  return report_wanted_ && (report_tried_at_ == 0 ||
                            now - report_tried_at_ >= options_.refresh_seconds);
}

bool InventoryCache::Healthy() const {
  if (failed_.load(std::memory_order_relaxed)) return false;
  int64_t since = busy_since_ms_.load(std::memory_order_relaxed);
  return since == 0 || SteadyMs() - since < kStuckMs;
}

void InventoryCache::RunDue(time_t now) {
  busy_since_ms_.store(SteadyMs(), std::memory_order_relaxed);
  LoadWantedDetails();
  if (RoundDue(now)) {
    // On failure too: the next try after the same interval.
    next_round_ = now + options_.refresh_seconds;
    const auto interval = std::chrono::seconds(options_.refresh_seconds);
    const auto steady_now = std::chrono::steady_clock::now();
    next_round_at_ += interval;  // on the beat, unless a round overran it
    if (next_round_at_ <= steady_now) next_round_at_ = steady_now + interval;
    Round(now);
    CheckAge(now);
  }
  bool report = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    report = ReportDue(now);
    if (report) report_wanted_ = false;
  }
  if (report) ComputeReport(now);
  busy_since_ms_.store(0, std::memory_order_relaxed);
}

void InventoryCache::LoadWantedDetails() {
  std::set<int> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ids.swap(wanted_details_);
  }
  for (int id : ids) {
    FileDetails d;
    Status s = source_->LoadFileDetails(id, &d);
    if (!s.ok() && !s.IsNotFound()) {
      // Asked for again by the next request that needs them.
      NoteFailure(s, true);
      continue;
    }
    // A file gone from the inventory has no details: empty ones, cached
    // like the others until the files counter moves.
    std::lock_guard<std::mutex> lock(mu_);
    if (details_.size() >= kMaxCachedDetails) details_.clear();
    details_[id] = std::move(d);
  }
  // Also after a failure: a request waiting for them need wait no more.
  if (!ids.empty()) loaded_.notify_all();
}

void InventoryCache::NoteFailure(const Status& s, bool have_data) {
  if (options_.metrics) options_.metrics->database_errors++;
  // Logged when it starts failing, not on every round of an outage.
  if (!failed_.exchange(true))
    options_.log("inventory refresh failed (" + s.message() +
                 "); answering from what this worker has" +
                 (have_data ? "" : " (nothing yet)"));
}

void InventoryCache::Round(time_t now) {
  std::shared_ptr<const InventorySnapshot> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last = published_;
  }
  auto fresh = std::make_shared<InventorySnapshot>();
  auto failed = [&](const Status& s) { NoteFailure(s, last->loaded); };
  // Where the server stands first: the data read after it is at least as
  // new, so the age below never understates.
  Status s = source_->LoadState(&fresh->replica, &fresh->schema_version);
  if (!s.ok()) return failed(s);
  const int known = LatestSchemaVersion();
  const bool newer = fresh->schema_version > known;
  if (newer && node_log_->SchemaWarningDue(fresh->schema_version))
    options_.log("the database's schema is version " +
                 std::to_string(fresh->schema_version) +
                 ", newer than this waymark-redirector knows (" +
                 std::to_string(known) +
                 "): it serves from what it understands while its queries "
                 "work; upgrade waymark on this node");
  s = source_->LoadMirrors(&fresh->mirrors, &fresh->gens);
  if (!s.ok() && newer)
    // Most likely a change of the newer schema, not an outage: said so,
    // once per outage as any failure (NoteFailure()).
    s = Status::Database("the database's schema is version " +
                         std::to_string(fresh->schema_version) +
                         ", newer than this waymark-redirector knows (" +
                         std::to_string(known) + "), and its queries fail (" +
                         s.message() + "); upgrade waymark on this node");
  if (!s.ok()) return failed(s);
  // Bitmaps of mirrors that were rescanned; forget removed mirrors. All or
  // nothing: after a failure the next round tries again.
  std::shared_ptr<FileBitmaps> changed;
  auto edit = [&] {
    if (!changed) changed = std::make_shared<FileBitmaps>(*last->bitmaps);
    return changed.get();
  };
  std::map<int, long long> gens_read = bitmap_gens_;
  for (const auto& [id, gen] : fresh->gens.mirrors) {
    auto known = gens_read.find(id);
    if (known != gens_read.end() && known->second == gen) continue;
    std::vector<std::string> chunks;
    s = source_->LoadBitmaps(id, &chunks);
    if (!s.ok()) return failed(s);
    edit()->Set(id, chunks);
    gens_read[id] = gen;
  }
  for (auto it = gens_read.begin(); it != gens_read.end();) {
    if (fresh->gens.mirrors.count(it->first)) {
      ++it;
    } else {
      edit()->Erase(it->first);
      it = gens_read.erase(it);
    }
  }
  bitmap_gens_ = std::move(gens_read);
  if (changed) {
    fresh->bitmaps = std::move(changed);
  } else {
    fresh->bitmaps = last->bitmaps;
  }
  fresh->rows = SelectionRows(fresh->mirrors);
  fresh->loaded = true;
  fresh->serial = ++serial_;
  fresh->loaded_at = now;
  fresh->view_as_of =
      static_cast<double>(now) -
      (fresh->replica.age_known() ? fresh->replica.age_seconds : 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Details are cached until a file changes.
    if (last->gens.files != fresh->gens.files) details_.clear();
    published_ = fresh;
    version_.fetch_add(1, std::memory_order_release);
  }
  if (failed_.exchange(false)) options_.log("inventory refresh works again");
  loaded_.notify_all();
  if (options_.published) options_.published(*fresh);
}

void InventoryCache::CheckAge(time_t now) {
  if (options_.max_age <= 0) return;
  std::shared_ptr<const InventorySnapshot> snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snap = published_;
  }
  // Before a first snapshot there is nothing stale to serve from (and the
  // failure is logged as such).
  if (!snap->loaded) return;
  const bool suspect = failed_.load(std::memory_order_relaxed) ||
                       now - snap->loaded_at > 2 * options_.refresh_seconds + 1;
  const double age = InventoryAge(*snap, suspect, now);
  const bool stale = age < 0 || age > static_cast<double>(options_.max_age);
  const std::string what =
      suspect ? "the database does not answer" : ViewKind(*snap);
  if (stale && node_log_->StaleDue(now)) {
    options_.log(
        "STALE INVENTORY: " +
        (age < 0 ? std::string("its age is unknown")
                 : "it is " + Seconds(age) + " old") +
        ", past redirector.max_inventory_age (" + Seconds(options_.max_age) +
        "): " + what + "; " +
        (options_.fallback_serves
             ? "mirrors whose last check is older than that are not "
               "chosen, fallbacks serve instead"
             : "no fallback is set (redirector.fallback, "
               "redirector.local_location), so mirrors are still chosen "
               "by their last known health"));
  } else if (!stale && node_log_->Recovered()) {
    options_.log("inventory current again: " + Seconds(age) + " old (" + what +
                 "); mirrors are chosen by their health as before");
  }
}

void InventoryCache::ComputeReport(time_t now) {
  report_tried_at_ = now;
  auto r = std::make_shared<TimedReport>();
  Status s = source_->LoadRepositoryReport(&r->report);
  if (!s.ok()) {
    NoteFailure(s, true);
    loaded_.notify_all();
    return;  // the last one stays
  }
  r->at = now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    report_ = std::move(r);
  }
  loaded_.notify_all();
}

const InventorySnapshot& InventoryCache::Current() {
  if (version_.load(std::memory_order_acquire) != held_version_) {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = published_;
    held_version_ = version_.load(std::memory_order_relaxed);
  }
  return *held_;
}

bool InventoryCache::Suspect(time_t now) const {
  return failed_.load(std::memory_order_relaxed) || !held_->loaded ||
         now - held_->loaded_at > 2 * options_.refresh_seconds + 1;
}

double InventoryCache::Age(time_t now) const {
  return InventoryAge(*held_, Suspect(now), now);
}

bool InventoryCache::Stale(time_t now) const {
  if (options_.max_age <= 0) return false;
  double age = Age(now);
  return age < 0 || age > static_cast<double>(options_.max_age);
}

FileLookup InventoryCache::Lookup(const std::string& path, time_t now,
                                  FileRecord* out) {
  const FileIndex* index = options_.index.get();
  if (index && index->Find(path, out)) {
    if (options_.metrics) options_.metrics->cache_hits++;
    return FileLookup::kFound;
  }
  if (options_.metrics) options_.metrics->cache_misses++;
  if (Suspect(now)) return FileLookup::kUnknown;
  if (!index || held_->gens.files != index->gen)
    return FileLookup::kIndexBehind;
  return FileLookup::kNotFound;
}

bool InventoryCache::IndexBehind() const {
  return !options_.index ||
         (held_->loaded && held_->gens.files != options_.index->gen);
}

bool InventoryCache::Details(int file_id, FileDetails* out) {
  std::unique_lock<std::mutex> lock(mu_);
  auto cached = [&] {
    auto it = details_.find(file_id);
    if (it == details_.end()) return false;
    *out = it->second;
    return true;
  };
  if (cached()) return true;
  wanted_details_.insert(file_id);
  if (!thread_.joinable()) return false;  // RunDue() loads them
  wake_.notify_one();
  if (!Healthy()) return false;
  loaded_.wait_for(lock, std::chrono::milliseconds(kFirstLoadWaitMs), [&] {
    return details_.count(file_id) > 0 || stop_ || failed_;
  });
  return cached();
}

std::shared_ptr<const TimedReport> InventoryCache::Report(time_t now) {
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<const TimedReport> last = report_;
  if (last && now - last->at < options_.refresh_seconds) return last;
  report_wanted_ = true;
  if (!thread_.joinable()) return last;  // RunDue() computes it
  wake_.notify_one();
  if ((last && now - last->at <= kReportKeptSeconds) || !Healthy()) return last;
  loaded_.wait_for(lock, std::chrono::milliseconds(kFirstLoadWaitMs),
                   [&] { return report_ != last || stop_ || failed_; });
  return report_;
}

}  // namespace waymark
