#include "redirector/inventory_source.h"

#include "core/store/migrations.h"

namespace waymark {

namespace {

class PostgresInventory : public InventorySource {
 public:
  PostgresInventory(std::string dsn, const SessionLimits& limits)
      : db_(std::move(dsn), limits) {}

  Status LoadState(ReplicaState* replica, int* schema_version) override {
    return db_.Run([&](Database* db) {
      Status s = LoadReplicaState(db, replica);
      return s.ok() ? LoadSchemaVersion(db, schema_version) : s;
    });
  }
  Status LoadMirrors(std::vector<MirrorStatus>* out,
                     InventoryGens* gens) override {
    return db_.Run([&](Database* db) {
      // Counters first: a change racing with the mirror query is then seen
      // again on the next round rather than missed.
      Status s = LoadInventoryGens(db, gens);
      return s.ok() ? LoadMirrorStatuses(db, out) : s;
    });
  }
  Status LoadBitmaps(int mirror_id, std::vector<std::string>* chunks) override {
    return db_.Run(
        [&](Database* db) { return LoadMirrorBitmaps(db, mirror_id, chunks); });
  }
  Status LoadFileDetails(int file_id, FileDetails* details) override {
    return db_.Run([&](Database* db) {
      return waymark::LoadFileDetails(db, file_id, details);
    });
  }
  Status LoadRepositoryReport(RepositoryReport* report) override {
    return db_.Run([&](Database* db) {
      return waymark::LoadRepositoryReport(db, report);
    });
  }

 private:
  ReconnectingDatabase db_;
};

}  // namespace

std::unique_ptr<InventorySource> NewPostgresInventory(
    const std::string& dsn, const SessionLimits& limits) {
  return std::make_unique<PostgresInventory>(dsn, limits);
}

}  // namespace waymark
