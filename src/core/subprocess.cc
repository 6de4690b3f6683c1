#include "core/subprocess.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/strings.h"

extern char** environ;

namespace waymark {

namespace {

long long NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// The child's environment: ours with opts.env applied.
std::vector<std::string> BuildEnv(const std::vector<std::string>& changes) {
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    env[kv.substr(0, eq)] = kv;
  }
  for (const auto& kv : changes) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string key = kv.substr(0, eq);
    if (eq + 1 == kv.size()) {
      env.erase(key);
    } else {
      env[key] = kv;
    }
  }
  std::vector<std::string> out;
  for (auto& [k, v] : env) out.push_back(v);
  return out;
}

// Writes "<what>: <strerror>" to the error pipe and exits; only
// async-signal-safe calls after fork().
[[noreturn]] void ChildFail(int err_fd, const char* what, int err) {
  char buf[256];
  size_t n = 0;
  for (const char* p = what; *p && n < sizeof(buf) - 1; ++p) buf[n++] = *p;
  const char* sep = ": ";
  for (const char* p = sep; *p && n < sizeof(buf) - 1; ++p) buf[n++] = *p;
  for (const char* p = strerror(err); *p && n < sizeof(buf) - 1; ++p)
    buf[n++] = *p;
  ssize_t ignored = write(err_fd, buf, n);
  (void)ignored;
  _exit(127);
}

}  // namespace

Status Subprocess::Start(const SubprocessOptions& opts,
                         std::unique_ptr<Subprocess>* out) {
  if (opts.argv.empty()) return Status::InvalidArgument("no program to run");
  const std::string& prog = opts.argv[0];

  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls.
  std::vector<std::string> env_strings = BuildEnv(opts.env);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = opts.argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  std::vector<std::string> candidates;
  if (prog.find('/') != std::string::npos) {
    candidates.push_back(prog);
  } else {
    const char* path = nullptr;
    for (const auto& kv : env_strings) {
      if (StartsWith(kv, "PATH=")) path = kv.c_str() + 5;
    }
    for (const auto& dir :
         Split(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
      candidates.push_back((dir.empty() ? "." : dir) + "/" + prog);
    }
  }

  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups(64);
  std::string user = opts.run_as_user;
  bool switch_user = !user.empty() && geteuid() == 0;
  if (switch_user) {
    passwd* pw = getpwnam(user.c_str());
    if (!pw)
      return Status::IOError("cannot run " + prog + ": no user '" + user + "'");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    // Supplementary groups are looked up now: initgroups() after fork()
    // could deadlock on a lock another thread held.
    int ngroups = static_cast<int>(groups.size());
    if (getgrouplist(user.c_str(), gid, groups.data(), &ngroups) < 0) {
      groups.resize(ngroups);
      getgrouplist(user.c_str(), gid, groups.data(), &ngroups);
    }
    groups.resize(ngroups);
  }

  UniqueFd err_read, err_write, in_read, in_write, out_read, out_write,
      errout_read, errout_write;
  if (MakePipe(&err_read, &err_write) != 0)
    return Status::IOError(std::string("pipe: ") + strerror(errno));
  if ((opts.pipe_stdin && MakePipe(&in_read, &in_write) != 0) ||
      (opts.capture_output && (MakePipe(&out_read, &out_write) != 0 ||
                               MakePipe(&errout_read, &errout_write) != 0))) {
    return Status::IOError(std::string("pipe: ") + strerror(errno));
  }
  pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    int ef = err_write.get();
    if (opts.new_process_group) setpgid(0, 0);
    // Default signal dispositions and an empty mask for the new program.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig :
         {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2})
      signal(sig, SIG_DFL);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (dup2(opts.pipe_stdin ? in_read.get() : devnull, 0) < 0)
      ChildFail(ef, "dup2", errno);
    if (opts.capture_output) {
      if (dup2(out_write.get(), 1) < 0 || dup2(errout_write.get(), 2) < 0)
        ChildFail(ef, "dup2", errno);
    }
    if (!opts.working_dir.empty() && chdir(opts.working_dir.c_str()) != 0)
      ChildFail(ef, "chdir", errno);
    if (switch_user) {
      if (setgroups(groups.size(), groups.data()) != 0 || setgid(gid) != 0 ||
          setuid(uid) != 0)
        ChildFail(ef, "cannot switch user", errno);
    }
    // After the uid change, which clears the parent-death signal.
    if (opts.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
    }
    int last_errno = ENOENT;
    for (const auto& c : candidates) {
      execve(c.c_str(), argv.data(), envp.data());
      if (errno != ENOENT) last_errno = errno;
    }
    ChildFail(ef, "cannot run", last_errno);
  }

  auto proc = std::unique_ptr<Subprocess>(new Subprocess());
  proc->pid_ = pid;
  proc->own_group_ = opts.new_process_group;
  err_write.reset();
  in_read.reset();
  out_write.reset();
  errout_write.reset();
  proc->stdin_fd_ = std::move(in_write);
  proc->stdout_fd_ = std::move(out_read);
  proc->stderr_fd_ = std::move(errout_read);
  // The error pipe closes on a successful exec; otherwise it carries why.
  char buf[256];
  ssize_t n;
  do {
    n = read(err_read.get(), buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  err_read.reset();
  if (n > 0) {
    int code;
    proc->Wait(-1, &code);
    return Status::IOError(prog + ": " + std::string(buf, n));
  }
  *out = std::move(proc);
  return Status::OK();
}

Subprocess::~Subprocess() {
  Kill();  // then the pipes close
}

void Subprocess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  if (own_group_) kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  int code;
  Wait(-1, &code);
}

