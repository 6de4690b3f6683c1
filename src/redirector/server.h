// waymark-redirector's processes: one master (redirector/master.h) and N
// prefork workers (redirector/worker.h) sharing one FastCGI listen socket
// (redirector/listen_socket.h) and one shared memory region (redirector/
// shared_region.h), and a short-lived child that builds the file index
// (redirector/index_builder.h). This file starts them: it reads what the
// master needs, opens the socket, detaches unless in the foreground, writes
// the pidfile, and cleans up after the master's last child. Called by
// main() only.
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
