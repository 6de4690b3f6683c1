// Child processes with RAII: the scanner's `rsync` client, the servers that
// tests and the demo start, and any command whose output we read.
//
// A Subprocess that is destroyed while its child still runs kills the child
// (SIGKILL; the whole process group when it has its own) and reaps it, so
// no caller can leak a process. With die_with_parent the kernel also kills
// the child when this process dies without running destructors.
#ifndef WAYMARK_CORE_SUBPROCESS_H_
#define WAYMARK_CORE_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/fd.h"
#include "core/status.h"

namespace waymark {

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0] is searched in PATH without '/'
  std::vector<std::string> env;   // "KEY=VALUE" added to the inherited ones;
                                  // "KEY=" with nothing after removes KEY
  std::string run_as_user;        // as root: switch to this user first
  std::string working_dir;        // chdir before exec, if set
  bool die_with_parent = true;    // PR_SET_PDEATHSIG(SIGKILL)
  bool capture_output = false;    // stdout/stderr to pipes, else inherited
  bool pipe_stdin = false;        // stdin from a pipe, else /dev/null
  bool new_process_group = false;
};

class Subprocess {
 public:
  // Starts the child. A program that cannot be executed (not found, not
  // permitted, unknown user) is an error here, not a child exit code.
  static Status Start(const SubprocessOptions& opts,
                      std::unique_ptr<Subprocess>* out);

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  // True while the child has not exited (reaps it when it has).
  bool Running();
  Status Signal(int sig);
  // Waits up to timeout_ms (-1: forever). *exit_code is the exit status, or
  // 128 + the signal number that killed it. An error on timeout.
  Status Wait(int timeout_ms, int* exit_code);

  // Pipe ends when capture_output / pipe_stdin were set, else -1. Owned by
  // this object; CloseStdin() signals end of input.
  int stdin_fd() const { return stdin_fd_.get(); }
  int stdout_fd() const { return stdout_fd_.get(); }
  int stderr_fd() const { return stderr_fd_.get(); }
  void CloseStdin();

 private:
  Subprocess() = default;
  void Kill();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  bool own_group_ = false;
  UniqueFd stdin_fd_, stdout_fd_, stderr_fd_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs a command to completion: feeds stdin_data, collects stdout and
// stderr (any size, without deadlock), kills it after timeout_ms (-1: no
// limit; then result->timed_out is set and the Status is an error).
Status RunCommand(const SubprocessOptions& opts, const std::string& stdin_data,
                  int timeout_ms, CommandResult* result);

}  // namespace waymark

#endif  // WAYMARK_CORE_SUBPROCESS_H_
