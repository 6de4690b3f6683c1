// README's production walk-through, run as written. The test reads the
// blocks out of README.md (so an edit to README is what runs next time) and
// runs each command for real, in order, on a sandboxed copy of this machine
// (tests/harness/sandbox.h: /etc, /var, /usr and /home copy-on-write, /srv
// and /run private), as the user README says: root for the set-up (which
// installs the Debian package with apt),
// `alice` (a login shell) for the admin commands, the `waymark` account for
// the service, `waymark-scan` for the cron jobs; and checks that those two
// accounts and their database roles can do no more than README says.
//
// What cannot be real on a test machine is replaced, and only that:
//   - PostgreSQL: a private cluster of the harness; its socket directory is
//     the sandbox's /run/postgresql, libpq's default on Debian, so the DSNs
//     and `runuser -u postgres -- ...` run unchanged (trust authentication
//     instead of peer: each Unix account still gets the role of its name).
//   - Host names: repo.example.org and fra1.mirror.example.org are loopback
//     servers the test runs (the sandbox's /etc/hosts names them, a test
//     certificate for both is in its CA bundle); URLs in the commands gain
//     the servers' ports: https://repo.example.org:PORT/.
//   - `make deb`: not run (it compiles the whole tree again); the package it
//     makes of this tree must be in build/deb/, as `make test` and CI leave
//     it, or the test reports itself skipped. `apt install ./build/deb/...`
//     runs, in the sandbox.
//   - `apt-get install PKG`: not run (it would change the machine's
//     packages); PKG must be an installed Debian package, as after the command.
//   - systemctl (systemd is not PID 1 here): `daemon-reload` is
//     `systemd-analyze verify` of the copied unit (no warning allowed);
//     `enable --now` verifies the unit systemd would load (a copy in /etc,
//     else the package's), checks [Install] and starts its ExecStart= as
//     systemd would (User=, Group=, RuntimeDirectory=, a clean environment,
//     a NOTIFY_SOCKET on which Type=notify must say READY=1 from the main
//     process); `reload` runs ExecReload= with $MAINPID and waits for
//     READY=1 again; at the end the test stops it with KillSignal= sent to
//     the whole group, as systemd does, within TimeoutStopSec=.
//   - The origin's rsync daemon runs README's rsyncd.conf block as
//     /etc/rsyncd.conf with --address/--port on loopback (Debian's
//     rsync.service runs `rsync --daemon --no-detach`).
//   - Cron: the jobs of /etc/cron.d files run once by the test, each as its
//     user with cron's environment; the mirror's sync line runs in a second
//     sandbox that is the mirror's machine.
//   - nginx: the harness runs nginx/origin.conf and nginx/mirror.conf with
//     their listen lines, roots and socket set for the test.
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "core/strings.h"
#include "core/subprocess.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/nginx_server.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/readme.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/rsync_daemon.h"
#include "tests/harness/sandbox.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::ShellQuote;

// The systemd notification socket a Type=notify service talks to; the
// credentials the kernel attaches tell which process sent a message.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    int on = 1;
    ok_ = fd_ >= 0 &&
          setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0 &&
          bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
          chmod(path.c_str(), 0666) == 0;
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return ok_; }

  // Waits for a message from `pid` with the line `line` (NotifyAccess=main:
  // others are ignored, as systemd does); every message goes to *seen.
  bool WaitFor(pid_t pid, const std::string& line, int timeout_ms,
               std::string* seen) {
    auto end = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      char control[CMSG_SPACE(sizeof(ucred))];
      iovec iov{buf, sizeof buf - 1};
      msghdr m{};
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control;
      m.msg_controllen = sizeof control;
      ssize_t n = recvmsg(fd_, &m, 0);
      if (n < 0) continue;
      pid_t from = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
          from = reinterpret_cast<ucred*>(CMSG_DATA(c))->pid;
      }
      std::string text(buf, n);
      *seen += "[pid " + std::to_string(from) + "] " + text + "\n";
      if (from == pid &&
          ("\n" + text + "\n").find("\n" + line + "\n") != std::string::npos)
        return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

// A job line of a cron.d file.
struct CronJob {
  std::string user, command, line;
};

// The jobs of a cron.d file, and the PATH it sets.
std::vector<CronJob> CronJobs(const std::string& text, std::string* path) {
  std::vector<CronJob> jobs;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("PATH=", 0) == 0) *path = line.substr(5);
    if (line.find_first_of("0123456789*") != 0)
      continue;  // SHELL=, MAILTO=, ...
    std::istringstream fields(line);
    std::string f;
    for (int i = 0; i < 5; ++i) fields >> f;
    CronJob job;
    fields >> job.user;
    std::getline(fields, job.command);
    job.command.erase(0, job.command.find_first_not_of(" \t"));
    job.line = line;
    jobs.push_back(job);
  }
  return jobs;
}

std::map<std::string, std::string> UnitKeys(const std::string& unit) {
  std::map<std::string, std::string> keys;
  std::istringstream in(unit);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || line[0] == '[' ||
        eq == std::string::npos)
      continue;
    keys[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return keys;
}

