// Who may connect to the redirector's unix socket (issue #18, item 2): the
// socket's mode and group are redirector.listen_mode and listen_group's,
// nginx running as www-data (as Debian's nginx.conf says) still reaches the
// redirector through the shipped nginx/origin.conf, another local user does
// not, and a group the socket cannot be given to stops the start (and -t)
// with one clear line.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "tests/harness/commands.h"
#include "tests/harness/redirector_stack.h"

namespace waymark {
namespace {

using test::RedirectorStack;

// The errno of connect() to the unix socket `path` from a child running as
// `user` with only that user's primary group (0: it connected).
int ConnectErrnoAs(const std::string& user, const std::string& path) {
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return -1;
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  path.copy(sa.sun_path, sizeof sa.sun_path - 1);
  pid_t pid = fork();
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
      _exit(255);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) _exit(254);
    _exit(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0
              ? 0
              : errno);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

gid_t GroupId(const char* name) {
  group* gr = getgrnam(name);
  return gr ? gr->gr_gid : static_cast<gid_t>(-1);
}

// A stack whose nginx runs as www-data, with one file the inventory knows
// and a fallback, so that a request for it is a 302.
std::unique_ptr<RedirectorStack> ServeOneFile(
    std::vector<std::string> redirector_config) {
  test::StackOptions options;
  options.https = false;
  options.nginx_user = "www-data";
  redirector_config.push_back("fallback = https://origin.example.org/pub/");
  options.redirector_config = redirector_config;
  std::unique_ptr<RedirectorStack> stack;
  Status s = RedirectorStack::Create(options, &stack);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return nullptr;
  s = stack->Sql(
      "INSERT INTO files (id, path, size, mtime) VALUES (1, "
      "'releases/a.iso', 4096, now())");
  EXPECT_TRUE(s.ok()) << s.message();
  test::WriteFile(stack->repository() + "/releases/a.iso",
                  std::string(4096, 'a'));
  s = stack->Serve();
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return nullptr;
  return stack;
}

TEST(ListenSocketTest, OnlyNginxsGroupMayConnectByDefault) {
  std::unique_ptr<RedirectorStack> stack = ServeOneFile({});
  ASSERT_TRUE(stack);
  struct stat st;
  ASSERT_EQ(stat(stack->socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  ASSERT_NE(GroupId("www-data"), static_cast<gid_t>(-1));
  EXPECT_EQ(st.st_gid, GroupId("www-data"));

  // nginx's workers (www-data) connect; another local user may not.
  test::HttpResponse r = stack->Request("/releases/a.iso", "20.10.0.5");
  EXPECT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.Header("Location"),
            "https://origin.example.org/pub/releases/a.iso");
  EXPECT_EQ(ConnectErrnoAs("nobody", stack->socket_path()), EACCES);
}

TEST(ListenSocketTest, ModeAndGroupAreTheKeys) {
  // Mode 0600 and the redirector's own group (root's here): only the
  // redirector's user may connect, nginx's www-data not either.
  std::unique_ptr<RedirectorStack> stack =
      ServeOneFile({"listen_mode = 0600", "listen_group ="});
  ASSERT_TRUE(stack);
  struct stat st;
  ASSERT_EQ(stat(stack->socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_gid, getegid());
  EXPECT_EQ(ConnectErrnoAs("www-data", stack->socket_path()), EACCES);
  EXPECT_EQ(ConnectErrnoAs("nobody", stack->socket_path()), EACCES);
  stack.reset();

  // 0666 opens it to everyone, when that is what is asked.
  stack = ServeOneFile({"listen_mode = 0666", "listen_group = nogroup"});
  ASSERT_TRUE(stack);
  ASSERT_EQ(stat(stack->socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  EXPECT_EQ(st.st_gid, GroupId("nogroup"));
  EXPECT_EQ(ConnectErrnoAs("nobody", stack->socket_path()), 0);
}

TEST(ListenSocketTest, AGroupTheSocketCannotBeGivenToStopsTheStart) {
  test::StackOptions options;
  options.redirector_config = {"listen_group = no-such-group"};
  std::unique_ptr<RedirectorStack> stack;
  Status s = RedirectorStack::Create(options, &stack);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string kNoGroup =
      "waymark-redirector: redirector.listen_group: no group "
      "'no-such-group' to give unix:" +
      stack->socket_path() + " to\n";
  CommandResult r =
      test::RunBinary("waymark-redirector", {"-f", "-c", stack->config_path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, kNoGroup);
  EXPECT_NE(access(stack->socket_path().c_str(), F_OK), 0) << "socket left";
  r = test::RunBinary("waymark-redirector", {"-t", "-c", stack->config_path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, kNoGroup);

  // A user outside the group may not give the socket to it: chown() would
  // be refused, and -t says so before a start would fail.
  SubprocessOptions o;
  o.argv = {test::BinaryPath("waymark-redirector"), "-t", "-c",
            stack->config_path(), "--redirector.listen_group=www-data"};
  o.run_as_user = "nobody";
  o.env = {"WAYMARK_CONFIG="};
  o.capture_output = true;
  r = CommandResult();
  ASSERT_TRUE(RunCommand(o, "", 60000, &r).ok());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "waymark-redirector: redirector.listen_group: user nobody is not "
            "in group 'www-data', so unix:" +
                stack->socket_path() +
                " cannot be given to it (SupplementaryGroups=www-data in the "
                "unit)\n");
}

// TCP addresses have no file mode: the keys do not apply, and a group that
// does not exist is no error there.
TEST(ListenSocketTest, TcpIgnoresTheKeys) {
  test::TempDir dir;
  test::WriteFile(dir / "tcp.conf", "[database]\ndsn = host=" + dir.path() +
                                        " dbname=nothing connect_timeout=2\n"
                                        "[redirector]\nlisten = 127.0.0.1:9\n"
                                        "listen_group = no-such-group\n");
  CommandResult r =
      test::RunBinary("waymark-redirector", {"-t", "-c", dir / "tcp.conf"});
  EXPECT_NE(r.out.find("listen: 127.0.0.1:9 (TCP: anyone who reaches it may "
                       "connect) ok\n"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(r.err.find("listen_group"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace waymark
