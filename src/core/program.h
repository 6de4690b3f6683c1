// What every binary's main() shares: its name in messages, --version, and
// the last-resort error line.
#ifndef WAYMARK_CORE_PROGRAM_H_
#define WAYMARK_CORE_PROGRAM_H_

#include <string>

#include "core/status.h"

namespace waymark {

// "waymark-scan 0.1.0"
std::string VersionLine(const std::string& program);

// Prints "<program>: <message>" on stderr and returns the exit code for s.
int ReportError(const std::string& program, const Status& s);

// main() of a binary whose feature has not landed yet: --help and --version
// work, anything else says it is not available and exits 1. Nothing pretends
// to work.
int RunUnavailableProgram(const std::string& program, const std::string& usage,
                          const std::string& summary, int argc, char** argv);

}  // namespace waymark

#endif  // WAYMARK_CORE_PROGRAM_H_
