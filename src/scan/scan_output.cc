#include "scan/scan_output.h"

#include <cstdio>

#include "core/log.h"
#include "core/strings.h"

namespace waymark {

void ScanOutput::ClearLocked() {
  if (drawn_) fputs("\r\033[K", stderr);
  drawn_ = false;
}

void ScanOutput::DrawLocked() {
  std::string line;
  for (const auto& [task, text] : tasks_) {
    if (!line.empty()) line += " | ";
    line += task + ": " + text;
  }
  if (line.size() > 150) line = line.substr(0, 147) + "...";
  fputs("\r\033[K", stderr);
  fputs(Printable(line).c_str(), stderr);
  fflush(stderr);
  drawn_ = true;
}

ScanOutput::ScanOutput(bool terminal) : terminal_(terminal) {
  SetLogSink([this](const std::string& line) { Write(line); });
}

ScanOutput::~ScanOutput() { SetLogSink(nullptr); }

void ScanOutput::Log(const std::string& line) { LogInfo(Printable(line)); }

void ScanOutput::Write(const std::string& line) {
  std::lock_guard<std::mutex> l(mu_);
  ClearLocked();
  fputs(line.c_str(), stderr);
  if (terminal_ && !tasks_.empty()) DrawLocked();
  fflush(stderr);
}

void ScanOutput::Progress(const std::string& task, const std::string& text) {
  if (!terminal_) return;
  std::lock_guard<std::mutex> l(mu_);
  tasks_[task] = text;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  DrawLocked();
}

void ScanOutput::Done(const std::string& task) {
  if (!terminal_) return;
  std::lock_guard<std::mutex> l(mu_);
  tasks_.erase(task);
  ClearLocked();
  if (!tasks_.empty()) DrawLocked();
}

}  // namespace waymark
