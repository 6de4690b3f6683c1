// The inventory's change counters, as plain values: the store reads them
// (core/store/inventory.h) and the redirector compares them to know what
// to reload.
#ifndef WAYMARK_CORE_MODEL_INVENTORY_GENS_H_
#define WAYMARK_CORE_MODEL_INVENTORY_GENS_H_

#include <map>

namespace waymark {

// Change counters kept by triggers (sql/migrations/0002_change_tracking.sql):
// `files` moves with any change to files or aliases, mirrors[id] with any
// change to that mirror's bitmaps. Values never repeat.
struct InventoryGens {
  long long files = 0;
  std::map<int, long long> mirrors;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_INVENTORY_GENS_H_
