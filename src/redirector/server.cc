#include "redirector/server.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "core/db.h"
#include "core/fallback.h"
#include "core/geoip.h"
#include "core/program.h"
#include "core/strings.h"
#include "core/url.h"
#include "redirector/handler.h"

namespace waymark {

namespace {

// Set by signal handlers, read by the loops (the only process-wide state).
volatile sig_atomic_t g_stop_fast = 0;
volatile sig_atomic_t g_stop_graceful = 0;
volatile sig_atomic_t g_reload = 0;
volatile sig_atomic_t g_reopen = 0;
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_alarm = 0;

void OnSignal(int sig) {
  switch (sig) {
    case SIGTERM: case SIGINT: g_stop_fast = 1; break;
    case SIGQUIT: g_stop_graceful = 1; break;
    case SIGHUP: g_reload = 1; break;
    case SIGUSR1: g_reopen = 1; break;
    case SIGCHLD: g_child = 1; break;
    case SIGALRM: g_alarm = 1; break;
  }
}

void Log(const std::string& msg) {
  char ts[32];
  time_t now = time(nullptr);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  std::fprintf(stderr, "%s waymark-redirector[%d]: %s\n", ts, getpid(), msg.c_str());
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

HandlerOptions OptionsFrom(const Config& config, Status* status) {
  HandlerOptions o;
  o.policy.max_lag = config.GetDurationSeconds("redirector.max_lag");
  o.policy.https_fallback_to_http = config.GetBool("redirector.https_fallback_to_http");
  o.max_link_headers = static_cast<int>(config.GetInt("redirector.max_link_headers"));
  o.local_location = config.GetString("redirector.local_location");
  o.min_size = config.GetSizeBytes("redirector.min_size");
  *status = ParseFallbacks(config.GetList("redirector.fallback"), &o.fallbacks);
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
// open when nginx asked to keep it).
void Answer(FCGX_Request* req, Handler* handler) {
  auto param = [&](const char* name) {
    const char* v = FCGX_GetParam(name, req->envp);
    return std::string(v ? v : "");
  };
  RequestInfo info;
  info.method = param("REQUEST_METHOD");
  info.uri = param("REQUEST_URI");
  info.uri = info.uri.substr(0, info.uri.find('?'));
  if (info.uri.empty()) info.uri = EncodePath(param("DOCUMENT_URI"));
  info.query = param("QUERY_STRING");
  info.remote_addr = param("REMOTE_ADDR");
  info.https = param("HTTPS") == "on";
  info.host = param("HTTP_HOST");
  Response r = handler->Handle(info);
  std::string out = r.Serialize(info.method == "HEAD");
  FCGX_PutStr(out.data(), static_cast<int>(out.size()), req->out);
  FCGX_Finish_r(req);
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
[[noreturn]] void RunWorker(int listen_fd, const Config& config, const GeoIp* geoip) {
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
  auto inventory = NewPostgresInventory(config.GetString("database.dsn"));
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::uniform_real_distribution<double> u(0, 1);
  Handler handler(options, geoip, inventory.get(), [&] { return u(rng); },
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
  while (!g_stop_graceful) {
    if (g_reopen) {
      g_reopen = 0;
      ReopenLog(config.GetString("log.file"));
    }
    fds.clear();
    if (conns.size() < kMaxConnections) fds.push_back({listen_fd, POLLIN, 0});
    for (auto& c : conns) fds.push_back({c->request.ipcFd, POLLIN, 0});
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
        Answer(&c->request, &handler);
        if (c->request.ipcFd >= 0) next.push_back(std::move(c));
      }
    }
    if (first_conn == 1 && fds[0].revents != 0) {
      auto c = std::make_unique<FcgiConnection>(listen_fd);
      // EAGAIN when another worker took the connection first.
      if (FCGX_Accept_r(&c->request) >= 0) {
        Answer(&c->request, &handler);
        if (c->request.ipcFd >= 0) next.push_back(std::move(c));
      }
    }
    conns = std::move(next);
  }
  conns.clear();  // closes the kept connections; nginx retries on a new one
  _exit(0);
}

struct Generation {
  std::unique_ptr<GeoIp> geoip;
  Config config;
};

}  // namespace

Status TestConfig(const Config& config, std::string* report) {
  std::unique_ptr<GeoIp> geoip;
  Status s = GeoIp::Open(config, &geoip);
  if (!s.ok()) return s;
  for (const auto& r : geoip->readers()) *report += std::string("geoip: ") + r->kind() + " " + r->path() + " ok\n";
  std::vector<Fallback> fallbacks;
  s = ParseFallbacks(config.GetList("redirector.fallback"), &fallbacks);
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

int RunServer(const ServerOptions& options, const Config& initial) {
  auto gen = std::make_unique<Generation>();
  gen->config = initial;
  Status s = GeoIp::Open(gen->config, &gen->geoip);
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

  // Signals are blocked except inside sigsuspend(), so no flag is missed.
  sigset_t handled, old;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD, SIGALRM}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, &old);
  InstallHandlers({SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD, SIGALRM});
  signal(SIGPIPE, SIG_IGN);

  int workers = static_cast<int>(gen->config.GetInt("redirector.workers"));
  std::map<pid_t, int> current;        // pid -> slot
  std::map<pid_t, int> retiring;       // old generation, finishing
  std::vector<time_t> last_start(workers, 0);
  auto spawn = [&](int slot) {
    pid_t pid = fork();
    if (pid == 0) {
      RunWorker(listen_fd, gen->config, gen->geoip.get());
    }
    if (pid > 0) {
      current[pid] = slot;
      if (slot < static_cast<int>(last_start.size())) last_start[slot] = time(nullptr);
    } else {
      Log("cannot fork a worker: " + std::string(std::strerror(errno)));
    }
  };
  for (int i = 0; i < workers; ++i) spawn(i);
  Log("ready: " + std::to_string(workers) + " workers on " + listen);
  sd_notify(0, "READY=1");

  std::vector<int> waiting_slots;
  bool stopping = false;
  while (true) {
    sigset_t wait = old;
    sigsuspend(&wait);
    if (g_stop_fast || g_stop_graceful) {
      if (!stopping) {
        stopping = true;
        int sig = g_stop_fast ? SIGTERM : SIGQUIT;
        sd_notify(0, "STOPPING=1");
        Log(std::string(g_stop_fast ? "fast" : "graceful") + " stop");
        for (auto& [pid, slot] : current) kill(pid, sig);
        for (auto& [pid, slot] : retiring) kill(pid, sig);
      }
    }
    if (g_reload && !stopping) {
      g_reload = 0;
      Config fresh;
      Status rs = LoadConfigFor(options.command_line, &fresh);
      auto next = std::make_unique<Generation>();
      next->config = fresh;
      if (rs.ok()) rs = GeoIp::Open(next->config, &next->geoip);
      if (rs.ok()) OptionsFrom(next->config, &rs);
      if (!rs.ok()) {
        Log("reload failed, keeping the running configuration: " + rs.message());
      } else {
        // New workers first, then the old ones finish what they are doing.
        for (auto& [pid, slot] : current) {
          retiring[pid] = slot;
          kill(pid, SIGQUIT);
        }
        current.clear();
        gen = std::move(next);
        workers = static_cast<int>(gen->config.GetInt("redirector.workers"));
        last_start.assign(workers, 0);
        for (int i = 0; i < workers; ++i) spawn(i);
        Log("reloaded: " + std::to_string(workers) + " workers");
      }
    }
    if (g_reopen) {
      g_reopen = 0;
      ReopenLog(gen->config.GetString("log.file"));
      Log("log reopened");
      for (auto& [pid, slot] : current) kill(pid, SIGUSR1);
    }
    if (g_child) {
      g_child = 0;
      int status;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (retiring.erase(pid)) continue;
        auto it = current.find(pid);
        if (it == current.end()) continue;
        int slot = it->second;
        current.erase(it);
        if (stopping) continue;
        Log("worker " + std::to_string(pid) + " died (" +
            (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                 : "exit " + std::to_string(WEXITSTATUS(status))) +
            "); restarting it");
        if (slot < static_cast<int>(last_start.size()) && time(nullptr) - last_start[slot] < 1) {
          waiting_slots.push_back(slot);  // at most one restart per slot per second
          alarm(1);
        } else {
          spawn(slot);
        }
      }
    }
    if (g_alarm) {
      g_alarm = 0;
      if (!stopping) {
        for (int slot : waiting_slots) spawn(slot);
      }
      waiting_slots.clear();
    }
    if (stopping && current.empty() && retiring.empty()) break;
  }
  if (StartsWith(listen, "unix:")) unlink(listen.substr(5).c_str());
  if (!options.pidfile.empty()) unlink(options.pidfile.c_str());
  Log("stopped");
  return 0;
}

}  // namespace waymark
