// waymark-redirector's processes: one master and N prefork workers sharing
// one FastCGI listen socket.
//
// The master opens the socket, writes the pidfile, forks the workers and
// then only waits in sigsuspend() and acts on flags its signal handlers set
// (nginx's master cycle): SIGCHLD restarts a worker that died (at most one
// restart per slot per second, logged), SIGTERM/SIGINT stop at once,
// SIGQUIT stops after the requests in progress, SIGHUP re-reads the
// configuration and GeoIP databases and replaces the workers (new ones start
// before the old ones finish, so no request fails), SIGUSR1 reopens the
// log. Readiness is reported with sd_notify() under systemd.
#ifndef WAYMARK_REDIRECTOR_SERVER_H_
#define WAYMARK_REDIRECTOR_SERVER_H_

#include <string>

#include "core/command_line.h"
#include "core/config.h"
#include "core/status.h"

namespace waymark {

struct ServerOptions {
  CommandLine command_line;  // to re-read the configuration on SIGHUP
  bool foreground = false;
  std::string pidfile;
};

// Checks everything start-up needs (config, database, GeoIP, listen
// address) and says what it found, like `nginx -t`.
Status TestConfig(const Config& config, std::string* report);

// Runs the master until it is told to stop; returns the exit status.
int RunServer(const ServerOptions& options, const Config& config);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_SERVER_H_
