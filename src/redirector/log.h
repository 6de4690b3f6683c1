// The redirector's log: one line per event on stderr, which is the journal
// under systemd or log.file (reopened on SIGUSR1 for logrotate). Used by
// the master, the workers, their statistics threads and the index builder.
#ifndef WAYMARK_REDIRECTOR_LOG_H_
#define WAYMARK_REDIRECTOR_LOG_H_

#include <string>

namespace waymark {

// "<UTC time> waymark-redirector[<pid>]: <msg>"; safe from any thread.
void Log(const std::string& msg);

// Points stderr at `path` again, so that logrotate can move the old file
// away; "" keeps stderr as it is.
void ReopenLog(const std::string& path);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_LOG_H_
