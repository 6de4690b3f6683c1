// The log every waymark binary writes its diagnostics to: one line per
// message on standard error (the journal under systemd, cron mail, or the
// redirector's log.file), dropped when less severe than log.level.
//
// A command-line tool's line is "waymark-scan: <message>"; the redirector's
// is "2026-01-02T03:04:05Z waymark-redirector[<pid>]: <message>". Warnings
// and debug lines carry "warning: " and "debug: " after that prefix; errors
// and information carry no tag, so that the lines tests and users know stay
// as they are. A command's own output (tables, reports) is not a log line:
// it goes to standard output as before.
//
// Each main() calls InitLog() first and SetLogLevel(config) once it has a
// Config; any code may then log, from any thread.
#ifndef WAYMARK_CORE_LOG_H_
#define WAYMARK_CORE_LOG_H_

#include <functional>
#include <string>

#include "core/config.h"

namespace waymark {

// From most to least severe; log.level names the least severe one logged.
enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

enum class LogStyle {
  kTool,    // "<program>: <message>"
  kDaemon,  // "<UTC time> <program>[<pid>]: <message>"
};

// Names the program in every line. Until called: "waymark", kTool, level
// info.
void InitLog(const std::string& program, LogStyle style);

// The least severe level logged; errors are always logged.
void SetLogLevel(LogLevel level);
// log.level of `config` (validated by the parser, so it always names a level).
void SetLogLevel(const Config& config);
LogLevel CurrentLogLevel();

// "error", "warning", "info" or "debug"; false for anything else.
bool ParseLogLevel(const std::string& text, LogLevel* level);

// Whether a message at `level` would be written: lets a caller skip building
// an expensive debug message.
bool LogEnabled(LogLevel level);

void LogError(const std::string& message);
void LogWarning(const std::string& message);
void LogInfo(const std::string& message);
void LogDebug(const std::string& message);
// As above under another program's name (ReportError names its own).
void LogAs(const std::string& program, LogLevel level,
           const std::string& message);

// Where finished lines (newline included) go instead of standard error:
// waymark-scan's progress display, which clears itself before a line, and
// tests. An empty function restores standard error. Set it while no other
// thread logs.
void SetLogSink(std::function<void(const std::string& line)> sink);

}  // namespace waymark

#endif  // WAYMARK_CORE_LOG_H_
