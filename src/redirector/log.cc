#include "redirector/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fd.h"
#include "core/log.h"

namespace waymark {

void ReopenLog(const std::string& path) {
  if (path.empty()) return;
  UniqueFd fd(
      open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    LogError("cannot reopen " + path + ": " + std::strerror(errno));
    return;
  }
  dup2(fd.get(), STDERR_FILENO);
}

}  // namespace waymark
