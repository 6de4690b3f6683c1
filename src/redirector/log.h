// The redirector's log file: its lines are core/log.h's, in the daemon
// style, on stderr, which is the journal under systemd or log.file. Used by
// the master at start and on SIGUSR1, and by each worker on SIGUSR1.
#ifndef WAYMARK_REDIRECTOR_LOG_H_
#define WAYMARK_REDIRECTOR_LOG_H_

#include <string>

namespace waymark {

// Points stderr at `path` again, so that logrotate can move the old file
// away; "" keeps stderr as it is.
void ReopenLog(const std::string& path);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_LOG_H_
