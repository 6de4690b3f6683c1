// The redirector's FastCGI listen socket, opened by the master before it
// forks and shared by every worker (they poll it and accept in turn).
#ifndef WAYMARK_REDIRECTOR_LISTEN_SOCKET_H_
#define WAYMARK_REDIRECTOR_LISTEN_SOCKET_H_

#include <string>

#include "core/fd.h"
#include "core/status.h"

namespace waymark {

// Opens redirector.listen: "unix:/path" (a stale socket file is replaced;
// the socket is made world-writable, the directory guards it) or
// "host:port" / "[v6]:port". Non-blocking, so that a worker that lost the
// race for a connection gets EAGAIN instead of hanging in accept().
Status OpenListenSocket(const std::string& listen, UniqueFd* out);

// Removes the socket file of a "unix:" address after the last worker; does
// nothing for TCP.
void RemoveListenSocket(const std::string& listen);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_LISTEN_SOCKET_H_
