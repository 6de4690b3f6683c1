#include "redirector/server.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/store/db.h"
#include "core/store/download_stats.h"
#include "core/model/fallback.h"
#include "core/geo/geoip.h"
#include "core/program.h"
#include "core/strings.h"
#include "core/url.h"
#include "redirector/handler.h"

namespace waymark {

namespace {

// Set by signal handlers, read by the loops (the only process-wide state).
volatile sig_atomic_t g_stop_graceful = 0;
volatile sig_atomic_t g_reopen = 0;

void OnSignal(int sig) {
  switch (sig) {
    case SIGQUIT: g_stop_graceful = 1; break;
    case SIGUSR1: g_reopen = 1; break;
  }
}

void Log(const std::string& msg) {
  // FormatUtc is thread-safe: the statistics writer thread logs too.
  std::string ts = FormatUtc(time(nullptr));
  std::fprintf(stderr, "%s waymark-redirector[%d]: %s\n", ts.c_str(), getpid(), msg.c_str());
  std::fflush(stderr);
}

void InstallHandlers(std::initializer_list<int> sigs) {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int s : sigs) sigaction(s, &sa, nullptr);
}

// Opens the listen socket: "unix:/path" or "host:port" ("[v6]:port").
Status OpenListenSocket(const std::string& listen, int* fd_out) {
  int fd = -1;
  if (StartsWith(listen, "unix:")) {
    std::string path = listen.substr(5);
    sockaddr_un sa{};
    if (path.size() >= sizeof sa.sun_path) return Status::InvalidArgument(listen + ": path too long");
    struct stat st;
    if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path.c_str());
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      int e = errno;
      if (fd >= 0) close(fd);
      return Status::IOError("cannot listen on " + listen + ": " + std::strerror(e));
    }
    // nginx runs as another user; the directory's permissions guard it.
    chmod(path.c_str(), 0666);
  } else {
    size_t colon = listen.rfind(':');
    std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) return Status::IOError("cannot listen on " + listen + ": " + gai_strerror(rc));
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
      int e = errno;
      freeaddrinfo(res);
      if (fd >= 0) close(fd);
      return Status::IOError("cannot listen on " + listen + ": " + std::strerror(e));
    }
    freeaddrinfo(res);
  }
  if (::listen(fd, 1024) != 0) {
    int e = errno;
    close(fd);
    return Status::IOError("cannot listen on " + listen + ": " + std::strerror(e));
  }
  // Workers poll before accepting, so that a stop request is seen between
  // requests; a connection another worker took gives EAGAIN, not a hang.
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  *fd_out = fd;
  return Status::OK();
}

// Memory the master maps before forking and every worker shares: the
// metrics and the same-download table. Never unmapped while workers run.
class SharedRegion {
 public:
  static constexpr size_t kRecentSlots = 65536;  // 1 MiB

  static std::unique_ptr<SharedRegion> Create() {
    size_t bytes = sizeof(Metrics) + 64 + RecentDownloads::BytesFor(kRecentSlots);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    return std::unique_ptr<SharedRegion>(new SharedRegion(p, bytes));
  }
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion() { munmap(memory_, bytes_); }

  Metrics* metrics() { return metrics_; }
  RecentDownloads* recent() { return &recent_; }

 private:
  SharedRegion(void* p, size_t bytes)
      : memory_(p),
        bytes_(bytes),
        metrics_(new (p) Metrics),
        recent_(static_cast<char*>(p) + (sizeof(Metrics) + 63) / 64 * 64, kRecentSlots, true) {
    metrics_->Reset();
  }
  void* memory_;
  size_t bytes_;
  Metrics* metrics_;
  RecentDownloads recent_;
};

HandlerOptions OptionsFrom(const Config& config, Status* status) {
  HandlerOptions o;
  o.policy.max_lag = config.GetDurationSeconds("redirector.max_lag");
  o.policy.https_fallback_to_http = config.GetBool("redirector.https_fallback_to_http");
  o.policy.http_to_https = config.GetBool("redirector.http_to_https");
  o.max_link_headers = static_cast<int>(config.GetInt("redirector.max_link_headers"));
  o.local_location = config.GetString("redirector.local_location");
  o.min_size = config.GetSizeBytes("redirector.min_size");
  o.same_download_window = config.GetDurationSeconds("redirector.same_download_window");
  o.stats_flush_interval = static_cast<int>(config.GetDurationSeconds("redirector.stats_flush_interval"));
  o.stats_flush_entries = static_cast<size_t>(config.GetInt("redirector.stats_flush_entries"));
  o.stats_max_pending = static_cast<size_t>(config.GetInt("redirector.stats_max_pending"));
  *status = ParseFallbacks(config.GetList("redirector.fallback"), &o.fallbacks);
  if (status->ok() && !ParseOutputMode(config.GetString("redirector.output"), &o.output_mode))
    *status = Status::InvalidArgument("redirector.output: '" +
                                      Printable(config.GetString("redirector.output")) +
                                      "' is not one of auto, redirect");
  return o;
}