void Subprocess::CloseStdin() { stdin_fd_.reset(); }

bool Subprocess::Running() {
  if (reaped_) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_code_ =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

Status Subprocess::Signal(int sig) {
  if (reaped_)
    return Status::FailedPrecondition("process " + std::to_string(pid_) +
                                      " has exited");
  if (kill(pid_, sig) != 0)
    return Status::IOError(std::string("kill: ") + strerror(errno));
  return Status::OK();
}

Status Subprocess::Wait(int timeout_ms, int* exit_code) {
  long long deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  int sleep_us = 1000;
  while (!reaped_) {
    if (timeout_ms < 0) {
      int status;
      pid_t r = waitpid(pid_, &status, 0);
      if (r == pid_) {
        reaped_ = true;
        exit_code_ =
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else if (r < 0 && errno != EINTR) {
        return Status::IOError(std::string("waitpid: ") + strerror(errno));
      }
      continue;
    }
    if (!Running()) break;
    if (NowMs() >= deadline)
      return Status::IOError("process " + std::to_string(pid_) +
                             " still running after " +
                             std::to_string(timeout_ms) + " ms");
    usleep(sleep_us);
    if (sleep_us < 20000) sleep_us *= 2;
  }
  *exit_code = exit_code_;
  return Status::OK();
}

Status RunCommand(const SubprocessOptions& opts_in,
                  const std::string& stdin_data, int timeout_ms,
                  CommandResult* result) {
  SubprocessOptions opts = opts_in;
  opts.capture_output = true;
  opts.pipe_stdin = true;
  std::unique_ptr<Subprocess> proc;
  Status s = Subprocess::Start(opts, &proc);
  if (!s.ok()) return s;
  *result = CommandResult();
  long long deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  size_t written = 0;
  int in = proc->stdin_fd();
  fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
  if (stdin_data.empty()) proc->CloseStdin();
  bool out_open = true, err_open = true;
  // SIGPIPE from a child that stops reading must not kill us.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  while (out_open || err_open) {
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {proc->stdout_fd(), POLLIN, 0};
    if (err_open) fds[n++] = {proc->stderr_fd(), POLLIN, 0};
    if (proc->stdin_fd() >= 0) fds[n++] = {proc->stdin_fd(), POLLOUT, 0};
    int wait_ms = -1;
    if (deadline >= 0) {
      wait_ms = static_cast<int>(deadline - NowMs());
      if (wait_ms <= 0) {
        result->timed_out = true;
        break;
      }
    }
    int r = poll(fds, n, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == proc->stdin_fd()) {
        ssize_t w = write(fds[i].fd, stdin_data.data() + written,
                          stdin_data.size() - written);
        if (w > 0) written += w;
        if (w < 0 && errno != EAGAIN && errno != EINTR)
          written = stdin_data.size();
        if (written >= stdin_data.size()) proc->CloseStdin();
        continue;
      }
      char buf[65536];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (fds[i].fd == proc->stdout_fd() ? result->out : result->err)
            .append(buf, got);
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        (fds[i].fd == proc->stdout_fd() ? out_open : err_open) = false;
      }
    }
  }
  sigaction(SIGPIPE, &old, nullptr);
  if (result->timed_out) {
    proc->Signal(SIGKILL);
    proc->Wait(-1, &result->exit_code);
    return Status::IOError(opts.argv[0] + " timed out after " +
                           std::to_string(timeout_ms) + " ms");
  }
  int wait_ms =
      deadline < 0 ? -1 : std::max<long long>(0, deadline - NowMs()) + 1000;
  s = proc->Wait(wait_ms, &result->exit_code);
  if (!s.ok()) {
    result->timed_out = true;
    return s;
  }
  return Status::OK();
}

}  // namespace waymark
