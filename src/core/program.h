// What every binary's main() shares: its name in messages, --version, and
// the last-resort error line.
#ifndef WAYMARK_CORE_PROGRAM_H_
#define WAYMARK_CORE_PROGRAM_H_

#include <string>

#include "core/status.h"

namespace waymark {

// "waymark-scan 0.1.0"
std::string VersionLine(const std::string& program);

// Logs "<program>: <message>" as an error (core/log.h) and returns the exit
// code for s.
int ReportError(const std::string& program, const Status& s);

}  // namespace waymark

#endif  // WAYMARK_CORE_PROGRAM_H_
