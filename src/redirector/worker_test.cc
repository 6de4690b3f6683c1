#include "redirector/worker.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace waymark {
namespace {

TEST(RunGuarded, AnExceptionIsLoggedInOneLineAndGivesTheWorkersErrorStatus) {
  std::vector<std::string> lines;
  auto log = [&](const std::string& line) { lines.push_back(line); };
  EXPECT_EQ(RunGuarded([] {}, log), 0);
  EXPECT_TRUE(lines.empty());

  EXPECT_EQ(RunGuarded([] { throw std::out_of_range("vector::at"); }, log),
            kWorkerInternalError);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "internal error: vector::at; exiting, to be replaced");

  EXPECT_EQ(RunGuarded([] { throw 42; }, log), kWorkerInternalError);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "internal error: an unknown exception; exiting, to be replaced");
}

}  // namespace
}  // namespace waymark
