// main() of the integration test binaries: GoogleTest, plus the shared
// PostgreSQL cluster's teardown when the tests are done.
#include <gtest/gtest.h>

#include "tests/harness/postgres_cluster.h"

namespace {

class ClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { waymark::test::ShutdownSharedCluster(); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
  return RUN_ALL_TESTS();
}
