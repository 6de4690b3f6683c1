#include "redirector/listen_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

}  // namespace

Status OpenListenSocket(const std::string& listen, UniqueFd* out) {
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
    if (!fd.valid() ||
        bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      return CannotListen(listen, errno);
    // nginx runs as another user; the directory's permissions guard it.
    chmod(path.c_str(), 0666);
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