// One FastCGI connection and the request being read from it. The
// destructor closes the connection.
struct FcgiConnection {
  explicit FcgiConnection(int listen_fd) { FCGX_InitRequest(&request, listen_fd, 0); }
  FcgiConnection(const FcgiConnection&) = delete;
  FcgiConnection& operator=(const FcgiConnection&) = delete;
  ~FcgiConnection() {
    FCGX_Free(&request, 1);
  }
  FCGX_Request request;
};

// Answers the request just read, then finishes it (the connection stays
// open when nginx asked to keep it). `info` and `out` are the worker's,
// reused from request to request so that their strings keep their memory.
// The time taken goes to `metrics` (when there are shared metrics).
void Answer(FCGX_Request* req, Handler* handler, RequestInfo* info, std::string* out,
            Metrics* metrics) {
  const auto start = std::chrono::steady_clock::now();
  // One pass over the parameters ("NAME=value"), rather than a search of
  // the whole list for each one read. The two read only here are pointed
  // at, not copied.
  const char* https = "";
  const char* document_uri = "";
  struct Wanted {
    std::string_view name;  // with its '='
    std::string* field;     // or else
    const char** raw;
  };
  const Wanted wanted[] = {
      {"REQUEST_METHOD=", &info->method, nullptr}, {"REQUEST_URI=", &info->uri, nullptr},
      {"QUERY_STRING=", &info->query, nullptr},    {"REMOTE_ADDR=", &info->remote_addr, nullptr},
      {"HTTPS=", nullptr, &https},                 {"HTTP_HOST=", &info->host, nullptr},
      {"HTTP_ACCEPT=", &info->accept, nullptr},    {"HTTP_RANGE=", &info->range, nullptr},
      {"DOCUMENT_URI=", nullptr, &document_uri},
  };
  for (const Wanted& w : wanted)
    if (w.field) w.field->clear();
  for (char** p = req->envp; p && *p; ++p) {
    for (const Wanted& w : wanted) {
      if (**p == w.name[0] && std::strncmp(*p, w.name.data(), w.name.size()) == 0) {
        const char* value = *p + w.name.size();
        if (w.field) {
          w.field->assign(value);
        } else {
          *w.raw = value;
        }
        break;
      }
    }
  }
  info->https = std::strcmp(https, "on") == 0;
  info->uri.resize(std::min(info->uri.size(), info->uri.find('?')));
  if (info->uri.empty()) info->uri = EncodePath(document_uri);
  Response r = handler->Handle(*info);
  r.SerializeTo(info->method == "HEAD", out);
  FCGX_PutStr(out->data(), static_cast<int>(out->size()), req->out);
  FCGX_Finish_r(req);
  if (metrics) {
    auto took = std::chrono::steady_clock::now() - start;
    metrics->ObserveDuration(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()));
  }
  // A large page (a long mirror list, the metrics) does not keep its
  // memory for the worker's life.
  if (out->capacity() > (256 << 10)) std::string().swap(*out);
}

// Points stderr (the log) at `path` again, so that logrotate can move the
// old file away; "" keeps stderr as it is (the journal under systemd).
void ReopenLog(const std::string& path) {
  if (path.empty()) return;
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    Log("cannot reopen " + path + ": " + std::strerror(errno));
    return;
  }
  dup2(fd, STDERR_FILENO);
  close(fd);
}

// One worker: accept, answer, repeat, until told to stop.
struct Generation {
  Config config;
  std::shared_ptr<const GeoIp> geoip;
  std::shared_ptr<const FileIndex> index;
};

