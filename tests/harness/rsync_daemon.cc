#include "tests/harness/rsync_daemon.h"

#include <signal.h>
#include <sys/stat.h>

namespace waymark {
namespace test {

Status RsyncDaemon::Start(const std::vector<RsyncModule>& modules,
                          std::unique_ptr<RsyncDaemon>* out) {
  std::unique_ptr<RsyncDaemon> d(new RsyncDaemon());
  d->port_ = FreePort();
  // As root the daemon would switch to nobody, who cannot read the tests'
  // private directories: stay root.
  std::string conf = "address = 127.0.0.1\nport = " + std::to_string(d->port_) +
                     "\nuse chroot = no\nuid = root\ngid = root\nlog file = " +
                     (d->dir_ / "rsyncd.log") + "\n";
  std::string secrets;
  for (const auto& m : modules) {
    conf += "[" + m.name + "]\npath = " + m.path + "\nread only = yes\n";
    if (!m.user.empty()) {
      conf += "auth users = " + m.user +
              "\nsecrets file = " + (d->dir_ / "secrets") + "\n";
      secrets += m.user + ":" + m.password + "\n";
    }
  }
  WriteFile(d->dir_ / "rsyncd.conf", conf);
  WriteFile(d->dir_ / "secrets", secrets);
  chmod((d->dir_ / "secrets").c_str(), 0600);
  SubprocessOptions o;
  o.argv = {"rsync", "--daemon", "--no-detach",
            "--config=" + (d->dir_ / "rsyncd.conf")};
  Status s = Subprocess::Start(o, &d->process_);
  if (!s.ok()) return s;
  if (!WaitForPort("127.0.0.1", d->port_, 10000))
    return Status::IOError("rsync daemon did not listen on port " +
                           std::to_string(d->port_) + ": " +
                           ReadFile(d->dir_ / "rsyncd.log"));
  *out = std::move(d);
  return Status::OK();
}

RsyncDaemon::~RsyncDaemon() { Stop(); }

void RsyncDaemon::Stop() {
  if (!process_) return;
  process_->Signal(SIGTERM);
  int code;
  if (!process_->Wait(5000, &code).ok())
    process_.reset();  // killed by the destructor
  process_.reset();
}

std::string RsyncDaemon::Url(const std::string& module) const {
  return "rsync://127.0.0.1:" + std::to_string(port_) + "/" + module + "/";
}

}  // namespace test
}  // namespace waymark
