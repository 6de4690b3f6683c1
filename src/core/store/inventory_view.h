// The inventory as `waymark file list|show` shows it: files with their
// hashes and aliases, and for each mirror whether it holds the file or why
// not (missing, wrong size, too old, never scanned).
#ifndef WAYMARK_CORE_STORE_INVENTORY_VIEW_H_
#define WAYMARK_CORE_STORE_INVENTORY_VIEW_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct FileSummary {
  int id = 0;
  std::string path;
  long long size = 0;
  std::string mtime;  // UTC, "YYYY-MM-DD HH:MM:SS"
  std::string sha256_hex;
  int mirrors = 0;  // mirrors holding it
};

// Files whose path starts with `prefix` ("" for all), by path.
Status ListFiles(Database* db, const std::string& prefix,
                 std::vector<FileSummary>* out);

struct MirrorHolding {
  std::string mirror;
  bool enabled = false;
  bool holds = false;
  // "holds", "missing", "wrong size", "too old", "never scanned"
  std::string state;
  long long mirror_size = -1;  // for wrong size / too old, else -1
  std::string mirror_mtime;    // for too old / wrong size when known
};

struct FileDetail {
  FileSummary file;
  std::string sha1_hex, md5_hex;
  long long piece_size = 0;
  long long pieces = 0;
  std::string updated_at;
  std::vector<std::string> aliases;
  std::vector<MirrorHolding> mirrors;  // by mirror name
};

// The file at `path` or the file an alias at `path` names.
// kNotFound: "file 'x' is not in the inventory".
Status ShowFile(Database* db, const std::string& path, FileDetail* out);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_INVENTORY_VIEW_H_
