// What one redirector worker knows of the inventory, and the refresh work
// that keeps it fresh. Owned by the worker's Handler (redirector/
// handler.h); reads through an InventorySource (redirector/
// inventory_source.h).
//
// No request reads the database, so a stalled PostgreSQL (a table locked,
// the server stopped, a network partition) delays no answer. All reading
// is done by the refresh work: in a worker a thread of its own (Start()),
// on the source's own connection, whose queries run under the statement
// and lock timeouts of redirector.query_timeout.
// - Every `refresh_seconds` (5 s) one round of small queries reloads the
//   mirror list (health, lag, settings) and the inventory's change
//   counters (sql/migrations/0002_change_tracking.sql), and the bitmaps of
//   each mirror whose counter moved (it was rescanned). The round's result
//   is published as an immutable InventorySnapshot. A request takes the
//   current snapshot with one atomic load (and a mutex held to copy a
//   shared_ptr only when a new one was published since its last request),
//   and never waits on the round; when a round fails the last snapshot
//   stays, and Suspect() says so.
// - File records come only from the FileIndex the master built and handed
//   the workers (core/model/file_index.h). When the files counter moved
//   since it was built (a scan added or removed files), the master builds
//   a new one (it learns of the move from the workers, see `published`
//   below) and replaces the workers; meanwhile Lookup() says which paths
//   the index cannot answer for, and the Handler answers those as with no
//   index (a file that is really in the repository is served by the
//   origin or a fallback). So a new release is served as soon as a worker
//   sees the counter move, and redirected to mirrors once the new index is
//   in, within the refresh interval plus the index build.
// - Each round starts by reading where the server stands (LoadState():
//   primary or hot standby and how far behind, and the schema version),
//   which gives the snapshot its age (Age()). Past options.max_age the
//   node's view is stale (Stale()): the refresh work says so in the log
//   (once a minute for the whole node, and once when it is current again),
//   and the Handler stops trusting old mirror checks. A schema newer than
//   this binary knows is said once for the node; while the queries still
//   work the worker keeps serving from what it understands, and when they
//   fail the failure says that the schema is newer.
// - Details (mtime, SHA-1, MD5, piece hashes) of the few files whose mirror
//   list, JSON, Metalink or ?sha1/?md5 is asked for are loaded by the
//   refresh work when a request asks for them, and cached until the files
//   counter moves. The asking request waits for them at most
//   kFirstLoadWaitMs, and only while the refresh work looks healthy (its
//   last round succeeded and it is not stuck in a query); otherwise it
//   answers without them and says so.
// - The /mirrorstats report (aggregate queries, tens of milliseconds at
//   300k files) is computed by the refresh work at most once per refresh
//   interval, and only while requests ask for it; requests share the last
//   one. The first request after a quiet spell of more than a minute waits
//   for a fresh one as for details, else gets the last.
// We poll counters rather than LISTEN/NOTIFY: polling needs no extra
// connection state, cannot miss a notification across a reconnect, and
// costs one tiny query per worker every 5 s.
//
// Without Start() (unit tests, the benchmark) nothing runs by itself:
// RunDue() does, in the caller, what the thread would do now.
#ifndef WAYMARK_REDIRECTOR_INVENTORY_CACHE_H_
#define WAYMARK_REDIRECTOR_INVENTORY_CACHE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/model/file_bitmaps.h"
#include "core/model/file_index.h"
#include "core/model/inventory_gens.h"
#include "core/model/selection.h"
#include "core/store/file_details.h"
#include "core/store/mirror_report.h"
#include "core/store/replica_state.h"
#include "redirector/inventory_source.h"
#include "redirector/metrics.h"
#include "redirector/node_log.h"

namespace waymark {

// What one refresh round read; never changed once published.
struct InventorySnapshot {
  bool loaded = false;  // false: no round has succeeded yet (empty)
  uint64_t serial = 0;  // one more for each snapshot published
  time_t loaded_at = 0;
  std::vector<MirrorStatus> mirrors;  // by name
  std::vector<SelectionRow> rows;     // SelectionRows(mirrors)
  // Shared with the next snapshots until a mirror's bitmaps change.
  std::shared_ptr<const FileBitmaps> bitmaps;  // never nullptr
  InventoryGens gens;
  // Where the server stood, read first in the round (so the rest of the
  // round's data is at least as new), and the schema version it records.
  ReplicaState replica;
  int schema_version = 0;
  // The moment of the primary's history this snapshot shows, on this
  // node's clock (Unix seconds): the round's start minus the standby's lag
  // (the round's start on a primary). Meaningless when !replica.age_known()
  // (a standby that neither streams nor has replayed anything since it
  // started).
  double view_as_of = 0;
};

// How old `snap` is at `now`, in seconds; negative when unknown (no
// snapshot, or a standby that cannot tell). While refreshes work
// (`suspect` false) it is the lag the last round read: 0 on a primary and
// on a standby that has replayed all its primary sent. While they fail or
// are overdue, what the node serves from is as old as its last successful
// round plus that lag, and ages with the clock: now - view_as_of.
double InventoryAge(const InventorySnapshot& snap, bool suspect, time_t now);

// What kind of view `snap` is, for people: "primary", "hot standby,
// streaming", "hot standby, replay paused", "hot standby, not streaming".
std::string ViewKind(const InventorySnapshot& snap);

// The /mirrorstats report and when it was read.
struct TimedReport {
  RepositoryReport report;
  time_t at = 0;
};

struct InventoryCacheOptions {
  int refresh_seconds = 5;
  // Built outside the worker; nullptr when there is none.
  std::shared_ptr<const FileIndex> index;
  // Index hits, database errors; nullptr: not counted.
  Metrics* metrics = nullptr;
  std::function<time_t()> clock = [] { return time(nullptr); };
  // Called by the refresh work after each snapshot it publishes (the
  // worker tells the master the files counter it saw, and that it is
  // ready); may be empty.
  std::function<void(const InventorySnapshot&)> published;
  std::function<void(const std::string&)> log = [](const std::string&) {};
  // redirector.max_inventory_age, in seconds; 0: no limit.
  long long max_age = 600;
  // What the node does while stale, for the log line: true when a fallback
  // or the origin serves the clients whose mirrors are not trusted.
  bool fallback_serves = true;
  // The node's log state, shared by its workers (redirector/node_log.h);
  // nullptr: this cache's own.
  NodeLog* node_log = nullptr;
};

// How a path fared in the index.
enum class FileLookup {
  kFound,
  // The index is complete (its counter is the inventory's, as the last
  // round read it) and the database answers: the inventory has no such
  // file.
  kNotFound,
  // The index is behind the inventory (a new one is being built) or there
  // is none: the file may be new.
  kIndexBehind,
  // No round has succeeded lately (see Suspect()): nobody can say.
  kUnknown,
};

class InventoryCache {
 public:
  // How long a request may wait for details or a first report, and only
  // while the refresh work looks healthy.
  static constexpr int kFirstLoadWaitMs = 250;

