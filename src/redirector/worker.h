// One redirector worker: a child of the master that accepts FastCGI
// connections on the shared listen socket and answers their requests with
// a Handler, until told to stop. Started by the master (redirector/
// master.h) only.
//
// Signals: SIGQUIT stops gracefully: no more connections are accepted,
// idle ones are closed at once, requests in progress are answered, and
// whatever is still open redirector.client_timeout later is closed (the
// download counts are then written, for up to 5 s); SIGTERM/SIGINT stop at
// once, SIGUSR1 reopens the log; SIGHUP is ignored (the master replaces the
// workers). Everything a worker opens (its two database connections: the
// inventory's and the statistics writer's) it opens itself after the fork.
// An exception nothing handled is logged in one line and the worker exits
// with kWorkerInternalError, to be replaced by the master.
#ifndef WAYMARK_REDIRECTOR_WORKER_H_
#define WAYMARK_REDIRECTOR_WORKER_H_

#include <functional>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/geo/geoip.h"
#include "core/model/file_index.h"
#include "redirector/shared_region.h"

namespace waymark {

// What one generation of workers runs with, read by the master and handed
// to the workers by the fork: a SIGHUP or a new file index makes a new
// generation and replaces the workers.
struct Generation {
  Config config;
  std::shared_ptr<const GeoIp> geoip;
  std::shared_ptr<const FileIndex> index;  // nullptr: none (yet)
};

// A worker's exit status after an unhandled exception (EX_SOFTWARE).
constexpr int kWorkerInternalError = 70;

// Runs the worker in the process just forked; never returns. `shared` may
// be nullptr (no shared memory: no metrics); `slot` is the worker's place
// among redirector.workers.
[[noreturn]] void RunWorker(int listen_fd, const Generation& gen,
                            SharedRegion* shared, int slot);

// Runs `body`; an exception escaping it is logged with `log` in one line.
// Returns 0, or kWorkerInternalError after an exception.
int RunGuarded(const std::function<void()>& body,
               const std::function<void(const std::string&)>& log);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_WORKER_H_
