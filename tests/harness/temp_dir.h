// Temporary directories, loopback ports and waiting, for the unit and
// integration tests.
#ifndef WAYMARK_TESTS_HARNESS_TEMP_DIR_H_
#define WAYMARK_TESTS_HARNESS_TEMP_DIR_H_

#include <functional>
#include <string>

namespace waymark {
namespace test {

// A fresh directory /tmp/waymark-test-<pid>-XXXXXX, removed with everything
// in it on destruction. The pid in the name lets tests/run remove what a
// crashed test left behind without touching a concurrent run's directories.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }
  // path()/name
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }
  // Writes `content` to path()/name (as WriteFile) and returns that path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// released). Ports handed out by one process never repeat.
int FreePort();

// A TCP socket listening on 127.0.0.1 that never accepts: the kernel
// completes a client's handshake and nobody ever reads or answers (a hung
// server). Aborts the test program when it cannot listen.
class SilentListener {
 public:
  SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  ~SilentListener();
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Writes `content` to `path`, creating parent directories; aborts the test
// program with a message when that fails.
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

// Waits until a TCP connection to host:port succeeds; false after timeout_ms.
bool WaitForPort(const std::string& host, int port, int timeout_ms);
// Waits until a unix socket accepts connections.
bool WaitForUnixSocket(const std::string& path, int timeout_ms);
// Calls `ok` every 200 ms until it returns true; false when it still does
// not after `seconds` (for what a daemon does in its own time).
bool Eventually(const std::function<bool()>& ok, int seconds = 10);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_TEMP_DIR_H_
