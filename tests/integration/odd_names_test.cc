// File names a release process can drop into the repository that the
// inventory cannot hold (not UTF-8, control bytes): waymark-scan skips
// them with one warning each and applies everything else, so a release
// added beside such a name is redirected through the real nginx and
// redirector. (One Latin-1 name used to fail the scan's whole transaction,
// leaving every later release a 404.)
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/harness/commands.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::HttpResponse;
using test::RedirectorStack;

TEST(OddNamesTest, NamesTheInventoryCannotHoldAreSkippedAndTheRestApplies) {
  test::StackOptions options;
  options.workers = 1;
  options.https = false;
  options.redirector_config = {"fallback = https://fallback.example.org/pub/"};
  std::unique_ptr<RedirectorStack> stack;
  Status s = RedirectorStack::Create(options, &stack);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string repo = stack->repository();
  test::WriteFile(repo + "/releases/old-0.9.iso", "old release\n");
  test::WriteFile(repo + "/releases/caf\xe9-1.0.iso", "latin-1 name\n");
  test::WriteFile(repo + "/releases/bell\x07.iso", "control byte\n");
  test::WriteFile(repo + "/releases/new-1.0.iso", "new release\n");
  test::WriteFile(repo + "/latin\xe9/inside.iso", "in a latin-1 directory\n");

  CommandResult r = test::RunBinary(
      "waymark-scan", {"-c", stack->config_path(), "--repository"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(
      r.err.find(
          "skipped 'releases/caf\\xE9-1.0.iso': name that is not valid UTF-8"),
      std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find(
          "skipped 'releases/bell\\x07.iso': name with a control character"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("skipped 'latin\\xE9': name that is not valid UTF-8"),
            std::string::npos)
      << r.err;
  // new-1.0.iso, old-0.9.iso and the harness's .keep; three names skipped.
  EXPECT_NE(r.out.find("repository: 3 files (3 new, 0 changed, 0 removed), 0 "
                       "aliases (0 changed), 3 "
                       "hashed (0 MiB), 3 warnings"),
            std::string::npos)
      << r.out;

  ASSERT_TRUE(stack->Serve().ok());
  for (const char* path : {"/releases/new-1.0.iso", "/releases/old-0.9.iso"}) {
    HttpResponse resp = stack->Request(path, "20.10.0.5");
    EXPECT_EQ(resp.status, 302) << path << ": " << resp.body;
    EXPECT_EQ(resp.Header("Location"),
              std::string("https://fallback.example.org/pub") + path);
  }
  // The skipped names are not in the inventory: nginx hands them to the
  // redirector, which does not know them.
  EXPECT_EQ(stack->Request("/releases/caf%E9-1.0.iso", "20.10.0.5").status,
            404);
}

}  // namespace
}  // namespace waymark
