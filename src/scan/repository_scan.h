// `waymark-scan --repository`: makes the files and file_aliases tables
// match the origin repository.
//
// The tree is walked (repository_walk), compared with the inventory, and
// only new and changed files (size, mtime or inode differ, or a configured
// hash is missing) are hashed, in parallel. The whole change is applied in
// one transaction; when nothing changed, no statement touches files or
// file_aliases, so the redirectors' change counter stays where it is. New
// files get the lowest free ids. Removed and changed files, and ids handed
// to new files, lose their bits in every mirror's bitmap: a mirror counts
// as holding them again only after its next scan finds them at the new
// size.
//
// One repository scan at a time: a second one fails at once with
// kFailedPrecondition.
#ifndef WAYMARK_SCAN_REPOSITORY_SCAN_H_
#define WAYMARK_SCAN_REPOSITORY_SCAN_H_

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "scan/file_hashes.h"

namespace waymark {

class Database;  // core/store/db.h

struct RepositoryScanOptions {
  std::string root;
  std::vector<std::string> excludes;  // globs, see IsExcluded()
  HashOptions hashes;
  bool rehash = false;  // hash every file again
  int jobs = 4;         // hashing threads
  // Progress while hashing: files done, files to hash, bytes hashed.
  std::function<void(size_t, size_t, long long)> progress;
};

struct RepositoryScanResult {
  size_t files = 0;  // regular files found (not excluded)
  size_t added = 0;
  size_t changed = 0;
  size_t removed = 0;
  size_t kept = 0;  // unchanged, or could not be checked
  size_t aliases = 0;
  size_t aliases_changed = 0;  // added + removed + retargeted
  size_t hashed = 0;
  long long hashed_bytes = 0;
  size_t warnings = 0;
  bool wrote = false;  // a transaction changed the inventory
};

Status ScanRepository(Database* db, const RepositoryScanOptions& options,
                      RepositoryScanResult* result);

}  // namespace waymark

#endif  // WAYMARK_SCAN_REPOSITORY_SCAN_H_