[[noreturn]] void RunWorker(int listen_fd, const Generation& gen, SharedRegion* shared, int slot) {
  const Config& config = gen.config;
  // FCGX_Accept_r refuses to work (-9998) until the library is initialised,
  // and FCGX_Init installs its own SIGTERM/SIGUSR1/SIGPIPE handlers: call it
  // first so that ours below replace them.
  FCGX_Init();
  InstallHandlers({SIGQUIT, SIGUSR1});
  signal(SIGHUP, SIG_IGN);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  Status s;
  HandlerOptions options = OptionsFrom(config, &s);
  options.index = gen.index;
  if (shared) {
    options.metrics = shared->metrics();
    options.recent = shared->recent();
  }
  options.worker_slot = slot;
  options.log = [](const std::string& msg) { Log(msg); };
  auto inventory = NewPostgresInventory(config.GetString("database.dsn"));
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::uniform_real_distribution<double> u(0, 1);
  // Download counts are written on a thread with a connection of its own,
  // so a large batch or an absent database never delays a request.
  ReconnectingDatabase stats_db(config.GetString("database.dsn"));
  Metrics* metrics = options.metrics;
  StatsWriter::Callbacks cb;
  cb.write = [&stats_db](const std::vector<DownloadCount>& batch) {
    return stats_db.Run([&](Database* db) { return WriteDownloadCounts(db, batch); });
  };
  cb.log = [](const std::string& msg) { Log(msg); };
  cb.flushed = [metrics](long long n) {
    if (metrics) metrics->stats_flushed += n;
  };
  cb.failed = [metrics] {
    if (metrics) metrics->database_errors++;
  };
  StatsWriter writer(std::move(cb), options.stats_flush_interval);
  options.writer = &writer;
  Handler handler(options, gen.geoip.get(), inventory.get(), [&] { return u(rng); },
                  [] { return time(nullptr); });

  // Connections nginx keeps open (fastcgi_keep_conn on) carry many
  // requests each. A worker that blocked reading one idle kept connection
  // would starve requests queued on others, so each worker polls the listen
  // socket and all its open connections together and answers whichever is
  // ready; requests are short (no I/O but a cached lookup), so answering
  // them one after another is fair. At kMaxConnections a worker stops
  // accepting and leaves new connections to the others.
  constexpr size_t kMaxConnections = 256;
  std::vector<std::unique_ptr<FcgiConnection>> conns;
  std::vector<pollfd> fds;
  RequestInfo info;
  std::string answer;
  while (!g_stop_graceful) {
    if (g_reopen) {
      g_reopen = 0;
      ReopenLog(config.GetString("log.file"));
    }
    fds.clear();
    if (conns.size() < kMaxConnections) fds.push_back({listen_fd, POLLIN, 0});
    for (auto& c : conns) fds.push_back({c->request.ipcFd, POLLIN, 0});
    // Statistics are handed to the writer thread between requests.
    handler.Tick();
    if (poll(fds.data(), fds.size(), 500) <= 0) continue;
    size_t first_conn = conns.size() < kMaxConnections ? 1 : 0;
    std::vector<std::unique_ptr<FcgiConnection>> next;
    for (size_t i = 0; i < conns.size(); ++i) {
      auto& c = conns[i];
      if (fds[first_conn + i].revents == 0) {
        next.push_back(std::move(c));
        continue;
      }
      // Readable: the next request, or the end of the connection (then
      // libfcgi closes it and tries the listen socket, which does not block).
      if (FCGX_Accept_r(&c->request) >= 0) {
        Answer(&c->request, &handler, &info, &answer, metrics);
        if (c->request.ipcFd >= 0) next.push_back(std::move(c));
      }
    }
    if (first_conn == 1 && fds[0].revents != 0) {
      auto c = std::make_unique<FcgiConnection>(listen_fd);
      // EAGAIN when another worker took the connection first.
      if (FCGX_Accept_r(&c->request) >= 0) {
        Answer(&c->request, &handler, &info, &answer, metrics);
        if (c->request.ipcFd >= 0) next.push_back(std::move(c));
      }
    }
    conns = std::move(next);
  }
  conns.clear();  // closes the kept connections; nginx retries on a new one
  handler.Tick(true);  // what is counted is written before the worker goes
  _exit(0);
}

// Builds the file index the workers will share; logs what it built.
std::shared_ptr<const FileIndex> BuildIndex(Database* db) {
  auto index = std::make_shared<FileIndex>();
  time_t start = time(nullptr);
  Status s = LoadFileIndex(db, index.get());
  if (!s.ok()) {
    Log("no file index (" + s.message() + "); workers look files up in the database");
    return nullptr;
  }
  Log("file index: " + std::to_string(index->files()) + " files, " +
      std::to_string(index->aliases()) + " aliases, " +
      std::to_string(index->bytes() / 1024) + " KiB, built in " +
      std::to_string(time(nullptr) - start) + " s");
  return index;
}

}  // namespace

