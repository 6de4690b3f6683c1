// Where a worker's inventory cache (redirector/inventory_cache.h) reads
// the inventory: an interface with one real implementation over
// PostgreSQL, and fakes in tests and the benchmark. Called only from the
// cache's refresh work (its thread in a worker), never for a request.
#ifndef WAYMARK_REDIRECTOR_INVENTORY_SOURCE_H_
#define WAYMARK_REDIRECTOR_INVENTORY_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store/db.h"
#include "core/store/file_details.h"
#include "core/store/inventory.h"
#include "core/store/mirror_report.h"
#include "core/store/replica_state.h"

namespace waymark {

class InventorySource {
 public:
  virtual ~InventorySource() = default;
  // Where the server stands, read first in each refresh round: primary or
  // hot standby and how far behind (core/store/replica_state.h), and the
  // schema version recorded in waymark_schema (core/store/migrations.h).
  virtual Status LoadState(ReplicaState* replica, int* schema_version) = 0;
  // The mirrors and the change counters, read together.
  virtual Status LoadMirrors(std::vector<MirrorStatus>* out,
                             InventoryGens* gens) = 0;
  virtual Status LoadBitmaps(int mirror_id,
                             std::vector<std::string>* chunks) = 0;
  // core/store/file_details.h (kNotFound: the file is gone) and
  // core/store/mirror_report.h.
  virtual Status LoadFileDetails(int file_id, FileDetails* details) = 0;
  virtual Status LoadRepositoryReport(RepositoryReport* report) = 0;
};

// Over a PostgreSQL connection of its own, made when first needed within
// `limits` (statement, lock and connect timeouts), and made again after a
// failure.
std::unique_ptr<InventorySource> NewPostgresInventory(
    const std::string& dsn, const SessionLimits& limits);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_INVENTORY_SOURCE_H_
