#include "core/store/migrations.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

// The embedded migrations are numbered 1, 2, 3... without gaps, each with a
// name, so `waymark db upgrade` applies them in a well-defined order.
TEST(MigrationsTest, EmbeddedMigrationsAreContiguous) {
  const auto& all = KnownMigrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i + 1)) << all[i].path;
    EXPECT_FALSE(all[i].name.empty()) << all[i].path;
    EXPECT_FALSE(all[i].sql.empty()) << all[i].path;
  }
  EXPECT_EQ(all.front().path, "sql/migrations/0001_initial.sql");
  EXPECT_EQ(all.front().name, "initial");
  EXPECT_EQ(LatestSchemaVersion(), all.back().version);
}

}  // namespace
}  // namespace waymark
