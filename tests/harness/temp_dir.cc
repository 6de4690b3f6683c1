#include "tests/harness/temp_dir.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "core/subprocess.h"

namespace waymark {
namespace test {

TempDir::TempDir() {
  std::string tmpl =
      "/tmp/waymark-test-" + std::to_string(getpid()) + "-XXXXXX";
  if (!mkdtemp(&tmpl[0])) {
    std::perror("mkdtemp");
    std::abort();
  }
  chmod(tmpl.c_str(), 0755);  // servers running as other users read from it
  path_ = tmpl;
}

TempDir::~TempDir() {
  SubprocessOptions rm;
  rm.argv = {"rm", "-rf", path_};
  CommandResult r;
  RunCommand(rm, "", 60000, &r);
}

std::string TempDir::Write(const std::string& name,
                           const std::string& content) const {
  std::string path = *this / name;
  WriteFile(path, content);
  return path;
}

SilentListener::SilentListener() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(fd_, 16) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    std::perror("SilentListener");
    std::abort();
  }
  port_ = ntohs(sa.sin_port);
}

SilentListener::~SilentListener() { close(fd_); }

int FreePort() {
  static std::set<int> given;
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
      port = ntohs(sa.sin_port);
    }
    close(fd);
    if (port != 0 && given.insert(port).second) return port;
  }
  std::cerr << "FreePort: no free port\n";
  std::abort();
}

void WriteFile(const std::string& path, const std::string& content) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    SubprocessOptions mk;
    mk.argv = {"mkdir", "-p", path.substr(0, slash)};
    CommandResult r;
    RunCommand(mk, "", 10000, &r);
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) {
    std::cerr << "cannot write " << path << "\n";
    std::abort();
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

namespace {
bool ConnectOnce(int family, const sockaddr* sa, socklen_t len) {
  int fd = socket(family, SOCK_STREAM, 0);
  bool ok = fd >= 0 && connect(fd, sa, len) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

bool Poll(int timeout_ms, int every_ms, const std::function<bool()>& ok) {
  auto end =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(every_ms));
  }
  return ok();
}
}  // namespace

bool Eventually(const std::function<bool()>& ok, int seconds) {
  return Poll(seconds * 1000, 200, ok);
}

bool WaitForPort(const std::string& host, int port, int timeout_ms) {
  return Poll(timeout_ms, 20, [&] {
    if (host.find(':') != std::string::npos) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      inet_pton(AF_INET6, host.c_str(), &sa.sin6_addr);
      return ConnectOnce(AF_INET6, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
    return ConnectOnce(AF_INET, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  });
}

bool WaitForUnixSocket(const std::string& path, int timeout_ms) {
  return Poll(timeout_ms, 20, [&] {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    return ConnectOnce(AF_UNIX, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  });
}

}  // namespace test
}  // namespace waymark
