// Expected to FAIL. tests/run counts this binary as one passed check only
// when its test fails: it proves that a failing assertion in an integration
// test, against the real PostgreSQL harness, makes the run red. If it ever
// passes, the harness has stopped catching failures.
//
// Each check here fails for one stated reason: the line after its
// "must fail with:" comment is text its failure prints, and tests/run
// counts the binary as caught only when every such text is in its output.
// A harness that did not start, or a set-up step that failed, prints
// something else and turns the run red instead.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"

namespace waymark {
namespace {

TEST(HarnessMustFail, WrongMirrorCountIsCaught) {
  std::string dsn = test::SharedCluster()->CreateDatabase();
  ASSERT_EQ(test::RunWaymark({"db", "init", "--database.dsn=" + dsn}).exit_code,
            0);
  ASSERT_EQ(
      test::RunWaymark({"mirror", "add", "fra1", "--https",
                        "https://fra1.example.org/", "--database.dsn=" + dsn})
          .exit_code,
      0);
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  int mirrors = tx.exec("SELECT count(*) FROM mirrors")[0][0].as<int>();
  // Deliberately wrong: one mirror was added. The message shows that the
  // harness really counted that one mirror.
  // must fail with:
  // xfail reason: the database holds 1 mirror, the check wrongly wants 2
  EXPECT_EQ(mirrors, 2) << "xfail reason: the database holds " << mirrors
                        << " mirror, the check wrongly wants 2";
}

}  // namespace
}  // namespace waymark
