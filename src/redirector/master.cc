#include "redirector/master.h"

#include <signal.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/log.h"
#include "core/program.h"
#include "redirector/log.h"
#include "redirector/settings.h"

namespace waymark {

namespace {

void MasterSignals(sigset_t* set) {
  sigemptyset(set);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD})
    sigaddset(set, sig);
}

Status OpenGeoIp(const Config& config, std::shared_ptr<const GeoIp>* out) {
  std::unique_ptr<GeoIp> g;
  Status s = GeoIp::Open(config, &g);
  if (s.ok()) *out = std::move(g);
  return s;
}

}  // namespace

void BlockMasterSignals() {
  sigset_t set;
  MasterSignals(&set);
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

Master::Master(const CommandLine& command_line, std::string listen,
               int listen_fd, SharedRegion* shared)
    : command_line_(command_line),
      listen_(std::move(listen)),
      listen_fd_(listen_fd),
      shared_(shared) {}

void Master::Run(std::unique_ptr<Generation> gen) {
  gen_ = std::move(gen);
  sigset_t handled;
  MasterSignals(&handled);
  // The first index before the first workers, so that they start with it.
  StartBuilder();
  const time_t start_by = time(nullptr) + kFirstIndexWaitSeconds;
  while (true) {
    // A second, or less when a restart that had to wait is due sooner.
    auto wait = std::chrono::nanoseconds(std::chrono::seconds(1));
    for (int slot : waiting_slots_)
      wait = std::min<std::chrono::nanoseconds>(
          wait, std::max<std::chrono::nanoseconds>(
                    std::chrono::milliseconds(1),
                    last_start_[slot] + std::chrono::seconds(1) -
                        std::chrono::steady_clock::now()));
    // Readiness is looked for more often than once a second.
    if (workers_started_ && !ready_reported_)
      wait = std::min<std::chrono::nanoseconds>(wait,
                                                std::chrono::milliseconds(20));
    timespec timeout{0, static_cast<long>(wait.count())};
    if (wait >= std::chrono::seconds(1)) timeout = {1, 0};
    int sig = sigtimedwait(&handled, nullptr, &timeout);
    if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
      Stop(sig == SIGQUIT ? SIGQUIT : SIGTERM);
    if (sig == SIGHUP && !stopping_) Reload();
    if (sig == SIGUSR1) ReopenLogs();
    Reap();
    if (stopping_ && current_.empty() && retiring_.empty() &&
        !builder_.running())
      return;
    if (stopping_) continue;
    time_t now = time(nullptr);
    CheckBuilderDeadline(now);
    if (!workers_started_) {
      if (!first_index_done_ && now < start_by) continue;
      StartWorkers();
    }
    if (!ready_reported_) ReportReady();
    // Restarts that had to wait (at most one per slot per second).
    for (auto it = waiting_slots_.begin(); it != waiting_slots_.end();) {
      if (std::chrono::steady_clock::now() - last_start_[*it] >=
          std::chrono::seconds(1)) {
        Spawn(*it);
        it = waiting_slots_.erase(it);
      } else {
        ++it;
      }
    }
    if (now >= next_check_ && !builder_.running() && IndexDue()) StartBuilder();
  }
}

bool Master::IndexDue() const {
  // Without shared memory nothing tells the master: a builder looks every
  // kCheckSeconds (connecting each time).
  if (!shared_) return true;
  return shared_->files_gen_seen() > (gen_->index ? gen_->index->gen : -1);
}

void Master::StartBuilder() {
  next_check_ = time(nullptr) + kCheckSeconds;
  builder_started_ = time(nullptr);
  builder_killed_ = false;
  builder_.Start(gen_->config.GetString(keys::kDatabaseDsn),
                 gen_->index ? gen_->index->gen : -1,
                 LimitsFromTimeout(gen_->config.GetDurationSeconds(
                     keys::kRedirectorQueryTimeout)));
}

void Master::CheckBuilderDeadline(time_t now) {
  if (!builder_.running() || builder_killed_) return;
  long long limit =
      gen_->config.GetDurationSeconds(keys::kRedirectorIndexBuildTimeout);
  if (now - builder_started_ < limit) return;
  LogWarning("file index: the build took more than " + std::to_string(limit) +
             " s (redirector.index_build_timeout); stopped it, the workers "
             "keep the index they have");
  builder_.Kill();
  builder_killed_ = true;
}

void Master::StartWorkers() {
  workers_started_ = true;
  workers_started_at_ = std::chrono::steady_clock::now();
  workers_ = static_cast<int>(gen_->config.GetInt(keys::kRedirectorWorkers));
  last_start_.assign(workers_, std::chrono::steady_clock::time_point());
  for (int i = 0; i < workers_; ++i) Spawn(i);
}

bool Master::ReportReady() {
  // Clients that connect before a worker has its first snapshot wait in
  // the listen queue or are sent to the fallback (worker.cc): "ready" is
  // what a service manager, the demo and the tests start clients on.
  const bool answering = !shared_ || shared_->AnyWorkerReady();
  const bool waited = std::chrono::steady_clock::now() - workers_started_at_ >=
                      std::chrono::seconds(kFirstSnapshotWaitSeconds);
  if (!answering && !waited) return false;
  ready_reported_ = true;
  LogInfo("ready: " + std::to_string(workers_) + " workers on " + listen_ +
          ", node " + NodeName(gen_->config) +
          (answering ? ""
                     : " (no inventory yet: the database does not answer; "
                       "the fallback serves until it does)"));
  sd_notify(0, "READY=1");
  return true;
}

void Master::Spawn(int slot) {
  if (shared_) shared_->SetReady(slot, false);
  pid_t pid = fork();
  if (pid == 0) {
    builder_.CloseInChild();
    RunWorker(listen_fd_, *gen_, shared_, slot);
  }
  if (pid < 0) {
    LogError("cannot fork a worker: " + std::string(std::strerror(errno)));
    waiting_slots_.push_back(slot);
    return;
  }
  current_[pid] = slot;
  if (slot < static_cast<int>(last_start_.size()))
    last_start_[slot] = std::chrono::steady_clock::now();
}

void Master::Replace(std::unique_ptr<Generation> next) {
  gen_ = std::move(next);
  if (!workers_started_) return;  // they will start with it
  for (auto& [pid, slot] : current_) {
    retiring_[pid] = slot;
    kill(pid, SIGQUIT);
  }
  // The retiring workers stop answering now: none of them is one a new
  // worker may leave the requests to while it waits for its first
  // snapshot.
  if (shared_)
    for (int i = 0; i < kMaxWorkerSlots; ++i) shared_->SetReady(i, false);
  current_.clear();
  waiting_slots_.clear();
  StartWorkers();
}

void Master::Stop(int sig) {
  if (stopping_) return;
  stopping_ = true;
  sd_notify(0, "STOPPING=1");
  LogInfo(std::string(sig == SIGTERM ? "fast" : "graceful") + " stop");
  for (auto& [pid, slot] : current_) kill(pid, sig);
  for (auto& [pid, slot] : retiring_) kill(pid, sig);
  builder_.Kill();
}

void Master::Reload() {
  sd_notify(0, "RELOADING=1");
  auto next = std::make_unique<Generation>();
  Status rs = LoadConfigFor(command_line_, &next->config);
  if (rs.ok()) rs = OpenGeoIp(next->config, &next->geoip);
  HandlerOptions checked;
  if (rs.ok()) rs = HandlerOptionsFrom(next->config, &checked);
  if (!rs.ok()) {
    LogError("reload failed, keeping the running configuration: " +
             rs.message());
  } else {
    SetLogLevel(next->config);
    // What the master set up at start (socket, pidfile, log file) stays as
    // it is until a restart (waymark.conf(5), "Reloading").
    for (const Config::Kept& k :
         next->config.KeepRestartOnlyValues(gen_->config)) {
      LogWarning(k.key + " changed, but it needs a restart: keeping " +
                 (k.running.empty() ? "none" : k.running));
    }
    if (next->config.GetString(keys::kDatabaseDsn) !=
        gen_->config.GetString(keys::kDatabaseDsn)) {
      // Another database may be another inventory: a new index, from it.
      next->index = nullptr;
      builder_.Kill();
      if (shared_) shared_->ResetFilesGen();
    } else {
      next->index = gen_->index;
    }
    Replace(std::move(next));
    LogInfo("reloaded: " + std::to_string(workers_) + " workers");
    next_check_ = 0;  // check the repository now
  }
  sd_notify(0, "READY=1");
}

void Master::ReopenLogs() {
  ReopenLog(gen_->config.GetString(keys::kLogFile));
  LogInfo("log reopened");
  for (auto& [pid, slot] : current_) kill(pid, SIGUSR1);
}

void Master::IndexBuilt(int wait_status) {
  std::shared_ptr<const FileIndex> index = builder_.Collect(wait_status);
  if (!first_index_done_) {
    first_index_done_ = true;
    if (index) gen_->index = index;
    return;
  }
  if (!index || stopping_) return;
  auto next = std::make_unique<Generation>();
  next->config = gen_->config;
  next->geoip = gen_->geoip;
  next->index = index;
  Replace(std::move(next));
}

void Master::Reap() {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == builder_.pid()) {
      IndexBuilt(status);
      continue;
    }
    if (retiring_.erase(pid)) continue;
    auto it = current_.find(pid);
    if (it == current_.end()) continue;
    int slot = it->second;
    current_.erase(it);
    if (shared_) shared_->SetReady(slot, false);
    if (stopping_) continue;
    LogWarning("worker " + std::to_string(pid) + " died (" +
               (WIFSIGNALED(status)
                    ? "signal " + std::to_string(WTERMSIG(status))
                    : "exit " + std::to_string(WEXITSTATUS(status))) +
               "); restarting it");
    if (slot < static_cast<int>(last_start_.size()) &&
        std::chrono::steady_clock::now() - last_start_[slot] <
            std::chrono::seconds(1)) {
      waiting_slots_.push_back(slot);
    } else {
      Spawn(slot);
    }
  }
}

}  // namespace waymark