Status TestConfig(const Config& config, std::string* report) {
  std::unique_ptr<GeoIp> geoip;
  Status s = GeoIp::Open(config, &geoip);
  if (!s.ok()) return s;
  for (const auto& r : geoip->readers()) *report += std::string("geoip: ") + r->kind() + " " + r->path() + " ok\n";
  OptionsFrom(config, &s);
  if (!s.ok()) return s;
  std::unique_ptr<Database> db;
  s = Database::Connect(config.GetString("database.dsn"), &db);
  if (!s.ok()) return s;
  std::vector<MirrorStatus> mirrors;
  s = LoadMirrorStatuses(db.get(), &mirrors);
  if (!s.ok()) return s;
  *report += "database: " + std::to_string(mirrors.size()) + " mirrors\n";
  return Status::OK();
}

namespace {

Status OpenGeoIp(const Config& config, std::shared_ptr<const GeoIp>* out) {
  std::unique_ptr<GeoIp> g;
  Status s = GeoIp::Open(config, &g);
  if (s.ok()) *out = std::move(g);
  return s;
}

// The master: forks and replaces workers, reacts to signals, and rebuilds
// the file index when the repository changes.
class Master {
 public:
  Master(const ServerOptions& options, int listen_fd, SharedRegion* shared)
      : options_(options), listen_fd_(listen_fd), shared_(shared) {}

  void Start(std::unique_ptr<Generation> gen) {
    gen_ = std::move(gen);
    workers_ = static_cast<int>(gen_->config.GetInt("redirector.workers"));
    last_start_.assign(workers_, 0);
    for (int i = 0; i < workers_; ++i) Spawn(i);
  }

  // Runs until every worker is gone after a stop.
  void Loop() {
    sigset_t handled;
    sigemptyset(&handled);
    for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD}) sigaddset(&handled, sig);
    time_t next_check = time(nullptr) + kCheckSeconds;
    while (true) {
      timespec one_second{1, 0};
      int sig = sigtimedwait(&handled, nullptr, &one_second);
      if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) Stop(sig == SIGQUIT ? SIGQUIT : SIGTERM);
      if (sig == SIGHUP && !stopping_) Reload();
      if (sig == SIGUSR1) {
        ReopenLog(gen_->config.GetString("log.file"));
        Log("log reopened");
        for (auto& [pid, slot] : current_) kill(pid, SIGUSR1);
      }
      Reap();
      if (stopping_ && current_.empty() && retiring_.empty()) return;
      if (stopping_) continue;
      time_t now = time(nullptr);
      // Restarts that had to wait (at most one per slot per second).
      for (auto it = waiting_slots_.begin(); it != waiting_slots_.end();) {
        if (now - last_start_[*it] >= 1) {
          Spawn(*it);
          it = waiting_slots_.erase(it);
        } else {
          ++it;
        }
      }
      if (now >= next_check) {
        next_check = now + kCheckSeconds;
        CheckRepository();
      }
    }
  }

 private:
  static constexpr int kCheckSeconds = 5;

  void Spawn(int slot) {
    pid_t pid = fork();
    if (pid == 0) RunWorker(listen_fd_, *gen_, shared_, slot);
    if (pid < 0) {
      Log("cannot fork a worker: " + std::string(std::strerror(errno)));
      waiting_slots_.push_back(slot);
      return;
    }
    current_[pid] = slot;
    if (slot < static_cast<int>(last_start_.size())) last_start_[slot] = time(nullptr);
  }

  // New workers first, then the old ones finish what they are doing: no
  // request fails.
  void Replace(std::unique_ptr<Generation> next) {
    for (auto& [pid, slot] : current_) {
      retiring_[pid] = slot;
      kill(pid, SIGQUIT);
    }
    current_.clear();
    waiting_slots_.clear();
    Start(std::move(next));
  }

  void Stop(int sig) {
    if (stopping_) return;
    stopping_ = true;
    sd_notify(0, "STOPPING=1");
    Log(std::string(sig == SIGTERM ? "fast" : "graceful") + " stop");
    for (auto& [pid, slot] : current_) kill(pid, sig);
    for (auto& [pid, slot] : retiring_) kill(pid, sig);
  }

  void Reload() {
    sd_notify(0, "RELOADING=1");
    auto next = std::make_unique<Generation>();
    Status rs = LoadConfigFor(options_.command_line, &next->config);
    if (rs.ok()) rs = OpenGeoIp(next->config, &next->geoip);
    if (rs.ok()) OptionsFrom(next->config, &rs);
    if (!rs.ok()) {
      Log("reload failed, keeping the running configuration: " + rs.message());
    } else {
      // A new database may be another inventory: rebuild the index.
      if (next->config.GetString("database.dsn") != gen_->config.GetString("database.dsn")) {
        db_.reset();
        next->index = nullptr;
      } else {
        next->index = gen_->index;
      }
      Replace(std::move(next));
      Log("reloaded: " + std::to_string(workers_) + " workers");
      CheckRepository();
    }
    sd_notify(0, "READY=1");
  }

  // Rebuilds the index and replaces the workers when the repository's
  // counter moved (or when there is no index yet).
  void CheckRepository() {
    if (!db_) {
      Status s = Database::Connect(gen_->config.GetString("database.dsn"), &db_);
      if (!s.ok()) {
        db_.reset();
        return;  // the workers say the same in their own way; retry later
      }
    }
    InventoryGens gens;
    Status s = LoadInventoryGens(db_.get(), &gens);
    if (!s.ok()) {
      db_.reset();
      return;
    }
    if (gen_->index && gen_->index->gen == gens.files) return;
    auto index = BuildIndex(db_.get());
    if (!index) {
      db_.reset();
      return;
    }
    auto next = std::make_unique<Generation>();
    next->config = gen_->config;
    next->geoip = gen_->geoip;
    next->index = index;
    Replace(std::move(next));
  }

  void Reap() {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (retiring_.erase(pid)) continue;
      auto it = current_.find(pid);
      if (it == current_.end()) continue;
      int slot = it->second;
      current_.erase(it);
      if (stopping_) continue;
      Log("worker " + std::to_string(pid) + " died (" +
          (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                               : "exit " + std::to_string(WEXITSTATUS(status))) +
          "); restarting it");
      if (slot < static_cast<int>(last_start_.size()) && time(nullptr) - last_start_[slot] < 1) {
        waiting_slots_.push_back(slot);
      } else {
        Spawn(slot);
      }
    }
  }

  const ServerOptions& options_;
  int listen_fd_;
  SharedRegion* shared_;
  std::unique_ptr<Generation> gen_;
  std::unique_ptr<Database> db_;
  int workers_ = 0;
  std::map<pid_t, int> current_;   // pid -> slot
  std::map<pid_t, int> retiring_;  // an older generation, finishing
  std::vector<time_t> last_start_;
  std::vector<int> waiting_slots_;
  bool stopping_ = false;
};

}  // namespace

