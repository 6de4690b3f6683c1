// waymark-redirector's master process: forks the prefork workers
// (redirector/worker.h), replaces the ones that die, reacts to signals, and
// has the file index rebuilt (redirector/index_builder.h) when the
// repository changes. Run by RunServer (redirector/server.h) only.
//
// The master waits on nothing but signals and its children: it takes the
// signals with sigtimedwait() (they stay blocked; there are no handlers)
// and holds no database connection. SIGCHLD restarts a worker that died
// (at most one restart per slot per second, logged), SIGTERM/SIGINT stop
// at once, SIGQUIT stops after the requests in progress, SIGHUP re-reads
// the configuration and GeoIP databases and replaces the workers (new ones
// start before the old ones finish, so no request fails), SIGUSR1 reopens
// the log. When the workers' refresh threads saw the inventory's files
// counter move past the index's (they say so in the shared region), a
// builder child builds a new index (at most one start per 5 s; one that
// outlives redirector.index_build_timeout is killed); the master then
// replaces the workers with ones that share it. So nothing connects to
// PostgreSQL for the index while the repository does not change.
#ifndef WAYMARK_REDIRECTOR_MASTER_H_
#define WAYMARK_REDIRECTOR_MASTER_H_

#include <sys/types.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/command_line.h"
#include "redirector/index_builder.h"
#include "redirector/shared_region.h"
#include "redirector/worker.h"

namespace waymark {

// The signals the master takes; blocked in the master before it forks
// anything (its children unblock what they handle).
void BlockMasterSignals();

class Master {
 public:
  // `command_line` re-reads the configuration on SIGHUP; `listen` is
  // redirector.listen, for the log; `listen_fd` and `shared` outlive the
  // master.
  Master(const CommandLine& command_line, std::string listen, int listen_fd,
         SharedRegion* shared);
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  // Builds the first index (waiting for it at most kFirstIndexWaitSeconds,
  // so that a hanging database does not keep the workers from starting),
  // starts the workers and reports readiness ("ready:" in the log, READY=1
  // to systemd) once one of them has its first inventory snapshot, or
  // after kFirstSnapshotWaitSeconds without one, then runs until every
  // child is gone after a stop.
  void Run(std::unique_ptr<Generation> gen);

 private:
  static constexpr int kCheckSeconds = 5;
  static constexpr int kFirstIndexWaitSeconds = 10;
  // Longer than a worker's own wait for its first snapshot (worker.cc).
  static constexpr int kFirstSnapshotWaitSeconds = 3;

  void StartWorkers();
  // Says "ready" once a worker can answer from the inventory, or when
  // waiting longer would not help; true once said.
  bool ReportReady();
  void Spawn(int slot);
  // New workers first, then the old ones finish what they are doing.
  void Replace(std::unique_ptr<Generation> next);
  void Stop(int sig);
  void Reload();
  void ReopenLogs();
  void Reap();
  void IndexBuilt(int wait_status);
  void StartBuilder();
  // The workers saw a files counter the index does not have.
  bool IndexDue() const;
  // Kills a builder past redirector.index_build_timeout.
  void CheckBuilderDeadline(time_t now);

  const CommandLine& command_line_;
  const std::string listen_;
  const int listen_fd_;
  SharedRegion* const shared_;
  std::unique_ptr<Generation> gen_;
  IndexBuilder builder_;
  time_t next_check_ = 0;
  time_t builder_started_ = 0;
  bool builder_killed_ = false;
  bool workers_started_ = false;
  bool ready_reported_ = false;
  std::chrono::steady_clock::time_point workers_started_at_;
  bool first_index_done_ = false;
  int workers_ = 0;
  std::map<pid_t, int> current_;   // pid -> slot
  std::map<pid_t, int> retiring_;  // an older generation, finishing
  std::vector<std::chrono::steady_clock::time_point> last_start_;
  std::vector<int> waiting_slots_;
  bool stopping_ = false;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_MASTER_H_
