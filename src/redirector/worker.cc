#include "redirector/worker.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <random>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "core/store/db.h"
#include "core/store/download_stats.h"
#include "core/url.h"
#include "redirector/counts_spool.h"
#include "redirector/fcgi_loop.h"
#include "redirector/handler.h"
#include "redirector/inventory_source.h"
#include "redirector/log.h"
#include "redirector/settings.h"
#include "redirector/stats_writer.h"

namespace waymark {

namespace {

// Set by the worker's signal handlers, read by its loop.
volatile sig_atomic_t g_stop_graceful = 0;
volatile sig_atomic_t g_stop_fast = 0;
volatile sig_atomic_t g_reopen = 0;

void OnSignal(int sig) {
  switch (sig) {
    case SIGQUIT:
      g_stop_graceful = 1;
      break;
    case SIGTERM:
    case SIGINT:
      g_stop_fast = 1;
      break;
    case SIGUSR1:
      g_reopen = 1;
      break;
  }
}

// The master blocks its signals to take them with sigtimedwait(); a worker
// handles four, takes the default for the others, and unblocks them all.
// (TERM and INT are caught only to put the download counts in the spool
// on the way out.)
void SetUpSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGQUIT, SIGUSR1, SIGTERM, SIGINT}) sigaction(s, &sa, nullptr);
  signal(SIGHUP, SIG_IGN);
  signal(SIGCHLD, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Answers the request just read into `out` (its CGI response). `info` is
// the worker's, reused from request to request so that its strings keep
// their memory. The time taken goes to `metrics` (when there are shared
// metrics).
void Answer(const FcgiRequest& req, Handler* handler, RequestInfo* info,
            std::string* out, Metrics* metrics) {
  const auto start = std::chrono::steady_clock::now();
  // One pass over the parameters, rather than a search of the whole list
  // for each one read. The two read only here are pointed at, not copied.
  std::string_view https, document_uri;
  struct Wanted {
    std::string_view name;
    std::string* field;  // or else
    std::string_view* raw;
  };
  const Wanted wanted[] = {
      {"REQUEST_METHOD", &info->method, nullptr},
      {"REQUEST_URI", &info->uri, nullptr},
      {"QUERY_STRING", &info->query, nullptr},
      {"REMOTE_ADDR", &info->remote_addr, nullptr},
      {"HTTPS", nullptr, &https},
      {"HTTP_HOST", &info->host, nullptr},
      {"HTTP_ACCEPT", &info->accept, nullptr},
      {"HTTP_RANGE", &info->range, nullptr},
      {"DOCUMENT_URI", nullptr, &document_uri},
  };
  for (const Wanted& w : wanted)
    if (w.field) w.field->clear();
  for (const FcgiParam& p : req.params) {
    for (const Wanted& w : wanted) {
      if (p.name.size() == w.name.size() && p.name[0] == w.name[0] &&
          p.name == w.name) {
        if (w.field) {
          w.field->assign(p.value.data(), p.value.size());
        } else {
          *w.raw = p.value;
        }
        break;
      }
    }
  }
  info->https = https == "on";
  info->uri.resize(std::min(info->uri.size(), info->uri.find('?')));
  if (info->uri.empty()) info->uri = EncodePath(std::string(document_uri));
  Response r = handler->Handle(*info);
  r.SerializeTo(info->method == "HEAD", out);
  if (metrics) {
    auto took = std::chrono::steady_clock::now() - start;
    metrics->ObserveDuration(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()));
  }
}

// What the connection loop runs with, from redirector.client_timeout and
// redirector.max_connections.
FcgiLoop::Options LoopOptionsFrom(const Config& config) {
  FcgiLoop::Options o;
  o.connection.timeout = std::chrono::seconds(
      config.GetDurationSeconds(keys::kRedirectorClientTimeout));
  o.max_connections =
      static_cast<size_t>(config.GetInt(keys::kRedirectorMaxConnections));
  o.connection.limits.max_conns = static_cast<int>(o.max_connections);
  return o;
}

