#include "redirector/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/clock.h"
#include "core/fd.h"

namespace waymark {

void Log(const std::string& msg) {
  // FormatUtc is thread-safe: the statistics writer thread logs too.
  std::string ts = FormatUtc(time(nullptr));
  std::fprintf(stderr, "%s waymark-redirector[%d]: %s\n", ts.c_str(), getpid(), msg.c_str());
  std::fflush(stderr);
}

void ReopenLog(const std::string& path) {
  if (path.empty()) return;
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    Log("cannot reopen " + path + ": " + std::strerror(errno));
    return;
  }
  dup2(fd.get(), STDERR_FILENO);
}

}  // namespace waymark
