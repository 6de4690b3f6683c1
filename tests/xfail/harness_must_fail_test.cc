// Expected to FAIL. tests/run counts this binary as one passed check only
// when its test fails: it proves that a failing assertion in an integration
// test, against the real PostgreSQL harness, makes the run red. If it ever
// passes, the harness has stopped catching failures.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"

namespace waymark {
namespace {

TEST(HarnessMustFail, WrongMirrorCountIsCaught) {
  std::string dsn = testing::SharedCluster()->CreateDatabase();
  ASSERT_EQ(testing::RunWaymark({"db", "init", "--database.dsn=" + dsn}).exit_code, 0);
  ASSERT_EQ(testing::RunWaymark({"mirror", "add", "fra1", "--https", "https://fra1.example.org/",
                                 "--database.dsn=" + dsn})
                .exit_code,
            0);
  pqxx::connection c(dsn);
  pqxx::read_transaction tx(c);
  // Deliberately wrong: one mirror was added.
  EXPECT_EQ(tx.exec("SELECT count(*) FROM mirrors")[0][0].as<int>(), 2);
}

}  // namespace
}  // namespace waymark
