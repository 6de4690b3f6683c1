// Temporary directories and loopback ports for tests.
#ifndef WAYMARK_TESTS_HARNESS_TEMP_DIR_H_
#define WAYMARK_TESTS_HARNESS_TEMP_DIR_H_

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
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// released). Ports handed out by one process never repeat.
int FreePort();

// Writes `content` to `path`, creating parent directories; aborts the test
// program with a message when that fails.
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

// Waits until a TCP connection to host:port succeeds; false after timeout_ms.
bool WaitForPort(const std::string& host, int port, int timeout_ms);
// Waits until a unix socket accepts connections.
bool WaitForUnixSocket(const std::string& path, int timeout_ms);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_TEMP_DIR_H_