// `text` without README's notes on testing: paragraphs in parentheses.
std::string WithoutNotes(const std::string& text) {
  std::string out, paragraph, line;
  std::istringstream in(text + "\n");
  while (std::getline(in, line)) {
    paragraph += line + "\n";
    if (!line.empty()) continue;
    if (paragraph[0] != '(') out += paragraph;
    paragraph.clear();
  }
  return out + paragraph;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<pid_t> Children(pid_t pid) {
  std::istringstream in(test::ReadFile("/proc/" + std::to_string(pid) +
                                       "/task/" + std::to_string(pid) +
                                       "/children"));
  std::vector<pid_t> out;
  pid_t p;
  while (in >> p) out.push_back(p);
  return out;
}

class ReadmeProductionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    readme_ = test::ReadmeText();
    // Absolute: commands run inside the sandbox start in /.
    source_ = std::filesystem::absolute(test::SourceDir()).lexically_normal();
    if (source_.size() > 1 && source_.back() == '/') source_.pop_back();
  }

  void TearDown() override {
    // What runs inside the sandboxes goes before them.
    origin_nginx_.reset();
    mirror_nginx_.reset();
    mirror_rsyncd_.reset();
    redirector_.reset();
    origin_rsyncd_.reset();
  }

  std::string Section(const std::string& heading) {
    std::string s = test::ReadmeSection(readme_, heading);
    EXPECT_FALSE(s.empty()) << "README has no section \"" << heading << "\"";
    return s;
  }

  std::string OnlyBlock(const std::string& section, const std::string& info) {
    auto blocks = test::FencedBlocks(section, info);
    EXPECT_EQ(blocks.size(), 1u) << "expected one ```" << info << " block in:\n"
                                 << section;
    return blocks.empty() ? "" : blocks[0];
  }

  // README's example servers become the test's: https and rsync URLs of
  // *.example.org gain the port of the loopback server for that name and
  // scheme.
  std::string Loopback(const std::string& text) {
    static const std::regex url(
        "(https|rsync)://([a-z0-9.-]+\\.example\\.org)/");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), url);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      out += text.substr(last, m.position(0) - last);
      auto port = ports_.find(m[1].str() + "://" + m[2].str());
      if (port == ports_.end()) {
        ADD_FAILURE() << "README names a server the test does not run: "
                      << m[0];
        out += m[0];
      } else {
        out += m[1].str() + "://" + m[2].str() + ":" +
               std::to_string(port->second) + "/";
      }
      last = m.position(0) + m.length(0);
    }
    out += text.substr(last);
    return out;
  }

  // README's placeholders in prose: PATH, ADDR and NAME become the test's
  // file, a documentation address and fra1.
  std::string Placeholders(std::string text) {
    text = std::regex_replace(text, std::regex("\\bPATH\\b"), file_);
    text = std::regex_replace(text, std::regex("\\bADDR\\b"), "203.0.113.7");
    return std::regex_replace(text, std::regex("\\bNAME\\b"), "fra1");
  }

  // Runs script as `who`: "root" (bash in the source directory, as README's
  // reader does after cloning) or a login shell of another account.
  CommandResult RunAs(const std::string& who, const std::string& script,
                      int timeout_ms = 120000) {
    SubprocessOptions o =
        who == "root" ? origin_->Command({"bash", "-c",
                                          "set -e\ncd " + ShellQuote(source_) +
                                              "\n" + script})
                      : origin_->Command(
                            {"runuser", "-l", who, "-c", "set -e\n" + script});
    o.capture_output = true;
    CommandResult r;
    Status s = RunCommand(o, "", timeout_ms, &r);
    if (!s.ok()) r.err += "\nharness: " + s.message();
    return r;
  }

  // Runs a README block's command lines in order as `who`; systemctl and
  // apt-get lines are emulated (see the top of this file). Returns what the
  // commands printed; a failing command fails the test.
  std::string RunBlock(const std::string& who, const std::string& block) {
    std::string pending, transcript;
    auto flush = [&] {
      if (pending.empty()) return;
      CommandResult r = RunAs(who, pending);
      transcript += r.out + r.err;
      EXPECT_EQ(r.exit_code, 0) << "as " << who << ":\n" << r.out << r.err;
      pending.clear();
    };
    for (const std::string& raw : test::CommandLines(block)) {
      std::string line = Loopback(raw);
      if (line.rfind("systemctl ", 0) == 0 ||
          line.rfind("apt-get install ", 0) == 0 ||
          line.rfind("make deb", 0) == 0) {
        flush();
        transcript += "+ " + line + "\n";
        Emulate(line);
        continue;
      }
      pending += "printf '+ %s\\n' " + ShellQuote(line) + "\n" + line + "\n";
    }
    flush();
    return transcript;
  }

  void Emulate(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    std::string w;
    while (in >> w && w[0] != '#') words.push_back(w);
    if (words.size() == 2 && words[0] == "make" && words[1] == "deb") {
      // The package the test found before it began (see deb_).
      EXPECT_TRUE(std::filesystem::exists(source_ + "/" + deb_)) << deb_;
    } else if (words[0] == "apt-get") {
      for (size_t i = 2; i < words.size(); ++i) {
        SubprocessOptions o;
        o.argv = {"dpkg-query", "-W", "-f=${Status}", words[i]};
        o.capture_output = true;
        CommandResult r;
        RunCommand(o, "", 30000, &r);
        EXPECT_EQ(r.out, "install ok installed")
            << "README installs " << words[i]
            << ", not an installed Debian package: " << r.err;
      }
    } else if (words.size() == 2 && words[1] == "daemon-reload") {
      VerifyUnit();
    } else if (words.size() == 4 && words[1] == "enable" &&
               words[2] == "--now" && words[3] == "waymark-redirector") {
      StartService();
    } else if (words.size() == 3 && words[1] == "reload" &&
               words[2] == "waymark-redirector") {
      ReloadService();
    } else {
      ADD_FAILURE() << "the test cannot emulate: " << line;
    }
  }

  // Where systemd finds the unit: an administrator's copy in /etc first,
  // else the package's.
  std::string UnitPath() {
    return origin_
        ->Bash(
            "for d in /etc/systemd/system /lib/systemd/system; do "
            "f=$d/waymark-redirector.service; [ -e $f ] && echo -n $f && "
            "exit; done")
        .out;
  }

  // `systemd-analyze verify`, which must be silent, of the unit systemd
  // would load.
  void VerifyUnit() {
    const std::string unit = UnitPath();
    ASSERT_FALSE(unit.empty()) << "no waymark-redirector.service installed";
    CommandResult r = origin_->Bash("systemd-analyze verify " + unit);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out + r.err, "")
        << "systemd-analyze verify warns about " << unit;
  }

  // `systemctl enable --now`: the unit as systemd would run it.
  void StartService() {
    VerifyUnit();
    if (HasFatalFailure()) return;
    std::string unit = origin_->Bash("cat " + UnitPath()).out;
    ASSERT_TRUE(Contains(unit, "\n[Install]\nWantedBy=multi-user.target\n"))
        << unit;
    unit_ = UnitKeys(unit);
    ASSERT_EQ(unit_["Type"], "notify");
    ASSERT_EQ(unit_["NotifyAccess"], "main");
    const std::string user = unit_["User"], group = unit_["Group"];
    ASSERT_FALSE(user.empty());
    notify_ = std::make_unique<NotifySocket>(origin_->RunPath("test-notify"));
    ASSERT_TRUE(notify_->ok());
    std::string home =
        origin_->Bash("getent passwd " + user + " | cut -d: -f6").out;
    home = home.substr(0, home.find('\n'));
    // The user's groups, as initgroups() gives them, and
    // SupplementaryGroups= (space-separated) on top.
    std::string groups = "$(id -G " + user + " | tr ' ' ,)";
    for (const std::string& g : SplitWhitespace(unit_["SupplementaryGroups"]))
      groups += "," + g;
    std::string script =
        "install -d -o " + user + " -g " + group + " -m " +
        unit_["RuntimeDirectoryMode"] + " /run/" + unit_["RuntimeDirectory"] +
        "\nexec setpriv --reuid=" + user + " --regid=" + group +
        " --groups=" + groups +
        " -- env -i "
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin" +
        " LANG=C.UTF-8 NOTIFY_SOCKET=/run/test-notify USER=" + user +
        " LOGNAME=" + user + " HOME=" + home + " " + unit_["ExecStart"] +
        " >>/run/test-journal 2>&1";
    // Its own process group, which the Subprocess kills whole if the test
    // ends early: the unit's cgroup.
    SubprocessOptions o = origin_->Command({"bash", "-c", script});
    o.new_process_group = true;
    ASSERT_TRUE(Subprocess::Start(o, &redirector_).ok());
    std::string seen;
    ASSERT_TRUE(notify_->WaitFor(redirector_->pid(), "READY=1", 30000, &seen))
        << "no READY=1 from the main process; got:\n"
        << seen << Journal();
    // PIDFile= names the main process; the socket is where origin.conf
    // looks for it.
    std::string pidfile = unit_["PIDFile"];
    ASSERT_EQ(pidfile.rfind("/run/", 0), 0u);
    EXPECT_EQ(test::ReadFile(origin_->RunPath(pidfile.substr(5))),
              std::to_string(redirector_->pid()) + "\n");
    struct stat st;
    ASSERT_EQ(stat(origin_->RunPath("waymark/redirector.sock").c_str(), &st), 0)
        << Journal();
    EXPECT_EQ(st.st_uid, waymark_uid_)
        << "the socket is not the waymark account's";
    // Only nginx's group may connect besides (redirector.listen_mode and
    // listen_group's defaults, SupplementaryGroups= of the unit).
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    struct group* www = getgrnam("www-data");
    ASSERT_NE(www, nullptr);
    EXPECT_EQ(st.st_gid, www->gr_gid) << "the socket is not nginx's group's";
  }

  void ReloadService() {
    ASSERT_TRUE(redirector_ && redirector_->Running()) << Journal();
    SubprocessOptions o = origin_->Command({"sh", "-c", unit_["ExecReload"]});
    o.env.push_back("MAINPID=" + std::to_string(redirector_->pid()));
    o.capture_output = true;
    CommandResult r;
    ASSERT_TRUE(RunCommand(o, "", 10000, &r).ok());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string seen;
    EXPECT_TRUE(
        notify_->WaitFor(redirector_->pid(), "RELOADING=1", 10000, &seen))
        << seen;
    EXPECT_TRUE(notify_->WaitFor(redirector_->pid(), "READY=1", 20000, &seen))
        << seen << Journal();
    EXPECT_TRUE(Contains(Journal(), "reloaded")) << Journal();
  }

  // `systemctl stop`: KillSignal= to every process of the unit (KillMode=
  // control-group), then the main process must exit cleanly in time.
  void StopService() {
    ASSERT_TRUE(redirector_ && redirector_->Running()) << Journal();
    static const std::map<std::string, int> kSignals = {
        {"SIGTERM", SIGTERM}, {"SIGQUIT", SIGQUIT}, {"SIGINT", SIGINT}};
    ASSERT_EQ(kSignals.count(unit_["KillSignal"]), 1u) << unit_["KillSignal"];
    int sig = kSignals.at(unit_["KillSignal"]);
    std::vector<pid_t> workers = Children(redirector_->pid());
    EXPECT_FALSE(workers.empty());
    redirector_->Signal(sig);
    for (pid_t w : workers) kill(w, sig);
    int code = -1;
    ASSERT_TRUE(
        redirector_->Wait(std::stoi(unit_["TimeoutStopSec"]) * 1000, &code)
            .ok())
        << "not stopped within TimeoutStopSec=" << unit_["TimeoutStopSec"];
    EXPECT_EQ(code, 0) << Journal();
    std::string seen;
    EXPECT_TRUE(notify_->WaitFor(redirector_->pid(), "STOPPING=1", 1000, &seen))
        << seen;
    for (pid_t w : workers)
      EXPECT_NE(kill(w, 0), 0) << "worker " << w << " still runs";
    EXPECT_NE(access(origin_->RunPath("waymark/redirector.sock").c_str(), F_OK),
              0)
        << "socket left";
    EXPECT_NE(
        access(origin_->RunPath(unit_["PIDFile"].substr(5)).c_str(), F_OK), 0)
        << "pidfile left";
    redirector_.reset();
  }

  std::string Journal() {
    return "\njournal:\n" + test::ReadFile(origin_->RunPath("test-journal"));
  }

  // Runs `script` with sh as the system account `user` (whose shell is
  // nologin), as systemd and cron run it: exit code, stdout and stderr.
  CommandResult AsAccount(const std::string& user, const std::string& script) {
    SubprocessOptions o =
        origin_->Command({"setpriv", "--reuid=" + user, "--regid=" + user,
                          "--init-groups", "/bin/sh", "-c", script});
    o.capture_output = true;
    CommandResult r;
    Status s = RunCommand(o, "", 60000, &r);
    if (!s.ok()) r.err += "\nharness: " + s.message();
    return r;
  }

  // Runs each job of a cron.d file in the origin's sandbox once, as cron
  // would: its user, `sh -c`, the file's PATH, cron's few variables.
  void RunCronJobs(const std::string& cron_file) {
    std::string path;
    auto jobs = CronJobs(origin_->Bash("cat " + cron_file).out, &path);
    ASSERT_GE(jobs.size(), 5u) << cron_file;
    ASSERT_FALSE(path.empty());
    for (const CronJob& job : jobs) {
      std::string home =
          origin_->Bash("getent passwd " + job.user + " | cut -d: -f6").out;
      home = home.substr(0, home.find('\n'));
      SubprocessOptions o = origin_->Command(
          {"setpriv", "--reuid=" + job.user, "--regid=" + job.user,
           "--init-groups", "env", "-i", "PATH=" + path, "SHELL=/bin/sh",
           "HOME=" + home, "LOGNAME=" + job.user, "/bin/sh", "-c",
           job.command});
      o.capture_output = true;
      CommandResult r;
      RunCommand(o, "", 120000, &r);
      EXPECT_EQ(r.exit_code, 0) << cron_file << ": " << job.line << "\n"
                                << r.out << r.err;
    }
  }

  // fra1: a second sandbox (the mirror's machine) whose /srv the mirror's
  // cron line fills from the origin, nginx/mirror.conf serving it over
  // HTTPS, and an rsync daemon offering it as module `mirror`.
  void StartMirror(const std::string& cron_line) {
    ASSERT_TRUE(test::Sandbox::Create(&mirror_).ok());
    ASSERT_EQ(mirror_->Bash("echo '127.0.0.1 repo.example.org' >> /etc/hosts")
                  .exit_code,
              0);
    std::string path;
    auto jobs = CronJobs(cron_line, &path);
    ASSERT_EQ(jobs.size(), 1u)
        << "README's mirror cron line is not a cron.d line:\n"
        << cron_line;
    EXPECT_EQ(jobs[0].user, "root");
    std::string sync = Loopback(jobs[0].command);
    CommandResult r = mirror_->Bash(sync);
    ASSERT_EQ(r.exit_code, 0) << sync << "\n" << r.out << r.err;
    // The copy is the origin's repository, all of it (mirror-full).
    SubprocessOptions d;
    d.argv = {"diff", "-r", origin_->SrvPath("repository/mirror"),
              mirror_->SrvPath("repository")};
    d.capture_output = true;
    CommandResult dr;
    RunCommand(d, "", 30000, &dr);
    EXPECT_EQ(dr.exit_code, 0) << sync << "\n" << dr.out << dr.err;

    // Without its comments, whose listen lines the harness would wait for.
    std::string conf =
        std::regex_replace(test::ReadFile(source_ + "/nginx/mirror.conf"),
                           std::regex("(^|\n)[ \t]*#[^\n]*"), "");
    const std::string port =
        std::to_string(ports_["https://fra1.mirror.example.org"]);
    conf = std::regex_replace(
        conf, std::regex("listen 80;"),
        "listen 127.0.0.1:" + port + " ssl; listen [::1]:" + port +
            " ssl; ssl_certificate " + (tmp_ / "cert.pem") +
            "; ssl_certificate_key " + (tmp_ / "key.pem") + ";");
    conf = std::regex_replace(conf, std::regex("listen \\[::\\]:80;"), "");
    conf = std::regex_replace(conf, std::regex("root /srv/repository;"),
                              "root " + mirror_->SrvPath("repository") + ";");
    Status s = test::NginxServer::Start(conf, &mirror_nginx_);
    ASSERT_TRUE(s.ok()) << s.message();
    s = test::RsyncDaemon::Start(
        {{"mirror", mirror_->SrvPath("repository"), "", ""}}, &mirror_rsyncd_);
    ASSERT_TRUE(s.ok()) << s.message();
    ports_["rsync://fra1.mirror.example.org"] = mirror_rsyncd_->port();
  }

  std::string readme_, source_;
  // README step 2's package, ./build/deb/waymark_VERSION_ARCH.deb.
  std::string deb_;
  std::string file_;  // the repository file README's commands ask for
  uid_t waymark_uid_ = 0;
  uid_t scan_uid_ = 0;  // waymark-scan
  test::TempDir tmp_;
  test::PostgresCluster pg_;
  std::unique_ptr<test::Sandbox> origin_, mirror_;
  std::map<std::string, int> ports_;  // "https://repo.example.org" -> port
  std::map<std::string, std::string> unit_;
  std::unique_ptr<NotifySocket> notify_;
  std::unique_ptr<Subprocess> redirector_, origin_rsyncd_;
  std::unique_ptr<test::NginxServer> origin_nginx_, mirror_nginx_;
  std::unique_ptr<test::RsyncDaemon> mirror_rsyncd_;
};

