#include "tests/harness/commands.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace waymark {
namespace test {

std::string BinaryPath(const std::string& name) {
  if (const char* dir = std::getenv("WAYMARK_BIN_DIR"))
    return std::string(dir) + "/" + name;
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string exe = n > 0 ? std::string(self, n) : "build/tests/x";
  std::string tests_dir = exe.substr(0, exe.rfind('/'));
  return tests_dir.substr(0, tests_dir.rfind('/')) + "/bin/" + name;
}

CommandResult RunBinary(const std::string& name,
                        const std::vector<std::string>& args,
                        const std::vector<std::string>& env,
                        const std::string& stdin_data) {
  SubprocessOptions o;
  o.argv = {BinaryPath(name)};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env = {"WAYMARK_CONFIG=", "SUDO_USER="};
  o.env.insert(o.env.end(), env.begin(), env.end());
  CommandResult r;
  Status s = RunCommand(o, stdin_data, 60000, &r);
  if (!s.ok() && r.exit_code < 0) r.err = "harness: " + s.message();
  return r;
}

CommandResult RunWaymark(const std::vector<std::string>& args,
                         const std::vector<std::string>& env,
                         const std::string& stdin_data) {
  return RunBinary("waymark", args, env, stdin_data);
}

}  // namespace test
}  // namespace waymark
