// A real FTP server for integration tests: Debian's vsftpd, standalone on a
// free loopback port (passive ports next to it), anonymous read-only access
// to a directory the test chooses, with a test-local config in a private
// temporary directory; stopped on destruction. vsftpd has no MLSD, so the
// scanner's LIST path is what it exercises.
#ifndef WAYMARK_TESTS_HARNESS_FTP_SERVER_H_
#define WAYMARK_TESTS_HARNESS_FTP_SERVER_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "core/subprocess.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

class FtpServer {
 public:
  static Status Start(const std::string& root, std::unique_ptr<FtpServer>* out);
  FtpServer(const FtpServer&) = delete;
  FtpServer& operator=(const FtpServer&) = delete;
  ~FtpServer();

  // "ftp://127.0.0.1:PORT/" + path
  std::string Url(const std::string& path) const;
  void Stop();

 private:
  FtpServer() = default;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_FTP_SERVER_H_
