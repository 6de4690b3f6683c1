// A private view of this machine, for tests that run an operator's commands
// verbatim (README's production walk-through: apt install, adduser, make
// install, files in /etc, /srv and /run): a mount namespace in which /etc,
// /var, /usr/local and /home are copy-on-write overlays of the host's, so that
// what the commands write there (users they add, files they install) lands in a
// temporary directory and vanishes with it, and /srv and /run are empty
// temporary directories of their own. The host sees none of it; processes
// started inside see the host's programs, /tmp and loopback network.
//
// With SandboxOptions::whole_system, /usr is copy-on-write too (and /lib,
// a link into it on Debian 12), so that dpkg and apt may install a package
// inside: what it writes anywhere but /srv, /run and /tmp vanishes.
//
// Needs root with CAP_SYS_ADMIN (unshare(1), overlayfs), as CI and the
// development machines have; Create() says so plainly otherwise.
#ifndef WAYMARK_TESTS_HARNESS_SANDBOX_H_
#define WAYMARK_TESTS_HARNESS_SANDBOX_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/subprocess.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

struct SandboxOptions {
  // /usr copy-on-write too, for package installs.
  bool whole_system = false;
};

class Sandbox {
 public:
  static Status Create(std::unique_ptr<Sandbox>* out,
                       const SandboxOptions& options = {});
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();

  // Where /srv/<path> and /run/<path> of the sandbox are on the host.
  std::string SrvPath(const std::string& path) const {
    return dir_ / ("srv/" + path);
  }
  std::string RunPath(const std::string& path) const {
    return dir_ / ("run/" + path);
  }

  // Options that run argv inside the sandbox, as root, with the caller's
  // environment less the variables that would point libpq or waymark
  // elsewhere (PGHOST, WAYMARK_CONFIG, ...).
  SubprocessOptions Command(const std::vector<std::string>& argv) const;
  // Runs `bash -c script` inside to its end (output captured).
  CommandResult Bash(const std::string& script, int timeout_ms = 120000) const;
  // Puts `content` at `path` inside, as an editor would: an existing file
  // keeps its owner and mode, a new one is root's with mode 0644.
  Status WriteFile(const std::string& path, const std::string& content) const;

 private:
  Sandbox() = default;

  TempDir dir_;
  std::unique_ptr<Subprocess> holder_;  // keeps the namespace alive
  std::string ns_;                      // /proc/PID/ns/mnt of the holder
};

// `s` in single quotes for sh.
std::string ShellQuote(const std::string& s);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_SANDBOX_H_
