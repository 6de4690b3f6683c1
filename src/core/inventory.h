// Reading the inventory for mirror selection: every mirror with its health
// and freshness, and, for one path, the file's facts and which mirrors hold
// it (from the per-mirror bitmaps, see sql/migrations/0001_initial.sql).
#ifndef WAYMARK_CORE_INVENTORY_H_
#define WAYMARK_CORE_INVENTORY_H_

#include <map>
#include <string>
#include <unordered_map>
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

// The file at `path` (or the file an alias at `path` points to), with
// which mirrors hold it and the problems of those that list it wrongly.
// kNotFound: "file 'x' is not in the inventory".
Status LoadFileFacts(Database* db, const std::string& path, FileRecord* record, FileFacts* facts);

// Just the file's record (one indexed query); kNotFound as above.
Status LoadFileRecord(Database* db, const std::string& path, FileRecord* record);

// Change counters kept by triggers (sql/migrations/0002_change_tracking.sql):
// `files` moves with any change to files or aliases, mirrors[id] with any
// change to that mirror's bitmaps. Values never repeat.
struct InventoryGens {
  long long files = 0;
  std::map<int, long long> mirrors;
};
Status LoadInventoryGens(Database* db, InventoryGens* gens);

// One mirror's bitmaps, indexed by chunk (an empty string for a chunk the
// mirror has no row for).
Status LoadMirrorBitmaps(Database* db, int mirror_id, std::vector<std::string>* chunks);

// Every mirror's bitmaps in memory: which mirror holds which file id, in
// 1 KiB per (chunk of 8192 files, mirror) — 6 MB for 1M files x 50 mirrors.
class FileBitmaps {
 public:
  void Set(int mirror_id, std::vector<std::string> chunks);
  void Erase(int mirror_id);
  // Bit (file_id mod 8192) of the mirror's chunk (file_id / 8192), numbered
  // as PostgreSQL's get_bit() does: least significant bit first.
  bool Holds(int mirror_id, int file_id) const;
  size_t bytes() const;

 private:
  // Indexed by mirror id (PostgreSQL hands out small dense ids): the
  // redirector asks for every mirror on every request, so no hashing.
  std::vector<std::vector<std::string>> by_mirror_;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_INVENTORY_H_