  InventoryCache(InventoryCacheOptions options, InventorySource* source);
  InventoryCache(const InventoryCache&) = delete;
  InventoryCache& operator=(const InventoryCache&) = delete;
  // Stops the thread; one stuck in a query for 2 s ends the process
  // (_exit), rather than tie it to the database: call Stop() first.
  ~InventoryCache();

  // Starts the refresh thread; it starts with a round at once.
  void Start();
  // Asks the thread to stop and waits for it up to `timeout`. False when
  // it is still stuck in a query: the caller should then end the process
  // (_exit) rather than wait on the database.
  bool Stop(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for the first snapshot; true once there is one.
  bool WaitForFirstSnapshot(std::chrono::milliseconds timeout);
  // Without a thread: the refresh work due at `now` (wanted details, a
  // round when refresh_seconds have passed since the last, the report
  // when wanted and due), in the caller.
  void RunDue(time_t now);

  // --- For requests, all from one thread (the worker's). ---
  // The snapshot to answer from; valid until the next call.
  const InventorySnapshot& Current();
  // The last round failed, or none succeeded within twice the refresh
  // interval (a query stuck on a stalled server): what the worker has may
  // be out of date.
  bool Suspect(time_t now) const;
  // InventoryAge() of the snapshot Current() returned last.
  double Age(time_t now) const;
  // Its age is past options.max_age, or unknown (with a limit set).
  bool Stale(time_t now) const;
  // `path` in the index, judged against the snapshot Current() returned
  // last. Fills `out` when found.
  FileLookup Lookup(const std::string& path, time_t now, FileRecord* out);
  // There is no index, or the last round saw the inventory's files counter
  // move past it: a path it lacks may be a new file.
  bool IndexBehind() const;
  // The file's details; false when they are not loaded (yet), after
  // asking the refresh work for them (see kFirstLoadWaitMs).
  bool Details(int file_id, FileDetails* out);
  // The last /mirrorstats report (nullptr: none yet), and a new one asked
  // for when it is older than the refresh interval.
  std::shared_ptr<const TimedReport> Report(time_t now);

 private:
  void ThreadMain();
  bool WorkDue(time_t now) const;  // under mu_
  bool RoundDue(time_t now) const;
  bool ReportDue(time_t now) const;  // under mu_
  // The refresh work looks healthy: a request may wait on it, briefly.
  bool Healthy() const;
  // A query failed: the worker's data is suspect until the next round
  // succeeds (logged once per outage).
  void NoteFailure(const Status& s, bool have_data);
  void LoadWantedDetails();
  void Round(time_t now);
  // After each round: logs when the node's view is stale, or current again.
  void CheckAge(time_t now);
  void ComputeReport(time_t now);

  const InventoryCacheOptions options_;
  InventorySource* const source_;
  NodeLog own_node_log_;
  NodeLog* const node_log_;  // options_.node_log, or own_node_log_

  mutable std::mutex mu_;
  std::condition_variable wake_;    // the thread waits on it
  std::condition_variable loaded_;  // requests wait on it
  // Under mu_:
  std::shared_ptr<const InventorySnapshot> published_;
  std::unordered_map<int, FileDetails> details_;
  std::set<int> wanted_details_;
  std::shared_ptr<const TimedReport> report_;
  bool report_wanted_ = false;
  bool stop_ = false;
  bool thread_done_ = false;

  std::atomic<uint64_t> version_{0};  // of published_
  std::atomic<bool> failed_{false};   // the last query failed
  // When the refresh work began what it is doing (steady clock, ms); 0:
  // idle.
  std::atomic<int64_t> busy_since_ms_{0};
  std::thread thread_;

  // The refresh work's own (the thread, or RunDue()'s caller):
  bool threaded_ = false;                                // set by Start()
  time_t next_round_ = 0;                                // without a thread
  std::chrono::steady_clock::time_point next_round_at_;  // with one
  uint64_t serial_ = 0;
  time_t report_tried_at_ = 0;
  std::map<int, long long> bitmap_gens_;  // what each mirror's were read at

  // The request side's own:
  std::shared_ptr<const InventorySnapshot> held_;
  uint64_t held_version_ = ~uint64_t{0};
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_INVENTORY_CACHE_H_