int RunServer(const ServerOptions& options, const Config& initial) {
  auto gen = std::make_unique<Generation>();
  gen->config = initial;
  Status s = OpenGeoIp(gen->config, &gen->geoip);
  if (!s.ok()) return ReportError("waymark-redirector", s);
  OptionsFrom(gen->config, &s);
  if (!s.ok()) return ReportError("waymark-redirector", s);
  int listen_fd = -1;
  std::string listen = gen->config.GetString("redirector.listen");
  s = OpenListenSocket(listen, &listen_fd);
  if (!s.ok()) return ReportError("waymark-redirector", s);

  if (!options.foreground) {
    pid_t pid = fork();
    if (pid < 0) return ReportError("waymark-redirector", Status::IOError("fork failed"));
    if (pid > 0) _exit(0);
    setsid();
  }
  ReopenLog(gen->config.GetString("log.file"));
  if (!options.pidfile.empty()) {
    std::ofstream(options.pidfile) << getpid() << "\n";
  }

  // Signals are blocked and taken with sigtimedwait() in the master's loop;
  // workers unblock what they handle.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The index before the first workers, so they start with it; without the
  // database they start without and the master retries every 5 s.
  {
    std::unique_ptr<Database> db;
    if (Database::Connect(gen->config.GetString("database.dsn"), &db).ok()) gen->index = BuildIndex(db.get());
  }
  std::unique_ptr<SharedRegion> shared = SharedRegion::Create();
  if (!shared) Log("cannot map shared memory: no metrics, ranges counted per worker");
  Master master(options, listen_fd, shared.get());
  int workers = static_cast<int>(gen->config.GetInt("redirector.workers"));
  master.Start(std::move(gen));
  Log("ready: " + std::to_string(workers) + " workers on " + listen);
  sd_notify(0, "READY=1");
  master.Loop();
  if (StartsWith(listen, "unix:")) unlink(listen.substr(5).c_str());
  if (!options.pidfile.empty()) unlink(options.pidfile.c_str());
  Log("stopped");
  return 0;
}

}  // namespace waymark
