#include "core/program.h"

#include "core/log.h"

namespace waymark {

std::string VersionLine(const std::string& program) {
  return program + " " + WAYMARK_VERSION;
}

int ReportError(const std::string& program, const Status& s) {
  LogAs(program, LogLevel::kError, s.message());
  return s.ExitCode();
}

}  // namespace waymark
