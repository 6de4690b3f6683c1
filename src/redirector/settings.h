// The redirector's settings from waymark.conf's [redirector] section, as
// the Handler takes them. Read by the master at start and on SIGHUP (to
// refuse a bad file before replacing any worker), and by each worker.
#ifndef WAYMARK_REDIRECTOR_SETTINGS_H_
#define WAYMARK_REDIRECTOR_SETTINGS_H_

#include <string>

#include "core/config.h"
#include "core/status.h"
#include "redirector/handler.h"

namespace waymark {

// Fills the options that come from `config`, leaving the rest (index,
// shared memory, writer, log) as they are. kInvalidArgument for a bad
// fallback or output setting, or a redirector.client_timeout under 1s
// (checked here too, so that the master refuses it at start and on HUP).
Status HandlerOptionsFrom(const Config& config, HandlerOptions* out);

// redirector.node, or the host name when it is unset ("localhost" when the
// system has none).
std::string NodeName(const Config& config);

// redirector.spool_dir checked (and made when missing and its parent
// exists): "DIR ok", or one line that starts "redirector.spool_dir: " and
// says what is wrong (the redirector runs without a spool then), or that
// there is none. For the master at start and `-t`.
std::string DescribeSpool(const Config& config);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_SETTINGS_H_