// Lets the worker hold max_connections connections besides what else it
// opens, as far as the hard limit allows.
void RaiseDescriptorLimit(size_t connections) {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = static_cast<rlim_t>(connections) + 64;
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur =
      rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
  setrlimit(RLIMIT_NOFILE, &rl);
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
    options.node_log = shared->node_log();
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
  // Download counts are written to the primary (database.primary_dsn, on
  // a node whose dsn is a standby) on a thread with a connection of its
  // own, so a large batch or an absent primary never delays a request;
  // while the primary is away they wait in memory, then in the spool. A
  // multi-host primary_dsn finds a promoted standby when the connection
  // is made again after a failure.
  ReconnectingDatabase stats_db(WriteDsn(config), limits);
  std::unique_ptr<CountsSpool> spool;
  const std::string spool_dir = config.GetString(keys::kRedirectorSpoolDir);
  // The master said at start what is wrong with it, if anything.
  if (!spool_dir.empty() && CountsSpool::Check(spool_dir).ok())
    spool = std::make_unique<CountsSpool>(
        spool_dir, config.GetSizeBytes(keys::kRedirectorSpoolMaxBytes));
  // redirector.node, recorded with each batch for the operator.
  const std::string node = options.node;
  Metrics* metrics = options.metrics;
  StatsWriter::Callbacks cb;
  cb.write = [&stats_db, &node](const CountsBatch& batch, bool* already) {
    return stats_db.Run([&](Database* db) {
      return WriteDownloadBatch(db, batch.id, node, batch.rows, already);
    });
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
  cb.spooled = [metrics](long long n) {
    if (metrics) metrics->stats_spooled += n;
  };
  StatsWriter writer(std::move(cb), options.stats_flush_interval, spool.get());
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
  while (
      !g_stop_graceful && !g_stop_fast &&
      !inventory_cache.WaitForFirstSnapshot(std::chrono::milliseconds(100))) {
    if (!(shared && shared->AnotherWorkerReady(slot)) &&
        std::chrono::steady_clock::now() - waiting_since >= kFirstSnapshotWait)
      break;
  }

  // Connections nginx keeps open (fastcgi_keep_conn on) carry many
  // requests each; the loop (redirector/fcgi_loop.h) serves whichever is
  // ready and never waits on one peer. Requests are short (no I/O but a
  // cached lookup), so answering them one after another is fair.
  const FcgiLoop::Options loop_options = LoopOptionsFrom(config);
  RaiseDescriptorLimit(loop_options.max_connections);
  RequestInfo info;
  FcgiLoop loop(listen_fd, loop_options, metrics,
                [&](const FcgiRequest& req, std::string* out) {
                  Answer(req, &handler, &info, out, metrics);
                });
  while (!loop.done() && !g_stop_fast) {
    if (g_reopen) {
      g_reopen = 0;
      ReopenLog(config.GetString(keys::kLogFile));
    }
    // Requests in progress are finished; kept connections are closed, and
    // nginx retries on a new one (another worker's).
    if (g_stop_graceful) loop.BeginStop();
    // Statistics are handed to the writer thread between requests.
    handler.Tick();
    loop.RunOnce(std::chrono::milliseconds(500));
  }
  // What is counted is written before the worker goes, or else spooled: a
  // fast stop spools it at once.
  handler.Tick(true, g_stop_fast ? 0 : 5000);
  // A refresh thread stuck in a query on a stalled server, or the writer's
  // in a write, is not waited for: the worker ends without it.
  if (!inventory_cache.Stop(std::chrono::milliseconds(100))) _exit(0);
  if (!writer.Stop(std::chrono::milliseconds(100))) _exit(0);
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
  SetUpSignals();
  int code = RunGuarded([&] { Serve(listen_fd, gen, shared, slot); },
                        [](const std::string& msg) { LogError(msg); });
  // _exit: the master's state this process inherited is not ours to tear
  // down (its atexit handlers, its objects' destructors).
  _exit(code);
}

}  // namespace waymark
