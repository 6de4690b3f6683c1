#include "core/store/scan_locks.h"

#include "core/store/db.h"

namespace waymark {

ScanLock::~ScanLock() {
  if (!db_) return;
  try {
    pqxx::nontransaction tx(db_->conn());
    tx.exec_params("SELECT pg_advisory_unlock($1, $2)", kScanLockClass, id_);
  } catch (const std::exception&) {
    // The connection is gone, and the lock with it.
  }
}

Status ScanLock::TryAcquire(Database* db, int id, bool* got) {
  try {
    pqxx::nontransaction tx(db->conn());
    *got = tx.exec_params1("SELECT pg_try_advisory_lock($1, $2)",
                           kScanLockClass, id)[0]
               .as<bool>();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot take the scan lock");
  }
  if (*got) {
    db_ = db;
    id_ = id;
  }
  return Status::OK();
}

}  // namespace waymark
