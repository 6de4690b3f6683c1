// The shipped systemd/waymark-redirector.service: locked down (systemd's
// own exposure score at most 2.5), and its system call filter leaves the
// redirector everything it does. There is no systemd to start units here,
// so the filter is checked the other way round: the redirector runs the
// real stack under strace, through start-up, requests of every kind, a
// reload, a worker's death and a stop, and every system call it made must
// be in the set the unit's SystemCallFilter allows (as systemd-analyze
// lists it). README's production test runs `systemd-analyze verify`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "core/strings.h"
#include "core/subprocess.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

std::string UnitPath() {
  return test::SourceDir() + "/systemd/waymark-redirector.service";
}

CommandResult RunTool(const std::vector<std::string>& argv) {
  SubprocessOptions o;
  o.argv = argv;
  CommandResult r;
  Status s = RunCommand(o, "", 60000, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  return r;
}

// The values of the unit's `key=` lines, in order.
std::vector<std::string> UnitValues(const std::string& key) {
  std::vector<std::string> out;
  for (const std::string& line : Split(test::ReadFile(UnitPath()), '\n'))
    if (StartsWith(line, key + "=")) out.push_back(line.substr(key.size() + 1));
  return out;
}

TEST(SystemdUnitTest, ExposureIsAtMostTwoAndAHalf) {
  CommandResult r = RunTool({"systemd-analyze", "security", "--offline=true",
                             "--no-pager", UnitPath()});
  std::smatch m;
  std::string all = r.out + r.err;
  ASSERT_TRUE(std::regex_search(
      all, m, std::regex("Overall exposure level for [^:]*: ([0-9.]+)")))
      << all;
  double exposure = std::stod(m[1]);
  EXPECT_LE(exposure, 2.5) << all;
  // What the redirector never needs, spelled out so that a later edit
  // cannot drop it while the score stays low.
  EXPECT_EQ(UnitValues("CapabilityBoundingSet"), std::vector<std::string>{""});
  EXPECT_EQ(UnitValues("NoNewPrivileges"), std::vector<std::string>{"yes"});
  EXPECT_EQ(UnitValues("UMask"), std::vector<std::string>{"0027"});
  EXPECT_EQ(UnitValues("SystemCallFilter"),
            std::vector<std::string>{"@system-service"});
}

// Every system call of `group` (a name or "@group"), groups expanded, from
// `systemd-analyze syscall-filter`'s listing of all groups.
void Expand(const std::map<std::string, std::vector<std::string>>& groups,
            const std::string& name, std::set<std::string>* out) {
  if (name.empty() || name[0] != '@') {
    out->insert(name);
    return;
  }
  auto it = groups.find(name);
  ASSERT_NE(it, groups.end()) << "unknown group " << name;
  for (const std::string& member : it->second) Expand(groups, member, out);
}

std::set<std::string> AllowedSyscalls() {
  CommandResult r =
      RunTool({"systemd-analyze", "syscall-filter", "--no-pager"});
  std::map<std::string, std::vector<std::string>> groups;
  std::string current;
  for (const std::string& raw : Split(r.out, '\n')) {
    std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (raw[0] == '@') {
      current = std::string(line);
      groups[current];
    } else if (!current.empty() && raw[0] == ' ') {
      groups[current].push_back(std::string(line));
    }
  }
  std::set<std::string> allowed;
  for (const std::string& filter : UnitValues("SystemCallFilter")) {
    EXPECT_NE(filter[0], '~') << "the test reads allow lists only";
    for (const std::string& name : SplitWhitespace(filter))
      Expand(groups, name, &allowed);
  }
  return allowed;
}

TEST(SystemdUnitTest, FilterAllowsEverySystemCallTheRedirectorMakes) {
  std::set<std::string> allowed = AllowedSyscalls();
  ASSERT_GT(allowed.size(), 100u);
  ASSERT_EQ(allowed.count("setuid"), 1u) << "@system-service holds @setuid";
  ASSERT_EQ(allowed.count("reboot"), 0u);

  test::TempDir dir;
  std::string trace = dir / "strace";
  test::StackOptions options;
  options.workers = 2;
  options.https = false;
  options.wrapper = {"strace", "-f", "-qq", "-o", trace};
  options.redirector_config = {"fallback = https://fallback.example.org/pub/"};
  std::unique_ptr<test::RedirectorStack> stack;
  Status s = test::RedirectorStack::Create(options, &stack);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(
      stack
          ->Sql("INSERT INTO files (id, path, size, mtime, sha256) VALUES "
                "(1, 'releases/a.iso', 4096, now(), sha256('x'))")
          .ok());
  s = stack->Serve();
  ASSERT_TRUE(s.ok()) << s.message();
  // Every kind of answer, a reload, a worker killed and replaced.
  for (const char* path :
       {"/releases/a.iso", "/releases/a.iso?json", "/releases/a.iso.meta4",
        "/releases/a.iso/mirrorlist", "/releases/a.iso?sha256", "/mirrorstats",
        "/mirrorstats?json", "/mirrorstats?metrics", "/releases/missing.iso",
        "/releases/%ff.iso"}) {
    test::HttpResponse r = stack->Request(path, "20.10.0.5");
    EXPECT_GT(r.status, 0) << path << ": " << r.body;
    EXPECT_LT(r.status, 500) << path << ": " << r.body;
  }
  ASSERT_TRUE(stack->SignalRedirector(SIGHUP).ok()) << stack->redirector_log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(stack->Request("/releases/a.iso", "20.10.0.5").status, 302);
  std::vector<pid_t> workers = stack->WorkerPids();
  ASSERT_EQ(workers.size(), 2u);
  ASSERT_EQ(kill(workers.front(), SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(stack->WorkerPids().size(), 2u) << stack->redirector_log();
  EXPECT_EQ(stack->Request("/releases/a.iso", "20.10.0.5").status, 302);
  ASSERT_TRUE(stack->SignalRedirector(SIGQUIT).ok()) << stack->redirector_log();
  int code = -1;
  EXPECT_TRUE(stack->WaitRedirector(15000, &code).ok());

  // "PID name(args) = ..." lines; "<... name resumed>" continue a call
  // already counted; "+++ exited" and "--- SIGx" are not calls.
  std::ifstream in(trace);
  std::string line;
  std::set<std::string> made;
  std::regex call("^[0-9]+ +([a-z_0-9]+)\\(");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, call)) made.insert(m[1]);
  }
  ASSERT_GT(made.size(), 20u) << "strace recorded too little: " << trace;
  // The workers were traced too: they were forked and answered requests.
  ASSERT_TRUE(made.count("clone") || made.count("clone3") || made.count("fork"))
      << trace;
  ASSERT_TRUE(made.count("accept") || made.count("accept4")) << trace;
  // The socket is given to nginx's group (redirector.listen_group).
  ASSERT_TRUE(made.count("chown") || made.count("fchownat")) << trace;
  std::vector<std::string> denied;
  for (const std::string& name : made)
    if (!allowed.count(name)) denied.push_back(name);
  EXPECT_TRUE(denied.empty())
      << "calls the unit's SystemCallFilter denies: " << Join(denied, ", ");
}

}  // namespace
}  // namespace waymark
