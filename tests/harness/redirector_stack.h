// The whole request path for integration tests: a database in the shared
// PostgreSQL cluster with the schema, the GeoIP test databases, a real
// waymark-redirector (master + workers) on a unix socket, and a real nginx
// running the shipped nginx/origin.conf in front of it, with nginx's realip
// module trusting X-Forwarded-For from 127.0.0.1 so that tests can speak as
// clients anywhere in tests/fixtures/geoip-networks.tsv. The redirector
// connects as wm_test_redirector, a login role in waymark_redirector only,
// as in production (README, step 3); dsn() and Sql() are the superuser's.
// A node of a setup with several nodes reads a database of a
// ReplicaCluster instead (StackOptions::dsn, primary_dsn): its standby's,
// while the schema, the role and Sql() go to the primary.
#ifndef WAYMARK_TESTS_HARNESS_REDIRECTOR_STACK_H_
#define WAYMARK_TESTS_HARNESS_REDIRECTOR_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/subprocess.h"
#include "tests/harness/http_client.h"
#include "tests/harness/nginx_server.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

struct StackOptions {
  int workers = 2;
  // Extra lines for waymark.conf's [redirector] section ("key = value").
  std::vector<std::string> redirector_config;
  bool https = true;  // an HTTPS listener too, with a self-signed certificate
  // A command the redirector runs under (e.g. strace -f -o FILE), or none.
  std::vector<std::string> wrapper{};
  // The user nginx's workers run as ("www-data" as on Debian).
  std::string nginx_user = "root";
  // The database the redirector reads (database.dsn), as the superuser;
  // "": a new one in the shared cluster. `primary_dsn` (database.primary_dsn,
  // "": none) is where Create() runs `waymark db init` (nothing when the
  // schema is there) and makes the redirector's role, and where Sql() goes.
  // The redirector itself connects to both as wm_test_redirector.
  std::string dsn{};
  std::string primary_dsn{};
};

class RedirectorStack {
 public:
  // Creates the database with the schema and writes the config; Serve()
  // then starts both servers (after the test has put its inventory in, so
  // the redirector starts with it in its file index).
  static Status Create(const StackOptions& options,
                       std::unique_ptr<RedirectorStack>* out);
  Status Serve();
  RedirectorStack(const RedirectorStack&) = delete;
  RedirectorStack& operator=(const RedirectorStack&) = delete;
  ~RedirectorStack();

  const std::string& dsn() const { return dsn_; }
  // Where writes go: options' primary_dsn, else dsn().
  const std::string& write_dsn() const { return write_dsn_; }
  // The redirector's: dsn() as wm_test_redirector.
  const std::string& redirector_dsn() const { return redirector_dsn_; }
  std::string config_path() const { return dir_ / "waymark.conf"; }
  std::string repository() const { return dir_ / "repo"; }
  std::string redirector_log() const {
    return ReadFile(dir_ / "redirector.log");
  }
  std::string ca_file() const { return dir_ / "tls/cert.pem"; }
  std::string socket_path() const { return dir_ / "redirector.sock"; }
  // redirector.spool_dir, unless the test's lines set another.
  std::string spool_dir() const { return dir_ / "spool"; }

  // http://127.0.0.1:PORT + path (path starts with '/').
  std::string Url(const std::string& path) const;
  std::string HttpsUrl(const std::string& path) const;
  // A request as a client at `client_ip` (sent as X-Forwarded-For).
  HttpResponse Request(const std::string& path, const std::string& client_ip,
                       const std::string& method = "GET", bool https = false,
                       std::vector<std::string> headers = {});

  // `waymark -c CONFIG ARGS`.
  CommandResult Waymark(const std::vector<std::string>& args);
  // On the primary_dsn when set, else on dsn().
  Status Sql(const std::string& sql);

  // The redirector's master; its workers right now (its children but the
  // file index builder).
  pid_t master_pid() const;
  std::vector<pid_t> WorkerPids() const;
  Status SignalRedirector(int sig);
  // Waits for the master to exit; its exit code.
  Status WaitRedirector(int timeout_ms, int* exit_code);
  // Starts the redirector again after it stopped (nginx kept running);
  // returns once it logged "ready" again.
  Status RestartRedirector();
  // Rewrites the [redirector] extra lines of waymark.conf.
  void RewriteConfig(const std::vector<std::string>& redirector_config);

 private:
  RedirectorStack() = default;
  Status StartRedirector();

  StackOptions options_;
  TempDir dir_;
  std::string dsn_;
  std::string write_dsn_;  // primary_dsn, else dsn_
  std::string redirector_dsn_;
  // primary_dsn as wm_test_redirector; "" when there is none.
  std::string redirector_primary_dsn_;
  int http_port_ = 0, https_port_ = 0;
  std::unique_ptr<Subprocess> redirector_;
  std::unique_ptr<NginxServer> nginx_;
};

// nginx/origin.conf from the source tree with its addresses, paths and
// socket replaced for a test.
std::string OriginConfForTest(const std::string& listen_lines,
                              const std::string& root,
                              const std::string& socket);
// The same of `conf`, an origin.conf as installed (the package's example).
std::string OriginConfForTest(std::string conf, const std::string& listen_lines,
                              const std::string& root,
                              const std::string& socket);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_REDIRECTOR_STACK_H_
