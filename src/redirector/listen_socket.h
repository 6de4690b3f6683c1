// The redirector's FastCGI listen socket, opened by the master before it
// forks and shared by every worker (they poll it and accept in turn).
// Used by server.cc (start-up and -t) only.
#ifndef WAYMARK_REDIRECTOR_LISTEN_SOCKET_H_
#define WAYMARK_REDIRECTOR_LISTEN_SOCKET_H_

#include <sys/types.h>

#include <string>

#include "core/config.h"
#include "core/fd.h"
#include "core/status.h"

namespace waymark {

// Who may connect to a unix listen socket (redirector.listen_mode and
// redirector.listen_group); a TCP address ignores it.
struct ListenAccess {
  mode_t mode = 0660;
  std::string group_name;                // "" keeps the process's group
  gid_t group = static_cast<gid_t>(-1);  // group_name's id
};

// Reads the two keys and looks the group up. A group that does not exist,
// or (unless `listen` is TCP or the process runs as root) one the process
// is not a member of, so that chown() would be refused, is an error in one
// line naming the key and the group. -t and the start both call it.
Status ListenAccessFrom(const Config& config, ListenAccess* out);

// Opens redirector.listen: "unix:/path" (a stale socket file is replaced)
// or "host:port" / "[v6]:port". A unix socket gets `access`'s group and
// mode; it is bound under a umask that leaves it the owner's alone until
// then, so that it is never more open than asked, not even for an instant.
// Non-blocking, so that a worker that lost the race for a connection gets
// EAGAIN instead of hanging in accept().
Status OpenListenSocket(const std::string& listen, const ListenAccess& access,
                        UniqueFd* out);

// "mode 0660, group www-data", for -t.
std::string DescribeListenAccess(const std::string& listen,
                                 const ListenAccess& access);

// Removes the socket file of a "unix:" address after the last worker; does
// nothing for TCP.
void RemoveListenSocket(const std::string& listen);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_LISTEN_SOCKET_H_