TEST_F(ReadmeProductionTest, EveryCommandRunsOnASandboxedMachine) {
  // --- the machine
  // ------------------------------------------------------------
  ASSERT_EQ(geteuid(), 0u)
      << "README's production steps run as root; so does this test";
  {
    SubprocessOptions o;
    o.argv = {source_ + "/scripts/install-deps", "--check"};
    o.capture_output = true;
    CommandResult r;
    RunCommand(o, "", 30000, &r);
    // Else README's install-deps line would install packages onto the host.
    ASSERT_EQ(r.exit_code, 0) << "run scripts/install-deps first: " << r.err;
  }
  // README step 2 installs the package `make deb` makes of this tree:
  // build/deb/waymark_<debian/changelog's version>_<architecture>.deb.
  {
    std::smatch m;
    const std::string section2 = Section("### 2.");
    ASSERT_TRUE(std::regex_search(
        section2, m, std::regex("\napt install (\\./build/deb/\\S+\\.deb)\n")))
        << section2;
    deb_ = m[1];
    std::string changelog = test::ReadFile(source_ + "/debian/changelog");
    ASSERT_TRUE(
        std::regex_search(changelog, m, std::regex("^waymark \\(([^)]+)\\)")))
        << changelog.substr(0, 200);
    const std::string version = m[1];
    SubprocessOptions o;
    o.argv = {"dpkg", "--print-architecture"};
    o.capture_output = true;
    CommandResult r;
    ASSERT_TRUE(RunCommand(o, "", 30000, &r).ok());
    const std::string arch = r.out.substr(0, r.out.find('\n'));
    ASSERT_EQ(deb_, "./build/deb/waymark_" + version + "_" + arch + ".deb")
        << "README step 2 names another file than `make deb` makes";
    // And so does every other mention (Upgrading, autopkgtest).
    const std::regex named("build/deb/waymark_[0-9][^ `/]*\\.deb");
    for (auto it = std::sregex_iterator(readme_.begin(), readme_.end(), named);
         it != std::sregex_iterator(); ++it) {
      EXPECT_EQ("./" + it->str(), deb_);
    }
    if (!std::filesystem::exists(source_ + "/" + deb_))
      GTEST_SKIP() << "NOT RUN: README step 2 installs " << deb_
                   << ", which is not there. `make test` builds it first "
                      "(and CI with `make deb`); run `make deb` before "
                      "running this test on its own.";
  }
  const std::string host_passwd = test::ReadFile("/etc/passwd");
  // /usr copy-on-write too: apt installs the package into the sandbox.
  Status s = test::Sandbox::Create(&origin_, {/*whole_system=*/true});
  // A container without CAP_SYS_ADMIN cannot make the sandbox: reported as
  // skipped (and counted so by tests/run), never as passed.
  if (s.code() == Status::Code::kFailedPrecondition)
    GTEST_SKIP() << s.message();
  ASSERT_TRUE(s.ok()) << s.message();
  s = pg_.Start();
  ASSERT_TRUE(s.ok()) << s.message();
  // Reachable by every account (the socket itself is world-connectable).
  ASSERT_EQ(chmod(pg_.socket_dir().c_str(), 0755), 0);
  ASSERT_EQ(
      symlink(pg_.socket_dir().c_str(), origin_->RunPath("postgresql").c_str()),
      0);

  for (const char* server :
       {"https://repo.example.org", "rsync://repo.example.org",
        "https://fra1.mirror.example.org"}) {
    ports_[server] = test::FreePort();
  }
  // One certificate for both names, trusted by the sandbox's CA bundle.
  {
    SubprocessOptions o;
    o.argv = {"openssl",
              "req",
              "-x509",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:prime256v1",
              "-nodes",
              "-days",
              "2",
              "-subj",
              "/CN=repo.example.org",
              "-addext",
              "subjectAltName=DNS:repo.example.org,DNS:fra1.mirror.example.org",
              "-keyout",
              tmp_ / "key.pem",
              "-out",
              tmp_ / "cert.pem"};
    o.capture_output = true;
    CommandResult r;
    ASSERT_TRUE(RunCommand(o, "", 30000, &r).ok());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult r = origin_->Bash(
      // fra1 has IPv6 too, as waymark-trace checks each family.
      "echo '127.0.0.1 repo.example.org fra1.mirror.example.org' >> "
      "/etc/hosts\n"
      "echo '::1 fra1.mirror.example.org' >> /etc/hosts\n"
      "cat " +
      (tmp_ / "cert.pem") +
      " >> /etc/ssl/certs/ca-certificates.crt\n"
      // `alice`: README's stand-in for the operator's own login.
      "useradd --create-home --shell /bin/bash alice\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The repository of step 1, with the file README's commands ask for, an
  // unstable and an archived release (which [mirror] leaves out), and a
  // symlink alias.
  const std::string section11 = Section("### 11.");
  {
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(section11, m, std::regex("waymark pick (\\S+)")))
        << section11;
    file_ = m[1];
  }
  const std::string repo = origin_->SrvPath("repository/mirror");
  auto put = [&](const std::string& path, size_t size) {
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i)
      data[i] = static_cast<char>((i * 7919 + path.size()) % 251);
    test::WriteFile(repo + "/" + path, data);
  };
  put(file_, 300000);
  put("releases/server/debian/unstable/v1.3.0-rc1/"
      "demo-server_1.3.0-rc1_amd64.deb",
      200000);
  put("archive/v1.0.0/demo-server_1.0.0_amd64.deb", 100000);
  put("debian/pool/main/d/demo-server/demo-server_1.2.0_amd64.deb", 120000);
  test::WriteFile(repo + "/debian/dists/bookworm/Release", "Suite: stable\n");
  ASSERT_EQ(symlink("v1.2.0",
                    (repo + "/releases/server/debian/stable/latest").c_str()),
            0);

  // --- 2. Install
  // ---------------------------------------------------------------
  {
    SCOPED_TRACE("README: 2. Install");
    RunBlock("root", OnlyBlock(Section("### 2."), "console"));
    r = origin_->Bash(
        "set -e; id -u waymark; id -u waymark-scan; getent passwd waymark "
        "waymark-scan | cut -d: -f6,7; stat -c '%U:%G %a' /etc/waymark "
        "/etc/waymark/waymark.conf; id -nG alice; id -nG waymark-scan; "
        "dpkg-query -W -f='${Status}\\n' waymark; "
        "for p in /usr/bin/waymark /usr/bin/waymark-scan "
        "/usr/bin/waymark-trace "
        "/usr/sbin/waymark-redirector; do $p --version >/dev/null; done");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::istringstream out(r.out);
    out >> waymark_uid_ >> scan_uid_;
    EXPECT_LT(waymark_uid_, 1000u) << "waymark is not a system account";
    EXPECT_LT(scan_uid_, 1000u) << "waymark-scan is not a system account";
    EXPECT_NE(waymark_uid_, scan_uid_);
    EXPECT_TRUE(Contains(
        r.out,
        "/nonexistent:/usr/sbin/nologin\n/nonexistent:/usr/sbin/nologin\n"
        "root:root 755\nroot:waymark 640\nalice waymark\n"
        "waymark-scan waymark\ninstall ok installed\n"))
        << r.out;
    // Nothing runs yet: the unit is not enabled.
    EXPECT_NE(
        origin_->Bash("ls /etc/systemd/system/*/waymark-redirector.service")
            .exit_code,
        0);
    // The redirector's account cannot change its configuration.
    for (const char* user : {"waymark", "waymark-scan"}) {
      CommandResult w =
          AsAccount(user,
                    "touch /etc/waymark/x || echo denied; "
                    "echo >> /etc/waymark/waymark.conf || echo denied");
      EXPECT_EQ(w.out, "denied\ndenied\n") << user << ": " << w.err;
    }
    EXPECT_EQ(test::ReadFile("/etc/passwd"), host_passwd)
        << "the sandbox leaked to the host";
  }

  // --- 3. The database
  // ------------------------------------------------------------
  {
    SCOPED_TRACE("README: 3. The database");
    RunBlock("root", OnlyBlock(Section("### 3."), "console"));
    std::string dsn = pg_.Dsn("waymark");
    EXPECT_EQ(
        test::QueryRows(
            dsn,
            "SELECT r.rolname, string_agg(g.rolname, ',' ORDER BY g.rolname) "
            "FROM pg_roles r JOIN pg_auth_members a ON a.member = r.oid "
            "JOIN pg_roles g ON g.oid = a.roleid WHERE r.rolcanlogin AND "
            "r.rolname IN ('waymark', 'alice') GROUP BY 1 ORDER BY 1"),
        "alice|waymark_admin\n"
        "waymark|waymark_redirector\n");
    EXPECT_EQ(
        test::QueryRows(
            dsn,
            "SELECT r.rolname, string_agg(g.rolname, ',' ORDER BY g.rolname) "
            "FROM pg_roles r JOIN pg_auth_members a ON a.member = r.oid "
            "JOIN pg_roles g ON g.oid = a.roleid WHERE r.rolcanlogin AND "
            "r.rolname = 'waymark-scan' GROUP BY 1"),
        "waymark-scan|waymark_scanner,waymark_trace\n");
    // As the redirector's account (the role of its name, as with peer
    // authentication): the inventory may be read and download counts
    // appended; listings, mirrors and their credentials are out of reach.
    auto psql = [&](const std::string& user, const std::string& sql) {
      return AsAccount(user, "psql -X -q -tA -v ON_ERROR_STOP=1 waymark -c " +
                                 ShellQuote(sql));
    };
    for (const char* sql :
         {"DELETE FROM mirror_files", "UPDATE mirrors SET enabled = true",
          "SELECT rsync_url FROM mirrors", "SELECT ftp_url FROM mirrors",
          "SELECT admin_email FROM mirrors", "SELECT * FROM mirrors",
          "SELECT trace_detail FROM mirrors",
          "SELECT detail FROM mirror_health",
          "INSERT INTO files (path, size, mtime) VALUES ('x', 1, now())"}) {
      r = psql("waymark", sql);
      EXPECT_NE(r.exit_code, 0) << sql;
      EXPECT_TRUE(Contains(r.err, "permission denied")) << sql << ": " << r.err;
    }
    r = psql("waymark",
             "SELECT count(*) FROM mirror_files, files, file_aliases");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = psql("waymark", "SELECT count(name) FROM mirrors");
    EXPECT_EQ(r.out, "0\n") << r.err;
    r = AsAccount("waymark",
                  "psql -X -q -tA -v ON_ERROR_STOP=1 waymark <<'EOF'\n"
                  "BEGIN;\n"
                  "INSERT INTO downloads_pending (day, path, mirror_id, "
                  "country, downloads) "
                  "VALUES (current_date, 'a.deb', 0, 'DE', 1);\n"
                  "SELECT sum(downloads) FROM downloads_pending;\n"
                  "ROLLBACK;\n"
                  "EOF");
    EXPECT_EQ(r.out, "1\n") << r.err;
    // The cron account's role reads the credentials it scans with.
    r = psql("waymark-scan", "SELECT count(rsync_url) FROM mirrors");
    EXPECT_EQ(r.out, "0\n") << r.err;
  }

  // --- 4. The origin's rsync daemon
  // -------------------------------------------------
  {
    SCOPED_TRACE("README: 4. The origin's rsync daemon");
    ASSERT_TRUE(
        origin_->WriteFile("/etc/rsyncd.conf", OnlyBlock(Section("### 4."), ""))
            .ok());
    int port = ports_["rsync://repo.example.org"];
    ASSERT_TRUE(
        Subprocess::Start(origin_->Command({"rsync", "--daemon", "--no-detach",
                                            "--address=127.0.0.1",
                                            "--port=" + std::to_string(port),
                                            "--log-file=/run/rsyncd.log"}),
                          &origin_rsyncd_)
            .ok());
    ASSERT_TRUE(test::WaitForPort("127.0.0.1", port, 10000))
        << test::ReadFile(origin_->RunPath("rsyncd.log"));
    auto list = [&](const std::string& module) {
      SubprocessOptions o;
      o.argv = {
          "rsync", "-r", "--list-only",
          "rsync://127.0.0.1:" + std::to_string(port) + "/" + module + "/"};
      o.capture_output = true;
      CommandResult lr;
      RunCommand(o, "", 30000, &lr);
      EXPECT_EQ(lr.exit_code, 0) << module << ": " << lr.err;
      return lr.out;
    };
    std::string stable = list("mirror"), full = list("mirror-full");
    EXPECT_TRUE(Contains(stable, file_)) << stable;
    EXPECT_FALSE(Contains(stable, "unstable")) << stable;
    EXPECT_FALSE(Contains(stable, "archive")) << stable;
    for (const char* path :
         {"releases/server/debian/unstable/v1.3.0-rc1", "archive/v1.0.0",
          "debian/dists/bookworm/Release"}) {
      EXPECT_TRUE(Contains(full, path)) << full;
    }
  }

  // --- 6. waymark.conf
  // -------------------------------------------------------------
  {
    SCOPED_TRACE("README: 6. waymark.conf");
    const std::string section6 = Section("### 6.");
    ASSERT_TRUE(
        origin_
            ->WriteFile("/etc/waymark/waymark.conf", OnlyBlock(section6, "ini"))
            .ok());
    EXPECT_EQ(origin_->Bash("stat -c '%U:%G %a' /etc/waymark/waymark.conf").out,
              "root:waymark 640\n");
    bool checked = false;
    for (const std::string& code : test::InlineCode(section6)) {
      if (!Contains(code, "waymark-redirector -t")) continue;
      RunBlock("root", code);
      checked = true;
    }
    EXPECT_TRUE(checked) << "section 6 lost its waymark-redirector -t";
  }

  // --- 8. The redirector under systemd
  // ---------------------------------------------------
  {
    SCOPED_TRACE("README: 8. The redirector under systemd");
    RunBlock("root", OnlyBlock(Section("### 8."), "console"));
    ASSERT_TRUE(redirector_ && redirector_->Running());
  }

  // --- 7. The origin's nginx, in front of it: the package's example
  // --------------------------------------------
  {
    SCOPED_TRACE("README: 7. The origin's nginx");
    r = origin_->Bash("cat /usr/share/doc/waymark/examples/origin.conf");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    int port = ports_["https://repo.example.org"];
    std::string listen = "listen 127.0.0.1:" + std::to_string(port) +
                         " ssl;\n    ssl_certificate " + (tmp_ / "cert.pem") +
                         ";\n    ssl_certificate_key " + (tmp_ / "key.pem") +
                         ";";
    s = test::NginxServer::Start(
        test::OriginConfForTest(r.out, listen, repo,
                                origin_->RunPath("waymark/redirector.sock")),
        &origin_nginx_);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // --- 9. Cron, before any mirror: the trace stamp, the repository scan
  // -------------------
  {
    SCOPED_TRACE("README: 9. Cron");
    RunBlock("root", OnlyBlock(Section("### 9."), "console"));
    RunCronJobs("/etc/cron.d/waymark");
    struct stat st;
    ASSERT_EQ(stat((repo + "/mirrorsync").c_str(), &st), 0)
        << "no trace file stamped";
    EXPECT_EQ(st.st_uid, scan_uid_);
    // Only the trace file: the repository's own entries stay root's, and
    // the redirector's account may add nothing.
    for (const char* user : {"waymark", "waymark-scan"}) {
      CommandResult w =
          AsAccount(user,
                    "cd /srv/repository/mirror; mv releases moved 2>/dev/null "
                    "|| echo denied; "
                    "rm -f debian/dists/bookworm/Release 2>/dev/null; test -e "
                    "debian/dists/bookworm/Release && echo kept");
      EXPECT_EQ(w.out, "denied\nkept\n") << user << ": " << w.err;
    }
    EXPECT_EQ(
        AsAccount("waymark",
                  "touch /srv/repository/mirror/x 2>/dev/null || echo denied")
            .out,
        "denied\n");
  }

  // --- 5. Each mirror: fra1 syncs with README's cron line
  // ----------------------------------
  {
    SCOPED_TRACE("README: 5. Each mirror");
    StartMirror(OnlyBlock(Section("### 5."), ""));
    if (HasFatalFailure()) return;
  }

  // --- 10. Adding and enabling mirrors, as alice
  // --------------------------------------------
  {
    SCOPED_TRACE("README: 10. Adding and enabling mirrors");
    std::string out =
        RunBlock("alice", OnlyBlock(Section("### 10."), "console"));
    EXPECT_EQ(
        test::QueryRows(pg_.Dsn("waymark"),
                        "SELECT name, enabled, last_scan_ok FROM mirrors"),
        "fra1|t|t\n")
        << out;
    EXPECT_TRUE(std::regex_search(out, std::regex("fra1.*up"))) << out;
  }

  // --- 11. Checking, as alice
  // ------------------------------------------------------------
  {
    SCOPED_TRACE("README: 11. Checking");
    std::string block = OnlyBlock(section11, "console");
    // The redirector takes up to 5 s to see the enabled mirror.
    std::string curl;
    for (const auto& line : test::CommandLines(block)) {
      if (line.rfind("curl ", 0) == 0) curl = Loopback(line);
    }
    ASSERT_FALSE(curl.empty()) << block;
    for (int i = 0; i < 100 && !Contains(RunAs("alice", curl).out, " 302");
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::string out = RunBlock("alice", block);
    const std::string fra1 =
        "https://fra1.mirror.example.org:" +
        std::to_string(ports_["https://fra1.mirror.example.org"]) + "/";
    EXPECT_TRUE(std::regex_search(out, std::regex("HTTP/[0-9.]+ 302"))) << out;
    EXPECT_TRUE(std::regex_search(
        out, std::regex("\nlocation: " + fra1 + file_, std::regex::icase)))
        << out;
    // pick ranks fra1 first.
    EXPECT_TRUE(std::regex_search(
        out, std::regex("RANK +MIRROR +TIER[^\n]*\n *1 +fra1 ")))
        << out;
    // The prose's commands: the mirror list, the stats, Metalink with
    // aria2c, ?sha256 with sha256sum, the metrics.
    std::string prose;
    for (const std::string& code : test::InlineCode(WithoutNotes(section11))) {
      std::string c = Loopback(Placeholders(code));
      if (c.rfind("https://", 0) == 0)
        c = "curl -sf " + ShellQuote(c) + " | head -c 300; echo";
      if (c.rfind("/mirrorstats", 0) == 0)
        c = "curl -sf " +
            ShellQuote(Loopback("https://repo.example.org/") + c.substr(1)) +
            " | head -c 300; echo";
      if (c.rfind("curl ", 0) == 0 || c.rfind("aria2c ", 0) == 0)
        prose += c + "\n";
    }
    EXPECT_TRUE(Contains(prose, "aria2c ")) << prose;
    EXPECT_TRUE(Contains(prose, "sha256sum -c")) << prose;
    out = RunBlock("alice", "mkdir -p download && cd download\n" + prose);
    EXPECT_TRUE(Contains(out, "<html")) << out;
    EXPECT_TRUE(Contains(out, "Download complete")) << out;
    EXPECT_TRUE(Contains(out, ": OK")) << out;
    EXPECT_TRUE(Contains(out, "waymark_")) << out;
  }

  // --- cron again, with a mirror: scans, checks, roll-up as waymark-scan
  // ------------
  {
    SCOPED_TRACE("cron/waymark with fra1");
    RunCronJobs("/etc/cron.d/waymark");
  }

  // --- Troubleshooting, as alice
  // ------------------------------------------------------------
  {
    SCOPED_TRACE("README: Troubleshooting");
    std::string cmds;
    for (const std::string& code :
         test::InlineCode(WithoutNotes(Section("## Troubleshooting")))) {
      if (code.rfind("waymark ", 0) == 0) cmds += Placeholders(code) + "\n";
    }
    EXPECT_GE(test::CommandLines(cmds).size(), 5u) << cmds;
    std::string out = RunBlock("alice", cmds);
    EXPECT_TRUE(Contains(out, "fra1")) << out;
  }

  // --- GeoIP: the look-up, and the reload after new databases
  // ------------------------------
  {
    SCOPED_TRACE("README: GeoIP");
    std::string cmds;
    for (const std::string& code :
         test::InlineCode(WithoutNotes(Section("## GeoIP")))) {
      // Not `location update`: it downloads the database from the internet.
      if (code.rfind("waymark ", 0) == 0 || code.rfind("systemctl ", 0) == 0)
        cmds += Placeholders(code) + "\n";
    }
    EXPECT_EQ(test::CommandLines(cmds).size(), 2u) << cmds;
    std::string out = RunBlock("alice", cmds);
    EXPECT_TRUE(Contains(out, "203.0.113.7")) << out;
  }

  // --- Upgrading, as root
  // ------------------------------------------------------------------
  {
    SCOPED_TRACE("README: Upgrading");
    std::string out =
        RunBlock("root", OnlyBlock(Section("## Upgrading"), "console"));
    EXPECT_TRUE(Contains(out, "up to date")) << out;
    r = RunAs("alice", Loopback("curl -sI https://repo.example.org/" + file_));
    EXPECT_TRUE(std::regex_search(r.out, std::regex("HTTP/[0-9.]+ 302")))
        << r.out << r.err;
  }

  // A download, counted by the redirector as the waymark role (written when
  // its workers stop at the latest).
  r = RunAs(
      "alice",
      Loopback(
          "curl -s -o /dev/null -w '%{http_code}' https://repo.example.org/" +
          file_));
  EXPECT_EQ(r.out, "302") << r.err;
  StopService();
  EXPECT_EQ(test::QueryRows(pg_.Dsn("waymark"),
                            "SELECT sum(downloads) FROM download_counts"),
            "1\n");

  // --- Reports, as alice: that download, by mirror
  // ---------------------
  {
    SCOPED_TRACE("README: Reports");
    std::string cmds;
    for (const std::string& code :
         test::InlineCode(WithoutNotes(Section("## Reports")))) {
      if (code.rfind("waymark ", 0) == 0 || code.rfind("psql ", 0) == 0)
        cmds += code + "\n";
    }
    EXPECT_EQ(test::CommandLines(cmds).size(), 2u) << cmds;
    std::string out = RunBlock("alice", cmds);
    EXPECT_TRUE(
        std::regex_search(out, std::regex("\\n fra1 +\\|[^\\n]*\\| +1 +\\|")))
        << out;
  }
}

// README's "Other systems": `make install` and what the package would have
// done, as root on a sandboxed machine of its own, then the cron file's
// copy that the prose names.
TEST_F(ReadmeProductionTest, OtherSystemsInstallRunsOnASandboxedMachine) {
  ASSERT_EQ(geteuid(), 0u) << "README's make install runs as root";
  Status s = test::Sandbox::Create(&origin_);
  if (s.code() == Status::Code::kFailedPrecondition)
    GTEST_SKIP() << s.message();
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string section = Section("## Other systems");
  RunBlock("root", OnlyBlock(section, "console"));
  std::string copy;
  for (const std::string& code : test::InlineCode(WithoutNotes(section))) {
    if (code.rfind("cp ", 0) == 0) copy += code + "\n";
  }
  ASSERT_EQ(test::CommandLines(copy).size(), 1u) << copy;
  RunBlock("root", copy);
  CommandResult r = origin_->Bash(
      "set -e; getent passwd waymark waymark-scan | cut -d: -f6,7; "
      "id -nG waymark-scan; stat -c '%U:%G %a' /etc/waymark "
      "/etc/waymark/waymark.conf /etc/cron.d/waymark; "
      "grep '^PATH=' /etc/cron.d/waymark; "
      "grep '^ExecStart=' /etc/systemd/system/waymark-redirector.service; "
      "for p in /usr/local/bin/waymark /usr/local/sbin/waymark-scan "
      "/usr/local/sbin/waymark-trace /usr/local/sbin/waymark-redirector; do "
      "$p --version >/dev/null; done");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(
      r.out,
      "/nonexistent:/usr/sbin/nologin\n/nonexistent:/usr/sbin/nologin\n"
      "waymark-scan waymark\nroot:root 755\nroot:waymark 640\n"
      "root:root 644\n"
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
      "ExecStart=/usr/local/sbin/waymark-redirector --foreground\n");
  // The accounts cannot change the configuration.
  for (const char* user : {"waymark", "waymark-scan"}) {
    CommandResult w =
        AsAccount(user, "echo >> /etc/waymark/waymark.conf || echo denied");
    EXPECT_EQ(w.out, "denied\n") << user << ": " << w.err;
  }
}

}  // namespace
}  // namespace waymark
