#include "redirector/worker.h"

#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <exception>
#include <random>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "core/store/db.h"
#include "core/store/download_stats.h"
#include "core/url.h"
#include "redirector/handler.h"
#include "redirector/inventory_source.h"
#include "redirector/log.h"
#include "redirector/settings.h"
#include "redirector/stats_writer.h"

namespace waymark {

namespace {

// Set by the worker's signal handlers, read by its loop.
volatile sig_atomic_t g_stop_graceful = 0;
volatile sig_atomic_t g_reopen = 0;

void OnSignal(int sig) {
  switch (sig) {
    case SIGQUIT:
      g_stop_graceful = 1;
      break;
    case SIGUSR1:
      g_reopen = 1;
      break;
  }
}

// The master blocks its signals to take them with sigtimedwait(); a worker
// handles two, takes the default for the others, and unblocks them all.
void SetUpSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGQUIT, SIGUSR1}) sigaction(s, &sa, nullptr);
  signal(SIGHUP, SIG_IGN);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// One FastCGI connection and the request being read from it. The
// destructor closes the connection.
struct FcgiConnection {
  explicit FcgiConnection(int listen_fd) {
    FCGX_InitRequest(&request, listen_fd, 0);
  }
  FcgiConnection(const FcgiConnection&) = delete;
  FcgiConnection& operator=(const FcgiConnection&) = delete;
  ~FcgiConnection() { FCGX_Free(&request, 1); }
  FCGX_Request request;
};

// Answers the request just read, then finishes it (the connection stays
// open when nginx asked to keep it). `info` and `out` are the worker's,
// reused from request to request so that their strings keep their memory.
// The time taken goes to `metrics` (when there are shared metrics).
void Answer(FCGX_Request* req, Handler* handler, RequestInfo* info,
            std::string* out, Metrics* metrics) {
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
      {"REQUEST_METHOD=", &info->method, nullptr},
      {"REQUEST_URI=", &info->uri, nullptr},
      {"QUERY_STRING=", &info->query, nullptr},
      {"REMOTE_ADDR=", &info->remote_addr, nullptr},
      {"HTTPS=", nullptr, &https},
      {"HTTP_HOST=", &info->host, nullptr},
      {"HTTP_ACCEPT=", &info->accept, nullptr},
      {"HTTP_RANGE=", &info->range, nullptr},
      {"DOCUMENT_URI=", nullptr, &document_uri},
  };
  for (const Wanted& w : wanted)
    if (w.field) w.field->clear();
  for (char** p = req->envp; p && *p; ++p) {
    for (const Wanted& w : wanted) {
      if (**p == w.name[0] &&
          std::strncmp(*p, w.name.data(), w.name.size()) == 0) {
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

// Accept, answer, repeat, until told to stop.
void Serve(int listen_fd, const Generation& gen, SharedRegion* shared,
           int slot) {
  const Config& config = gen.config;
  HandlerOptions options;
  // The master refuses a configuration this fails on, at start and on SIGHUP.
  Status checked = HandlerOptionsFrom(config, &options);
  (void)checked;
  options.index = gen.index;
  if (shared) {
    options.metrics = shared->metrics();
    options.recent = shared->recent();
  }
  options.worker_slot = slot;
  options.log = [](const std::string& msg) { LogWarning(msg); };
  // Each refresh tells the master the files counter it read (it builds a
  // new index only when that moved) and the other workers that this one
  // can answer.
  options.inventory_published = [shared, slot](const InventorySnapshot& s) {
    if (!shared) return;
    shared->SawFilesGen(s.gens.files);
    shared->SetReady(slot, true);
  };
  // Every query of the worker (its refresh thread's, its statistics
  // writer's) runs within redirector.query_timeout.
  const SessionLimits limits = LimitsFromTimeout(
      config.GetDurationSeconds(keys::kRedirectorQueryTimeout));
  auto inventory =
      NewPostgresInventory(config.GetString(keys::kDatabaseDsn), limits);
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::uniform_real_distribution<double> u(0, 1);
  // Download counts are written on a thread with a connection of its own,
  // so a large batch or an absent database never delays a request.
  ReconnectingDatabase stats_db(config.GetString(keys::kDatabaseDsn), limits);
  Metrics* metrics = options.metrics;
  StatsWriter::Callbacks cb;
  cb.write = [&stats_db](const std::vector<DownloadCount>& batch) {
    return stats_db.Run(
        [&](Database* db) { return WriteDownloadCounts(db, batch); });
  };
  cb.log = [](const std::string& msg) { LogInfo(msg); };
  cb.flushed = [metrics](long long n) {
    if (metrics) metrics->stats_flushed += n;
  };
  cb.failed = [metrics] {
    if (metrics) metrics->database_errors++;
  };
  cb.rejected = [metrics](long long n) {
    if (metrics) metrics->stats_rejected += n;
  };
  StatsWriter writer(std::move(cb), options.stats_flush_interval);
  options.writer = &writer;
  Handler handler(
      options, gen.geoip.get(), inventory.get(), [&] { return u(rng); },
      [] { return time(nullptr); });

  // The inventory is read by a thread of the worker's own; requests never
  // wait on it (redirector/inventory_cache.h). Before taking requests the
  // worker waits for its first snapshot for as long as another worker can
  // answer (one replacing a dead worker while PostgreSQL stalls stays out
  // of the way rather than send its clients to the fallback), else for at
  // most kFirstSnapshotWait.
  constexpr auto kFirstSnapshotWait = std::chrono::seconds(2);
  InventoryCache& inventory_cache = handler.inventory();
  inventory_cache.Start();
  const auto waiting_since = std::chrono::steady_clock::now();
  while (!g_stop_graceful && !inventory_cache.WaitForFirstSnapshot(
                                 std::chrono::milliseconds(100))) {
    if (!(shared && shared->AnotherWorkerReady(slot)) &&
        std::chrono::steady_clock::now() - waiting_since >= kFirstSnapshotWait)
      break;
  }

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
      ReopenLog(config.GetString(keys::kLogFile));
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
  // A refresh thread stuck in a query on a stalled server is not waited
  // for: the worker ends without it.
  if (!inventory_cache.Stop(std::chrono::milliseconds(100))) _exit(0);
}

}  // namespace

int RunGuarded(const std::function<void()>& body,
               const std::function<void(const std::string&)>& log) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    log(std::string("internal error: ") + e.what() +
        "; exiting, to be replaced");
  } catch (...) {
    log("internal error: an unknown exception; exiting, to be replaced");
  }
  return kWorkerInternalError;
}

void RunWorker(int listen_fd, const Generation& gen, SharedRegion* shared,
               int slot) {
  // FCGX_Accept_r refuses to work (-9998) until the library is initialised,
  // and FCGX_Init installs its own SIGTERM/SIGUSR1/SIGPIPE handlers: call it
  // first so that ours replace them.
  FCGX_Init();
  SetUpSignals();
  int code = RunGuarded([&] { Serve(listen_fd, gen, shared, slot); },
                        [](const std::string& msg) { LogError(msg); });
  // _exit: the master's state this process inherited is not ours to tear
  // down (its atexit handlers, its objects' destructors).
  _exit(code);
}

}  // namespace waymark
