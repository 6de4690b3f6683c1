#include "redirector/listen_socket.h"

#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/strings.h"

namespace waymark {

namespace {

struct AddrInfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

Status CannotListen(const std::string& listen, int err) {
  return Status::IOError("cannot listen on " + listen + ": " +
                         std::strerror(err));
}

bool IsUnix(const std::string& listen) { return StartsWith(listen, "unix:"); }

// Whether chown(path, -1, gid) is allowed to this process: root may give a
// file to any group, anyone else only to a group of its own.
bool MayChownTo(gid_t gid) {
  if (geteuid() == 0 || getegid() == gid) return true;
  int n = getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(n);
  n = getgroups(n, groups.data());
  for (int i = 0; i < n; ++i)
    if (groups[i] == gid) return true;
  return false;
}

std::string UserName() {
  passwd* pw = getpwuid(geteuid());
  return pw ? pw->pw_name : std::to_string(geteuid());
}

std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
  return text;
}

}  // namespace

Status ListenAccessFrom(const Config& config, ListenAccess* out) {
  ListenAccess access;
  access.mode = ParseFileMode(config.GetString(keys::kRedirectorListenMode));
  access.group_name = config.GetString(keys::kRedirectorListenGroup);
  const std::string& listen = config.GetString(keys::kRedirectorListen);
  if (!IsUnix(listen) || access.group_name.empty()) {
    *out = access;
    return Status::OK();
  }
  const std::string key = KeyName(keys::kRedirectorListenGroup.id);
  group* gr = getgrnam(access.group_name.c_str());
  if (gr == nullptr)
    return Status::FailedPrecondition(key + ": no group '" + access.group_name +
                                      "' to give " + listen + " to");
  access.group = gr->gr_gid;
  if (!MayChownTo(access.group))
    return Status::FailedPrecondition(
        key + ": user " + UserName() + " is not in group '" +
        access.group_name + "', so " + listen +
        " cannot be given to it (SupplementaryGroups=" + access.group_name +
        " in the unit)");
  *out = access;
  return Status::OK();
}

std::string DescribeListenAccess(const std::string& listen,
                                 const ListenAccess& access) {
  if (!IsUnix(listen))
    return listen + " (TCP: anyone who reaches it may connect)";
  return listen + " mode " + OctalMode(access.mode) + ", group " +
         (access.group_name.empty() ? "the redirector's own"
                                    : access.group_name);
}

Status OpenListenSocket(const std::string& listen, const ListenAccess& access,
                        UniqueFd* out) {
  UniqueFd fd;
  if (StartsWith(listen, "unix:")) {
    std::string path = listen.substr(5);
    sockaddr_un sa{};
    if (path.size() >= sizeof sa.sun_path)
      return Status::InvalidArgument(listen + ": path too long");
    struct stat st;
    if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
      unlink(path.c_str());
    fd.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path.c_str());
    if (!fd.valid()) return CannotListen(listen, errno);
    // Connecting needs write permission on the socket file. It is created
    // the owner's alone (umask 0177: the master is still one thread here),
    // then given its group, then opened to that group: never more open
    // than redirector.listen_mode, not even between two calls.
    mode_t old_umask = umask(0177);
    int bound = bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    int bind_errno = errno;
    umask(old_umask);
    if (bound != 0) return CannotListen(listen, bind_errno);
    // fchown() on a socket's descriptor would not change the file.
    if (!access.group_name.empty() &&
        chown(path.c_str(), static_cast<uid_t>(-1), access.group) != 0) {
      int err = errno;
      unlink(path.c_str());
      return Status::IOError("cannot give " + listen + " to group '" +
                             access.group_name + "' (" +
                             KeyName(keys::kRedirectorListenGroup.id) +
                             "): " + std::strerror(err));
    }
    if (chmod(path.c_str(), access.mode) != 0) {
      int err = errno;
      unlink(path.c_str());
      return Status::IOError("cannot set mode " + OctalMode(access.mode) +
                             " on " + listen + ": " + std::strerror(err));
    }
  } else {
    size_t colon = listen.rfind(':');
    std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[')
      host = host.substr(1, host.size() - 2);
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0)
      return Status::IOError("cannot listen on " + listen + ": " +
                             gai_strerror(rc));
    std::unique_ptr<addrinfo, AddrInfoFree> addresses(res);
    fd.reset(socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    if (fd.valid())
      setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!fd.valid() || bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0)
      return CannotListen(listen, errno);
  }
  if (::listen(fd.get(), 1024) != 0) return CannotListen(listen, errno);
  // Workers poll before accepting, so that a stop request is seen between
  // requests; a connection another worker took gives EAGAIN, not a hang.
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  *out = std::move(fd);
  return Status::OK();
}

void RemoveListenSocket(const std::string& listen) {
  if (StartsWith(listen, "unix:")) unlink(listen.substr(5).c_str());
}

}  // namespace waymark
