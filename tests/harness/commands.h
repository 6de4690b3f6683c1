// Running waymark's own binaries from tests, with their output captured.
#ifndef WAYMARK_TESTS_HARNESS_COMMANDS_H_
#define WAYMARK_TESTS_HARNESS_COMMANDS_H_

#include <string>
#include <vector>

#include "core/subprocess.h"

namespace waymark {
namespace test {

// build/bin/<name>, found beside the test binary (build/tests/..), or in
// $WAYMARK_BIN_DIR.
std::string BinaryPath(const std::string& name);

// Runs build/bin/<name> ARGS with a 60 s limit. WAYMARK_CONFIG is removed
// from the environment unless `env` sets it.
CommandResult RunBinary(const std::string& name,
                        const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {},
                        const std::string& stdin_data = "");
CommandResult RunWaymark(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {},
                         const std::string& stdin_data = "");

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_COMMANDS_H_
