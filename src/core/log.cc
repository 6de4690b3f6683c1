#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/clock.h"

namespace waymark {

namespace {

// The program name, style and sink are set at start-up, before threads;
// the level may change on a redirector reload, hence atomic.
struct LogState {
  std::string program = "waymark";
  LogStyle style = LogStyle::kTool;
  std::atomic<int> level{static_cast<int>(LogLevel::kInfo)};
  std::function<void(const std::string&)> sink;
  std::mutex mu;  // one line at a time through the sink
};

LogState& State() {
  static LogState* state = new LogState;  // never destroyed: exit paths log
  return *state;
}

const char* Tag(LogLevel level) {
  switch (level) {
    case LogLevel::kWarning:
      return "warning: ";
    case LogLevel::kDebug:
      return "debug: ";
    default:
      return "";
  }
}

void Write(const std::string& program, LogLevel level,
           const std::string& message) {
  LogState& st = State();
  if (!LogEnabled(level)) return;
  std::string line;
  if (st.style == LogStyle::kDaemon) {
    line = FormatUtc(time(nullptr)) + " " + program + "[" +
           std::to_string(getpid()) + "]: ";
  } else {
    line = program + ": ";
  }
  line += Tag(level);
  line += message;
  line += '\n';
  std::lock_guard<std::mutex> lock(st.mu);
  if (st.sink) {
    st.sink(line);
    return;
  }
  // One write per line: lines of workers and threads do not interleave.
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

void InitLog(const std::string& program, LogStyle style) {
  State().program = program;
  State().style = style;
}

void SetLogLevel(LogLevel level) { State().level = static_cast<int>(level); }

void SetLogLevel(const Config& config) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.GetString(keys::kLogLevel), &level);
  SetLogLevel(level);
}

LogLevel CurrentLogLevel() {
  return static_cast<LogLevel>(State().level.load());
}

bool ParseLogLevel(const std::string& text, LogLevel* level) {
  static const std::pair<const char*, LogLevel> kNames[] = {
      {"error", LogLevel::kError},
      {"warning", LogLevel::kWarning},
      {"info", LogLevel::kInfo},
      {"debug", LogLevel::kDebug},
  };
  for (const auto& [name, l] : kNames) {
    if (text == name) {
      *level = l;
      return true;
    }
  }
  return false;
}

bool LogEnabled(LogLevel level) {
  return level == LogLevel::kError ||
         static_cast<int>(level) <= State().level.load();
}

void LogError(const std::string& message) {
  Write(State().program, LogLevel::kError, message);
}
void LogWarning(const std::string& message) {
  Write(State().program, LogLevel::kWarning, message);
}
void LogInfo(const std::string& message) {
  Write(State().program, LogLevel::kInfo, message);
}
void LogDebug(const std::string& message) {
  Write(State().program, LogLevel::kDebug, message);
}

void LogAs(const std::string& program, LogLevel level,
           const std::string& message) {
  Write(program, level, message);
}

void SetLogSink(std::function<void(const std::string& line)> sink) {
  std::lock_guard<std::mutex> lock(State().mu);
  State().sink = std::move(sink);
}

}  // namespace waymark
