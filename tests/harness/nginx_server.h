// A real nginx for integration tests: the caller's http{} content (server
// blocks etc.) inside a generated nginx.conf, everything (pid, logs, temp
// files) in a private temporary directory, in the foreground as a child of
// the test, stopped on destruction.
//
//   auto nginx = NginxServer::Start(R"(
//       server { listen 127.0.0.1:@PORT@; root @DIR@/www; autoindex on; })",
//       ...);
//
// "@DIR@" in the snippet becomes the server's directory. Start() waits until
// every `listen address:port` of the snippet accepts connections.
#ifndef WAYMARK_TESTS_HARNESS_NGINX_SERVER_H_
#define WAYMARK_TESTS_HARNESS_NGINX_SERVER_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "core/subprocess.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

class NginxServer {
 public:
  // `http_config` goes inside http { }. Errors carry nginx's own message.
  // The workers run as `user` (nginx's `user` directive: "www-data" as on
  // Debian, to see what nginx may reach).
  static Status Start(const std::string& http_config,
                      std::unique_ptr<NginxServer>* out,
                      const std::string& user = "root");

  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;
  ~NginxServer();

  // The private directory (conf, logs, temp files; a good place for docroots).
  const std::string& dir() const { return dir_.path(); }
  // Replaces the http{} content and reloads (SIGHUP), waiting for the
  // listen ports again.
  Status Reload(const std::string& http_config);
  // Stops the server now (fast shutdown).
  void Stop();
  std::string ErrorLog() const;

 private:
  NginxServer() = default;
  Status WriteConfig(const std::string& http_config);
  Status WaitForListeners(const std::string& http_config) const;

  TempDir dir_;
  std::string user_ = "root";
  std::unique_ptr<Subprocess> process_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_NGINX_SERVER_H_
