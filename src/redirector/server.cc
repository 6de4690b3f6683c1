#include "redirector/server.h"

#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <vector>

#include "core/geo/geoip.h"
#include "core/log.h"
#include "core/program.h"
#include "core/store/db.h"
#include "core/store/inventory.h"
#include "redirector/listen_socket.h"
#include "redirector/log.h"
#include "redirector/master.h"
#include "redirector/settings.h"
#include "redirector/shared_region.h"
#include "redirector/worker.h"

namespace waymark {

Status TestConfig(const Config& config, std::string* report) {
  const std::string& listen = config.GetString(keys::kRedirectorListen);
  ListenAccess access;
  Status s = ListenAccessFrom(config, &access);
  if (!s.ok()) return s;
  *report += "listen: " + DescribeListenAccess(listen, access) + " ok\n";
  std::unique_ptr<GeoIp> geoip;
  s = GeoIp::Open(config, &geoip);
  if (!s.ok()) return s;
  for (const auto& r : geoip->readers())
    *report += std::string("geoip: ") + r->kind() + " " + r->path() + " ok\n";
  HandlerOptions options;
  s = HandlerOptionsFrom(config, &options);
  if (!s.ok()) return s;
  *report += "spool: " + DescribeSpool(config) + "\n";
  std::unique_ptr<Database> db;
  s = Database::Connect(config.GetString(keys::kDatabaseDsn), &db);
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
  std::unique_ptr<GeoIp> geoip;
  Status s = GeoIp::Open(gen->config, &geoip);
  if (!s.ok()) return ReportError("waymark-redirector", s);
  gen->geoip = std::move(geoip);
  HandlerOptions checked;
  s = HandlerOptionsFrom(gen->config, &checked);
  if (!s.ok()) return ReportError("waymark-redirector", s);
  // Not fatal: redirects matter more than counts kept through an outage.
  std::string spool = DescribeSpool(gen->config);
  if (spool.rfind("redirector.spool_dir: ", 0) == 0) LogWarning(spool);
  UniqueFd listen_fd;
  std::string listen = gen->config.GetString(keys::kRedirectorListen);
  ListenAccess access;
  s = ListenAccessFrom(gen->config, &access);
  if (!s.ok()) return ReportError("waymark-redirector", s);
  s = OpenListenSocket(listen, access, &listen_fd);
  if (!s.ok()) return ReportError("waymark-redirector", s);

  if (!options.foreground) {
    pid_t pid = fork();
    if (pid < 0)
      return ReportError("waymark-redirector", Status::IOError("fork failed"));
    if (pid > 0) _exit(0);
    setsid();
  }
  // From here on the lines are a daemon's (with time and pid); errors
  // before are a command's, for whoever started it.
  InitLog("waymark-redirector", LogStyle::kDaemon);
  SetLogLevel(gen->config);
  ReopenLog(gen->config.GetString(keys::kLogFile));
  if (!options.pidfile.empty()) {
    std::ofstream(options.pidfile) << getpid() << "\n";
  }

  // Signals stay blocked in the master, which takes them with
  // sigtimedwait(); its children unblock what they handle.
  BlockMasterSignals();
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<SharedRegion> shared = SharedRegion::Create();
  if (!shared)
    LogWarning(
        "cannot map shared memory: no metrics, ranges counted per worker");
  Master master(options.command_line, listen, listen_fd.get(), shared.get());
  master.Run(std::move(gen));
  RemoveListenSocket(listen);
  if (!options.pidfile.empty()) unlink(options.pidfile.c_str());
  LogInfo("stopped");
  return 0;
}

}  // namespace waymark
