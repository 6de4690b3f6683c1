// A real rsync daemon for integration tests: `rsync --daemon --no-detach`
// on a free loopback port with a generated rsyncd.conf (modules given by
// the test, each optionally protected by a user and password), everything
// in a private temporary directory, stopped on destruction.
#ifndef WAYMARK_TESTS_HARNESS_RSYNC_DAEMON_H_
#define WAYMARK_TESTS_HARNESS_RSYNC_DAEMON_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/subprocess.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

struct RsyncModule {
  std::string name;  // "pub"
  std::string path;  // served directory
  std::string user;  // non-empty: auth users = user, with `password`
  std::string password;
};

class RsyncDaemon {
 public:
  static Status Start(const std::vector<RsyncModule>& modules,
                      std::unique_ptr<RsyncDaemon>* out);
  RsyncDaemon(const RsyncDaemon&) = delete;
  RsyncDaemon& operator=(const RsyncDaemon&) = delete;
  ~RsyncDaemon();

  int port() const { return port_; }
  // "rsync://127.0.0.1:PORT/MODULE/"
  std::string Url(const std::string& module) const;
  void Stop();

 private:
  RsyncDaemon() = default;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_RSYNC_DAEMON_H_
