#include "redirector/inventory_source.h"

#include "core/store/db.h"

namespace waymark {

namespace {

class PostgresInventory : public InventorySource {
 public:
  explicit PostgresInventory(std::string dsn) : db_(std::move(dsn)) {}

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
  Status LoadFile(const std::string& path, FileRecord* record) override {
    return db_.Run(
        [&](Database* db) { return LoadFileRecord(db, path, record); });
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

std::unique_ptr<InventorySource> NewPostgresInventory(const std::string& dsn) {
  return std::make_unique<PostgresInventory>(dsn);
}

}  // namespace waymark
