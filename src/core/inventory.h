// Reading the inventory for mirror selection: every mirror with its health
// and freshness, and, for one path, the file's facts and which mirrors hold
// it (from the per-mirror bitmaps, see sql/migrations/0001_initial.sql).
#ifndef WAYMARK_CORE_INVENTORY_H_
#define WAYMARK_CORE_INVENTORY_H_

#include <string>
#include <vector>

#include "core/db.h"
#include "core/selection.h"
#include "core/status.h"

namespace waymark {

// Files per bitmap chunk; must match the schema's `id >> 13`.
constexpr int kFilesPerChunk = 8192;

// All mirrors, by name, with health per scheme and family and trace lag.
Status LoadMirrorStatuses(Database* db, std::vector<MirrorStatus>* out);

struct FileRecord {
  int id = 0;
  std::string path;       // the file's own path (an alias resolves to it)
  long long size = 0;
  std::string mtime;      // UTC, "YYYY-MM-DD HH:MM:SS"
  std::string sha256_hex;  // "" when not hashed
};

// The file at `path` (or the file an alias at `path` points to).
// kNotFound: "file 'x' is not in the inventory".
Status LoadFileFacts(Database* db, const std::string& path, FileRecord* record, FileFacts* facts);

}  // namespace waymark

#endif  // WAYMARK_CORE_INVENTORY_H_
