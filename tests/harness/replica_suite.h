// The gtest fixture of the suites whose tests share one primary and its
// hot standby (test::ReplicaCluster; tests/integration/replica_*_test.cc):
// the pair is started once per suite, and each test makes a database of
// its own on it (cluster_->CreateDatabase()).
#ifndef WAYMARK_TESTS_HARNESS_REPLICA_SUITE_H_
#define WAYMARK_TESTS_HARNESS_REPLICA_SUITE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/status.h"
#include "tests/harness/replica_cluster.h"

namespace waymark {
namespace test {

class ReplicaSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    Status s = ReplicaCluster::Start(&cluster_);
    if (!s.ok()) {
      cluster_.reset();
      start_error_ = s.message();
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }

 protected:
  // Null when the pair could not start; start_error_ says why. A test's
  // SetUp() asserts on it first.
  static inline std::unique_ptr<ReplicaCluster> cluster_;
  static inline std::string start_error_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_REPLICA_SUITE_H_
