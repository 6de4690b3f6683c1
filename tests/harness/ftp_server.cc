#include "tests/harness/ftp_server.h"

#include <signal.h>
#include <sys/stat.h>

namespace waymark {
namespace test {

Status FtpServer::Start(const std::string& root,
                        std::unique_ptr<FtpServer>* out) {
  std::unique_ptr<FtpServer> f(new FtpServer());
  f->port_ = FreePort();
  int pasv_min = FreePort(), pasv_max = pasv_min;
  for (int i = 0; i < 4; ++i) {
    int p = FreePort();
    if (p < pasv_min) pasv_min = p;
    if (p > pasv_max) pasv_max = p;
  }
  mkdir((f->dir_ / "empty").c_str(), 0755);
  // run_as_launching_user: the tests' private directories are readable by
  // root only, and vsftpd would otherwise serve them as user ftp.
  std::string conf =
      "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port=" +
      std::to_string(f->port_) +
      "\nbackground=NO\nanonymous_enable=YES\nno_anon_password=YES\nanon_"
      "root=" +
      root +
      "\nlocal_enable=NO\nwrite_enable=NO\nrun_as_launching_user=YES\nsecure_"
      "chroot_dir=" +
      (f->dir_ / "empty") +
      "\nseccomp_sandbox=NO\npasv_enable=YES\npasv_address=127.0.0.1\npasv_min_"
      "port=" +
      std::to_string(pasv_min) + "\npasv_max_port=" + std::to_string(pasv_max) +
      "\nxferlog_enable=NO\nuse_localtime=NO\nvsftpd_log_file=" +
      (f->dir_ / "vsftpd.log") + "\n";
  WriteFile(f->dir_ / "vsftpd.conf", conf);
  SubprocessOptions o;
  o.argv = {"/usr/sbin/vsftpd", f->dir_ / "vsftpd.conf"};
  Status s = Subprocess::Start(o, &f->process_);
  if (!s.ok()) return s;
  if (!WaitForPort("127.0.0.1", f->port_, 10000))
    return Status::IOError("vsftpd did not listen on port " +
                           std::to_string(f->port_));
  *out = std::move(f);
  return Status::OK();
}

FtpServer::~FtpServer() { Stop(); }

void FtpServer::Stop() {
  if (!process_) return;
  process_->Signal(SIGTERM);
  int code;
  process_->Wait(5000, &code);
  process_.reset();
}

std::string FtpServer::Url(const std::string& path) const {
  return "ftp://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

}  // namespace test
}  // namespace waymark
