// PostgreSQL advisory locks of waymark-scan, so that scans on several hosts
// or from overlapping cron runs never step on each other.
//
//   (kScanLockClass, 0)         held by a running repository scan
//   (kScanLockClass, mirror id) held by a running scan of that mirror
//   (kInventoryWriteLock, 0)    taken per transaction: exclusively by the
//                               repository scan when it changes files,
//                               shared by mirror scans swapping a listing,
//                               so a listing is never matched against ids
//                               that are being reassigned.
#ifndef WAYMARK_CORE_STORE_SCAN_LOCKS_H_
#define WAYMARK_CORE_STORE_SCAN_LOCKS_H_

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

constexpr int kScanLockClass = 0x57594d31;       // "WYM1"
constexpr int kInventoryWriteLock = 0x57594d32;  // "WYM2"

// A session-level advisory lock, released when destroyed (or when the
// connection closes, whichever is first).
class ScanLock {
 public:
  ScanLock() = default;
  ScanLock(const ScanLock&) = delete;
  ScanLock& operator=(const ScanLock&) = delete;
  ~ScanLock();

  // Tries (kScanLockClass, id) without waiting; *got says whether it is held.
  Status TryAcquire(Database* db, int id, bool* got);

 private:
  Database* db_ = nullptr;
  int id_ = 0;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_SCAN_LOCKS_H_
