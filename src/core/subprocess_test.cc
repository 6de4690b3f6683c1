#include "core/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace waymark {
namespace {

CommandResult Sh(const std::string& script, const std::string& in = "",
                 int timeout_ms = 10000, std::vector<std::string> env = {}) {
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", script};
  o.env = std::move(env);
  CommandResult r;
  RunCommand(o, in, timeout_ms, &r);
  return r;
}

TEST(SubprocessTest, ExitCodesAndOutput) {
  CommandResult r = Sh("echo out; echo err >&2; exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(Sh("kill -TERM $$").exit_code, 128 + SIGTERM);
}

TEST(SubprocessTest, BigOutputsAndInputDoNotDeadlock) {
  std::string in(3 << 20, 'x');
  CommandResult r = Sh("cat; head -c 2000000 /dev/zero >&2", in);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), in.size());
  EXPECT_EQ(r.err.size(), 2000000u);
}

TEST(SubprocessTest, TimeoutKills) {
  SubprocessOptions o;
  o.argv = {"sleep", "30"};
  CommandResult r;
  Status s = RunCommand(o, "", 200, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
}

TEST(SubprocessTest, MissingProgramIsAnError) {
  SubprocessOptions o;
  o.argv = {"waymark-no-such-program"};
  std::unique_ptr<Subprocess> p;
  Status s = Subprocess::Start(o, &p);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "waymark-no-such-program: cannot run: No such file or directory");
  o.argv = {"/tmp"};
  s = Subprocess::Start(o, &p);
  EXPECT_EQ(s.message(), "/tmp: cannot run: Permission denied");
}

TEST(SubprocessTest, EnvironmentChanges) {
  setenv("WAYMARK_SUBPROCESS_TEST", "inherited", 1);
  EXPECT_EQ(Sh("echo $WAYMARK_SUBPROCESS_TEST").out, "inherited\n");
  EXPECT_EQ(Sh("echo $WAYMARK_SUBPROCESS_TEST", "", 10000,
               {"WAYMARK_SUBPROCESS_TEST=set"})
                .out,
            "set\n");
  EXPECT_EQ(Sh("echo \"[${WAYMARK_SUBPROCESS_TEST-unset}]\"", "", 10000,
               {"WAYMARK_SUBPROCESS_TEST="})
                .out,
            "[unset]\n");
  unsetenv("WAYMARK_SUBPROCESS_TEST");
}

TEST(SubprocessTest, DestructorKillsTheChild) {
  SubprocessOptions o;
  o.argv = {"sleep", "30"};
  std::unique_ptr<Subprocess> p;
  ASSERT_TRUE(Subprocess::Start(o, &p).ok());
  pid_t pid = p->pid();
  EXPECT_TRUE(p->Running());
  p.reset();
  EXPECT_NE(kill(pid, 0), 0) << "the child must be gone";
}

TEST(SubprocessTest, WaitTimesOutThenSucceeds) {
  SubprocessOptions o;
  o.argv = {"sleep", "0.3"};
  std::unique_ptr<Subprocess> p;
  ASSERT_TRUE(Subprocess::Start(o, &p).ok());
  int code = -1;
  EXPECT_FALSE(p->Wait(10, &code).ok());
  EXPECT_TRUE(p->Wait(5000, &code).ok());
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace waymark
