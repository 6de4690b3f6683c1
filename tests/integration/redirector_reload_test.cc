// What SIGHUP does to waymark.conf keys that need a restart
// (waymark.conf(5), "Reloading"): the real redirector keeps their running
// values, logs a warning naming each changed one, and applies the rest.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "tests/harness/redirector_stack.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::RedirectorStack;

// Replaces the line of `text` that starts with `prefix`.
std::string ReplaceLine(const std::string& text, const std::string& prefix,
                        const std::string& line) {
  std::regex re("(^|\n)" + prefix + "[^\n]*");
  return std::regex_replace(text, re, "$1" + line,
                            std::regex_constants::format_first_only);
}

template <typename F>
bool Eventually(F ok) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ok();
}

TEST(RedirectorReloadTest, KeysThatNeedARestartKeepTheirValueAndWarn) {
  std::unique_ptr<RedirectorStack> stack;
  test::StackOptions options;
  options.https = false;
  options.redirector_config = {"fallback = https://origin.example.org/master/"};
  Status s = RedirectorStack::Create(options, &stack);
  ASSERT_TRUE(s.ok()) << s.message();
  // A file no mirror has: it goes to the fallback.
  s = stack->Sql(
      "INSERT INTO files (id, path, size, mtime) "
      "VALUES (1, 'releases/a.deb', 4096, '2026-11-01 10:00:00+00')");
  ASSERT_TRUE(s.ok()) << s.message();
  test::WriteFile(stack->repository() + "/releases/a.deb",
                  std::string(4096, 'a'));
  ASSERT_TRUE(stack->Serve().ok()) << stack->redirector_log();
  const char kClient[] = "20.10.0.5";
  test::HttpResponse r = stack->Request("/releases/a.deb", kClient);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.Header("Location"),
            "https://origin.example.org/master/releases/a.deb");

  // listen and pidfile need a restart; the fallback reloads.
  const int port = test::FreePort();
  test::TempDir other;
  std::string conf = test::ReadFile(stack->config_path());
  conf = ReplaceLine(conf,
                     "listen = ", "listen = 127.0.0.1:" + std::to_string(port));
  conf = ReplaceLine(conf,
                     "pidfile = ", "pidfile = " + (other / "redirector.pid"));
  conf = ReplaceLine(
      conf, "fallback = ", "fallback = https://elsewhere.example.org/");
  test::WriteFile(stack->config_path(), conf);
  ASSERT_TRUE(stack->SignalRedirector(SIGHUP).ok());
  ASSERT_TRUE(Eventually([&] {
    return stack->redirector_log().find("reloaded") != std::string::npos;
  })) << stack->redirector_log();

  std::string log = stack->redirector_log();
  EXPECT_NE(
      log.find("]: warning: redirector.listen changed, but it needs a restart: "
               "keeping unix:"),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("]: warning: redirector.pidfile changed, but it needs a "
                     "restart: keeping "),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("warning: redirector.fallback"), std::string::npos) << log;
  EXPECT_EQ(log.find("warning: redirector.workers"), std::string::npos) << log;

  // The old socket still answers, with the new fallback; nothing listens on
  // the new address, and the pidfile did not move.
  r = stack->Request("/releases/a.deb", kClient);
  EXPECT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.Header("Location"),
            "https://elsewhere.example.org/releases/a.deb");
  EXPECT_FALSE(test::WaitForPort("127.0.0.1", port, 300));
  EXPECT_EQ(access((other / "redirector.pid").c_str(), F_OK), -1);

  // A graceful stop cleans up what it runs with: the old socket and pidfile.
  std::string sock = stack->repository() + "/../redirector.sock";
  std::string pid = stack->repository() + "/../redirector.pid";
  EXPECT_EQ(access(pid.c_str(), F_OK), 0);
  ASSERT_TRUE(stack->SignalRedirector(SIGQUIT).ok());
  int code = -1;
  ASSERT_TRUE(stack->WaitRedirector(10000, &code).ok());
  EXPECT_EQ(code, 0);
  EXPECT_EQ(access(sock.c_str(), F_OK), -1);
  EXPECT_EQ(access(pid.c_str(), F_OK), -1);
}

// log.level reloads: after a HUP to "warning", information lines stop and
// warnings still come.
TEST(RedirectorReloadTest, LogLevelReloads) {
  std::unique_ptr<RedirectorStack> stack;
  test::StackOptions options;
  options.https = false;
  Status s = RedirectorStack::Create(options, &stack);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(stack->Serve().ok()) << stack->redirector_log();
  // The socket is bound before the workers start and "ready" is logged.
  ASSERT_TRUE(Eventually([&] {
    return stack->redirector_log().find("ready: ") != std::string::npos;
  })) << stack->redirector_log();

  const int port = test::FreePort();
  std::string conf = test::ReadFile(stack->config_path());
  conf = ReplaceLine(conf,
                     "listen = ", "listen = 127.0.0.1:" + std::to_string(port));
  test::WriteFile(stack->config_path(), conf + "[log]\nlevel = warning\n");
  ASSERT_TRUE(stack->SignalRedirector(SIGHUP).ok());
  ASSERT_TRUE(Eventually([&] {
    return stack->redirector_log().find("warning: redirector.listen") !=
           std::string::npos;
  })) << stack->redirector_log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(stack->redirector_log().find("reloaded"), std::string::npos)
      << "an information line at level warning:\n"
      << stack->redirector_log();
}

}  // namespace
}  // namespace waymark
