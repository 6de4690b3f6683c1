#include "tests/harness/redirector_stack.h"

#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"

namespace waymark {
namespace test {

namespace {

void ReplaceAll(std::string* text, const std::string& from,
                const std::string& to) {
  size_t pos = 0;
  while ((pos = text->find(from, pos)) != std::string::npos) {
    text->replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

std::string OriginConfForTest(const std::string& listen_lines,
                              const std::string& root,
                              const std::string& socket) {
  return OriginConfForTest(ReadFile(SourceDir() + "/nginx/origin.conf"),
                           listen_lines, root, socket);
}

std::string OriginConfForTest(std::string conf, const std::string& listen_lines,
                              const std::string& root,
                              const std::string& socket) {
  ReplaceAll(&conf, "listen 80;", listen_lines);
  ReplaceAll(&conf, "listen [::]:80;", "");
  ReplaceAll(&conf, "/srv/repository/mirror", root);
  ReplaceAll(&conf, "unix:/run/waymark/redirector.sock", "unix:" + socket);
  // Logs and threads as the test harness wants them.
  ReplaceAll(&conf, "aio threads;", "");
  return conf;
}

Status RedirectorStack::Create(const StackOptions& options,
                               std::unique_ptr<RedirectorStack>* out) {
  std::unique_ptr<RedirectorStack> st(new RedirectorStack());
  st->options_ = options;
  st->dsn_ =
      options.dsn.empty() ? SharedCluster()->CreateDatabase() : options.dsn;
  st->write_dsn_ = options.primary_dsn.empty() ? st->dsn_ : options.primary_dsn;
  WriteFile(st->repository() + "/.keep", "");
  st->RewriteConfig(options.redirector_config);
  CommandResult r = st->Waymark({"db", "init"});
  if (r.exit_code != 0) return Status::IOError("waymark db init: " + r.err);
  // Roles are the cluster's: created once, by whichever stack comes first.
  Status s = st->Sql(
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
      "'wm_test_redirector') "
      "THEN CREATE ROLE wm_test_redirector LOGIN IN ROLE waymark_redirector; "
      "END IF; END $$");
  if (!s.ok()) return s;
  std::string primary = options.primary_dsn;
  for (auto [from, to] :
       {std::pair<std::string*, std::string*>{&st->dsn_, &st->redirector_dsn_},
        {&primary, &st->redirector_primary_dsn_}}) {
    if (from->empty()) continue;
    size_t user = from->find("user=postgres");
    if (user == std::string::npos)
      return Status::IOError("no user=postgres in " + *from);
    *to = *from;
    to->replace(user, 13, "user=wm_test_redirector");
  }
  *out = std::move(st);
  return Status::OK();
}

Status RedirectorStack::Serve() {
  RedirectorStack* st = this;
  const StackOptions& options = options_;
  http_port_ = FreePort();
  std::string listen =
      "listen 127.0.0.1:" + std::to_string(st->http_port_) + ";";
  if (options.https) {
    st->https_port_ = FreePort();
    SubprocessOptions o;
    o.argv = {"openssl",  "req",
              "-x509",    "-newkey",
              "rsa:2048", "-nodes",
              "-days",    "2",
              "-subj",    "/CN=127.0.0.1",
              "-addext",  "subjectAltName=IP:127.0.0.1",
              "-keyout",  st->dir_ / "tls/key.pem",
              "-out",     st->dir_ / "tls/cert.pem"};
    WriteFile(st->dir_ / "tls/.keep", "");
    CommandResult c;
    Status s = RunCommand(o, "", 60000, &c);
    if (!s.ok() || c.exit_code != 0)
      return Status::IOError("openssl req: " + c.err);
    listen += "\n    listen 127.0.0.1:" + std::to_string(st->https_port_) +
              " ssl;\n    ssl_certificate " + (st->dir_ / "tls/cert.pem") +
              ";\n    ssl_certificate_key " + (st->dir_ / "tls/key.pem") + ";";
  }
  Status s = st->StartRedirector();
  if (!s.ok()) return s;
  std::string http =
      "set_real_ip_from 127.0.0.1;\nreal_ip_header X-Forwarded-For;\n" +
      OriginConfForTest(listen, st->repository(), st->dir_ / "redirector.sock");
  return NginxServer::Start(http, &st->nginx_, options.nginx_user);
}

void RedirectorStack::RewriteConfig(
    const std::vector<std::string>& redirector_config) {
  const GeoFixtures& geo = SharedGeoFixtures();
  std::ostringstream c;
  c << "[database]\ndsn = " << dsn_ << "\n";
  if (!options_.primary_dsn.empty())
    c << "primary_dsn = " << options_.primary_dsn << "\n";
  c << "[repository]\npath = " << repository() << "\n"
    << "[geoip]\nmmdb = " << geo.city_mmdb << "\nmmdb = " << geo.asn_mmdb
    << "\n"
    << "[redirector]\nlisten = unix:" << (dir_ / "redirector.sock") << "\n"
    << "workers = " << options_.workers << "\n"
    << "pidfile = " << (dir_ / "redirector.pid") << "\n";
  // The stack's own spool, unless the test sets one.
  bool spool_set = false;
  for (const auto& line : redirector_config)
    spool_set = spool_set || line.rfind("spool_dir", 0) == 0;
  if (!spool_set) c << "spool_dir = " << spool_dir() << "\n";
  for (const auto& line : redirector_config) c << line << "\n";
  WriteFile(config_path(), c.str());
}

Status RedirectorStack::StartRedirector() {
  SubprocessOptions o;
  // sh -c 'exec "$@" -f -c CONFIG 2>>LOG' sh [WRAPPER...] REDIRECTOR
  o.argv = {
      "sh",
      "-c",
      "config=$1 log=$2; shift 2; exec \"$@\" -f -c \"$config\" 2>>\"$log\"",
      "sh",
      config_path(),
      dir_ / "redirector.log"};
  o.argv.insert(o.argv.end(), options_.wrapper.begin(), options_.wrapper.end());
  o.argv.push_back(BinaryPath("waymark-redirector"));
  // The command line beats the config file, also on reloads.
  o.argv.push_back("--database.dsn=" + redirector_dsn_);
  if (!redirector_primary_dsn_.empty())
    o.argv.push_back("--database.primary_dsn=" + redirector_primary_dsn_);
  o.env = {"WAYMARK_CONFIG="};
  Status s = Subprocess::Start(o, &redirector_);
  if (!s.ok()) return s;
  if (!WaitForUnixSocket(dir_ / "redirector.sock", 10000))
    return Status::IOError("the redirector did not start: " + redirector_log());
  // Its clients start on "ready", as a service manager's do: a worker has
  // its first inventory snapshot then (or the master waited long enough).
  // The line is in log.file when the test sets one.
  std::string log_path = dir_ / "redirector.log";
  bool in_log_section = false;
  for (const std::string& line : options_.redirector_config) {
    if (!line.empty() && line[0] == '[') in_log_section = line == "[log]";
    if (in_log_section && line.rfind("file = ", 0) == 0)
      log_path = line.substr(7);
  }
  auto ready = [&] {
    return ReadFile(log_path).find("ready: ") != std::string::npos;
  };
  if (!Eventually([&] { return !redirector_->Running() || ready(); }, 20) ||
      !ready())
    return Status::IOError("the redirector did not become ready: " +
                           ReadFile(log_path));
  return Status::OK();
}

RedirectorStack::~RedirectorStack() {
  nginx_.reset();
  // Workers left by a killed master notice the socket is gone only on
  // their next poll: they are killed below (listed before the master
  // goes, as they are its children).
  std::vector<pid_t> workers = WorkerPids();
  if (redirector_ && redirector_->Running()) {
    SignalRedirector(SIGTERM);  // the master itself, also under a wrapper
    int code;
    redirector_->Wait(10000, &code);
  }
  redirector_.reset();
  for (pid_t p : workers) kill(p, SIGKILL);
}

std::string RedirectorStack::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}

std::string RedirectorStack::HttpsUrl(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(https_port_) + path;
}

HttpResponse RedirectorStack::Request(const std::string& path,
                                      const std::string& client_ip,
                                      const std::string& method, bool https,
                                      std::vector<std::string> headers) {
  HttpRequest req;
  req.url = https ? HttpsUrl(path) : Url(path);
  req.method = method;
  if (!client_ip.empty()) headers.push_back("X-Forwarded-For: " + client_ip);
  req.headers = headers;
  if (https) req.ca_file = ca_file();
  HttpResponse resp;
  Status s = HttpFetch(req, &resp);
  if (!s.ok()) {
    resp.status = 0;
    resp.body = s.message();
  }
  return resp;
}

CommandResult RedirectorStack::Waymark(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-c", config_path()};
  all.insert(all.end(), args.begin(), args.end());
  return RunWaymark(all);
}

Status RedirectorStack::Sql(const std::string& sql) {
  return SharedCluster()->ExecSql(write_dsn_, sql);
}

Status RedirectorStack::RestartRedirector() {
  if (redirector_ && redirector_->Running())
    return Status::FailedPrecondition("the redirector still runs");
  // "ready" is looked for anew: the log so far is set aside.
  std::string log = dir_ / "redirector.log";
  WriteFile(log + ".1", ReadFile(log));
  WriteFile(log, "");
  redirector_.reset();
  return StartRedirector();
}

pid_t RedirectorStack::master_pid() const {
  if (!redirector_) return -1;
  if (options_.wrapper.empty()) return redirector_->pid();
  // Under a wrapper the child is the wrapper; the master writes its pidfile.
  std::ifstream in(dir_ / "redirector.pid");
  pid_t pid = -1;
  in >> pid;
  return pid;
}

std::vector<pid_t> RedirectorStack::WorkerPids() const {
  std::vector<pid_t> out;
  if (!redirector_) return out;
  std::string master = std::to_string(master_pid());
  std::string children =
      ReadFile("/proc/" + master + "/task/" + master + "/children");
  std::istringstream in(children);
  pid_t p;
  while (in >> p) {
    // The master's other child, the short-lived file index builder.
    std::string comm = ReadFile("/proc/" + std::to_string(p) + "/comm");
    if (comm.rfind("waymark-index", 0) != 0) out.push_back(p);
  }
  return out;
}

Status RedirectorStack::SignalRedirector(int sig) {
  if (!redirector_) return Status::FailedPrecondition("no redirector");
  if (options_.wrapper.empty()) return redirector_->Signal(sig);
  if (master_pid() <= 0 || kill(master_pid(), sig) != 0)
    return Status::IOError("cannot signal the redirector's master");
  return Status::OK();
}

Status RedirectorStack::WaitRedirector(int timeout_ms, int* exit_code) {
  if (!redirector_) return Status::FailedPrecondition("no redirector");
  return redirector_->Wait(timeout_ms, exit_code);
}

}  // namespace test
}  // namespace waymark
