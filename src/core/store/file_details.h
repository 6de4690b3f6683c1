// What the inventory knows about one file beyond the FileIndex's id, size
// and SHA-256: its modification time, SHA-1, MD5 and Metalink piece hashes.
// Read by the redirector only for the rare outputs that show them (mirror
// list, JSON, Metalink, ?sha1/?md5), never for a redirect.
#ifndef WAYMARK_CORE_STORE_FILE_DETAILS_H_
#define WAYMARK_CORE_STORE_FILE_DETAILS_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct FileDetails {
  std::string mtime;     // UTC, "YYYY-MM-DD HH:MM:SS"
  std::string sha1_hex;  // "" when not hashed
  std::string md5_hex;
  long long piece_size = 0;                 // 0: no piece hashes
  std::vector<std::string> piece_sha1_hex;  // one per piece_size block
};

// The file with id `file_id`; kNotFound when it is gone.
Status LoadFileDetails(Database* db, int file_id, FileDetails* out);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_FILE_DETAILS_H_
