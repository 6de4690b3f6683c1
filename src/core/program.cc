#include "core/program.h"

#include <iostream>

namespace waymark {

std::string VersionLine(const std::string& program) {
  return program + " " + WAYMARK_VERSION;
}

int ReportError(const std::string& program, const Status& s) {
  std::cerr << program << ": " << s.message() << "\n";
  return s.ExitCode();
}

}  // namespace waymark
