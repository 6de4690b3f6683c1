// `make demo`'s script, run as README says, non-interactively: every curl
// line it prints must answer as promised (the script runs and checks each
// one), it must leave nothing running, work a second time in the same
// directory, and stop everything on Ctrl-C.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "core/subprocess.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/readme.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

namespace fs = std::filesystem;
using test::SourceDir;
using test::TempDir;

// The demo uses DEMO_PORT and the six ports after it: a base in 20000-29999
// with all seven free a moment ago.
int FreePortRange() {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    int base = 20000 + static_cast<int>(rng() % 9990);
    bool all_free = true;
    for (int p = base; p < base + 7 && all_free; ++p) {
      all_free = !test::WaitForPort("127.0.0.1", p, 0);
    }
    if (all_free) return base;
  }
  return -1;
}

// Processes whose command line or environment names `dir`: what the demo
// started and did not stop (postgres, nginx, rsync, the redirector).
std::vector<std::string> ProcessesUsing(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::to_string(getpid()) == pid) continue;
    for (const char* what : {"cmdline", "environ"}) {
      std::ifstream in(entry.path() / what, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      if (data.find(dir) != std::string::npos) {
        std::string cmd = data.substr(0, data.find('\0'));
        if (std::string(what) == "environ") {
          std::ifstream c(entry.path() / "cmdline", std::ios::binary);
          std::getline(c, cmd, '\0');
        }
        found.push_back(pid + " " + cmd);
        break;
      }
    }
  }
  return found;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePortRange();
    ASSERT_GT(port_, 0) << "no 7 free ports in a row";
    demo_dir_ = tmp_ / "demo";
  }

  SubprocessOptions DemoOptions(bool exit_after_checks,
                                const std::string& log) {
    SubprocessOptions o;
    std::string env = "DEMO_DIR=" + demo_dir_ +
                      " DEMO_PORT=" + std::to_string(port_) +
                      (exit_after_checks ? " DEMO_EXIT_AFTER_CHECKS=1" : "");
    o.argv = {"sh", "-c",
              "exec env " + env + " " + SourceDir() + "/scripts/demo > " + log +
                  " 2>&1"};
    o.env = {"WAYMARK_CONFIG="};
    o.new_process_group = true;
    return o;
  }

  // Runs the demo to its end; returns its output.
  std::string RunToEnd(int* exit_code) {
    std::string log = tmp_ / "demo.log";
    std::unique_ptr<Subprocess> p;
    Status s = Subprocess::Start(DemoOptions(true, log), &p);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok()) return "";
    s = p->Wait(300000, exit_code);
    EXPECT_TRUE(s.ok()) << "demo did not finish in 5 minutes";
    return test::ReadFile(log);
  }

  void ExpectNothingLeft() {
    auto left = ProcessesUsing(demo_dir_);
    EXPECT_TRUE(left.empty()) << "still running: " << left.front();
    for (int p = port_; p < port_ + 7; ++p) {
      EXPECT_FALSE(test::WaitForPort("127.0.0.1", p, 0))
          << "port " << p << " still answers";
    }
  }

  TempDir tmp_;
  std::string demo_dir_;
  int port_ = 0;
};

TEST_F(DemoTest, EveryPrintedLineAnswersAsPromisedAndNothingIsLeftRunning) {
  int code = -1;
  std::string out = RunToEnd(&code);
  EXPECT_EQ(code, 0) << out;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(out, m, std::regex("demo: all ([0-9]+) checks passed")))
      << out;
  EXPECT_GE(std::stoi(m[1]), 12)
      << "the demo checks fewer lines than it promises";
  EXPECT_EQ(out.find("FAILED"), std::string::npos) << out;
  // The lines it prints are for the port it was given.
  EXPECT_NE(out.find("http://127.0.0.1:" + std::to_string(port_) + "/"),
            std::string::npos);
  ExpectNothingLeft();

  // Again, in the same directory: reuses the cluster and the files.
  out = RunToEnd(&code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("checks passed"), std::string::npos) << out;
  ExpectNothingLeft();
}

// README's ```sh blocks, with the demo's directory and port.
std::vector<std::string> ReadmeShellLines(const std::string& demo_dir,
                                          int port) {
  std::vector<std::string> lines;
  for (const std::string& block :
       test::FencedBlocks(test::ReadmeText(), "sh")) {
    for (std::string line : test::CommandLines(block)) {
      line = std::regex_replace(line, std::regex("\\$PWD/run/demo"), demo_dir);
      line = std::regex_replace(line, std::regex("127\\.0\\.0\\.1:8080"),
                                "127.0.0.1:" + std::to_string(port));
      lines.push_back(line);
    }
  }
  return lines;
}

TEST_F(DemoTest, ReadmeCommandsWorkOnTheDemoAndCtrlCStopsIt) {
  std::string log = tmp_ / "demo.log";
  std::unique_ptr<Subprocess> p;
  ASSERT_TRUE(Subprocess::Start(DemoOptions(false, log), &p).ok());
  bool waiting = false;
  for (int i = 0; i < 3000 && p->Running(); ++i) {
    if (test::ReadFile(log).find("Press Ctrl-C") != std::string::npos) {
      waiting = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(waiting) << test::ReadFile(log);
  EXPECT_TRUE(test::WaitForPort("127.0.0.1", port_, 1000))
      << "origin nginx not listening";

  // README's commands for the running demo, in order, each must succeed.
  auto lines = ReadmeShellLines(demo_dir_, port_);
  ASSERT_GE(lines.size(), 5u) << "README lost its ```sh block";
  std::string script = "set -e\ncd " + SourceDir() + "\n";
  for (const auto& l : lines)
    script += "echo \"+ " +
              std::regex_replace(l, std::regex("[\"\\\\$`]"), "\\$&") + "\"\n" +
              l + "\n";
  SubprocessOptions o;
  o.argv = {"bash", "-c", script};
  o.env = {"WAYMARK_CONFIG="};
  o.capture_output = true;
  CommandResult r;
  Status s = RunCommand(o, "", 120000, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // README's waymark.conf (production step 6) is a valid configuration:
  // the admin tool reads it (with the demo's database) without complaint.
  auto ini = test::FencedBlocks(test::ReadmeText(), "ini");
  ASSERT_EQ(ini.size(), 1u) << "README lost its waymark.conf block";
  test::WriteFile(tmp_ / "readme.conf", ini[0]);
  SubprocessOptions conf;
  conf.argv = {
      SourceDir() + "/build/bin/waymark",
      "-c",
      tmp_ / "readme.conf",
      "--database.dsn=host=" + demo_dir_ + "/pg dbname=waymark user=postgres",
      "db",
      "status"};
  conf.capture_output = true;
  CommandResult cr;
  ASSERT_TRUE(RunCommand(conf, "", 30000, &cr).ok());
  EXPECT_EQ(cr.exit_code, 0) << cr.out << cr.err;

  // The curl line: the redirect from Germany.
  EXPECT_NE(
      r.out.find("302 http://127.0.0.1:" + std::to_string(port_ + 1) + "/"),
      std::string::npos)
      << r.out << r.err;
  // What a terminal does on Ctrl-C: SIGINT to the foreground process group.
  ASSERT_EQ(kill(-p->pid(), SIGINT), 0);
  int code = -1;
  ASSERT_TRUE(p->Wait(60000, &code).ok()) << "demo did not stop on SIGINT";
  EXPECT_NE(test::ReadFile(log).find("demo stopped"), std::string::npos)
      << test::ReadFile(log);
  ExpectNothingLeft();
}

}  // namespace
}  // namespace waymark
