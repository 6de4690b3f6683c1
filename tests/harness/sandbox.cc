#include "tests/harness/sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace waymark {
namespace test {

namespace {

// In mount order: /usr (whole_system only) before /usr/local.
const char* const kOverlays[] = {"/etc", "/var", "/usr", "/usr/local", "/home"};

std::string NamespaceOf(const std::string& pid) {
  char target[256];
  ssize_t n =
      readlink(("/proc/" + pid + "/ns/mnt").c_str(), target, sizeof target - 1);
  return n > 0 ? std::string(target, n) : "";
}

}  // namespace

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Status Sandbox::Create(std::unique_ptr<Sandbox>* out,
                       const SandboxOptions& options) {
  if (geteuid() != 0)
    return Status::FailedPrecondition(
        "the sandbox needs root (unshare, mount)");
  std::unique_ptr<Sandbox> sb(new Sandbox());
  for (const char* d : {"srv", "run", "upper", "work"})
    mkdir((sb->dir_ / d).c_str(), 0755);
  // The holder only waits; the mounts are made by a command run inside
  // its namespace once unshare(1) has created it.
  SubprocessOptions o;
  o.argv = {"unshare", "--mount", "--propagation",
            "private", "sleep",   "infinity"};
  Status s = Subprocess::Start(o, &sb->holder_);
  if (!s.ok()) return s;
  const std::string pid = std::to_string(sb->holder_->pid());
  const std::string own = NamespaceOf("self");
  for (int i = 0; i < 200 && sb->holder_->Running(); ++i) {
    std::string ns = NamespaceOf(pid);
    if (!ns.empty() && ns != own) {
      sb->ns_ = "/proc/" + pid + "/ns/mnt";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (sb->ns_.empty())
    return Status::FailedPrecondition(
        "cannot make a private mount namespace (unshare --mount): the test "
        "needs root with "
        "CAP_SYS_ADMIN, e.g. a VM or a privileged container");
  std::string script = "set -e\n";
  for (const char* target : kOverlays) {
    if (std::string(target) == "/usr" && !options.whole_system) continue;
    std::string name = std::string(target + 1);
    for (char& c : name) c = c == '/' ? '_' : c;
    std::string upper = sb->dir_ / ("upper/" + name),
                work = sb->dir_ / ("work/" + name);
    script += "mkdir -p " + upper + " " + work +
              "\nmount -t overlay overlay -o lowerdir=" + std::string(target) +
              ",upperdir=" + upper + ",workdir=" + work + " " + target + "\n";
  }
  script += "mount --bind " + (sb->dir_ / "srv") + " /srv\nmount --bind " +
            (sb->dir_ / "run") + " /run\ninstall -d -m 1777 /run/lock\n";
  CommandResult r = sb->Bash(script, 30000);
  if (r.exit_code != 0)
    return Status::FailedPrecondition(
        "cannot mount the sandbox (overlayfs, bind mounts): " + r.err);
  *out = std::move(sb);
  return Status::OK();
}

Sandbox::~Sandbox() {
  // The namespace, and its mounts, go with the last process in it; the
  // test stops what it started inside before this.
  holder_.reset();
}

SubprocessOptions Sandbox::Command(const std::vector<std::string>& argv) const {
  SubprocessOptions o;
  o.argv = {"nsenter", "--mount=" + ns_, "--"};
  o.argv.insert(o.argv.end(), argv.begin(), argv.end());
  o.env = {"PGHOST=",    "PGPORT=",         "PGUSER=",    "PGDATABASE=",
           "PGSERVICE=", "WAYMARK_CONFIG=", "SUDO_USER=", "LC_ALL=C.UTF-8"};
  o.working_dir = "/";
  return o;
}

CommandResult Sandbox::Bash(const std::string& script, int timeout_ms) const {
  SubprocessOptions o = Command({"bash", "-c", script});
  o.capture_output = true;
  CommandResult r;
  Status s = RunCommand(o, "", timeout_ms, &r);
  if (!s.ok() && r.exit_code < 0) r.err += "harness: " + s.message();
  return r;
}

Status Sandbox::WriteFile(const std::string& path,
                          const std::string& content) const {
  std::string staged = dir_ / "staged";
  test::WriteFile(staged, content);
  // A file that exists keeps its owner and mode, as an editor leaves them.
  CommandResult r = Bash("if [ -e " + ShellQuote(path) + " ]; then cat " +
                         ShellQuote(staged) + " > " + ShellQuote(path) +
                         "; else install -D -m 644 " + ShellQuote(staged) +
                         " " + ShellQuote(path) + "; fi");
  unlink(staged.c_str());
  if (r.exit_code != 0)
    return Status::IOError("cannot write " + path +
                           " in the sandbox: " + r.err);
  return Status::OK();
}

}  // namespace test
}  // namespace waymark
