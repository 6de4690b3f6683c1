// What waymark-scan prints while it works: a one-line progress display,
// redrawn in place, when standard error is a terminal; plain log lines
// otherwise (cron mail, the journal). While one exists it is the sink of the
// process's log (core/log.h), so that a log line first clears the progress
// display. Thread-safe: parallel mirror scans share one.
#ifndef WAYMARK_SCAN_SCAN_OUTPUT_H_
#define WAYMARK_SCAN_SCAN_OUTPUT_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace waymark {

class ScanOutput {
 public:
  // `terminal`: draw the progress line (usually isatty(2)).
  explicit ScanOutput(bool terminal);
  ~ScanOutput();
  ScanOutput(const ScanOutput&) = delete;
  ScanOutput& operator=(const ScanOutput&) = delete;

  // An information line of the log, "waymark-scan: <line>".
  void Log(const std::string& line);
  // Progress of one task ("repository", a mirror's name): redrawn on a
  // terminal at most 5 times a second, ignored otherwise.
  void Progress(const std::string& task, const std::string& text);
  void Done(const std::string& task);

 private:
  // A finished log line, from the log.
  void Write(const std::string& line);
  void DrawLocked();
  void ClearLocked();

  bool terminal_;
  std::mutex mu_;
  std::map<std::string, std::string> tasks_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace waymark

#endif  // WAYMARK_SCAN_SCAN_OUTPUT_H_
