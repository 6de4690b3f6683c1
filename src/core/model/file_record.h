// A file of the inventory as the redirector answers about it: its id,
// path, size, mtime and SHA-256. Plain values: the store fills them from
// PostgreSQL (core/store/inventory.h), the file index from memory
// (file_index.h), and responses read them.
#ifndef WAYMARK_CORE_MODEL_FILE_RECORD_H_
#define WAYMARK_CORE_MODEL_FILE_RECORD_H_

#include <array>
#include <string>
#include <string_view>

namespace waymark {

// A SHA-256 as 32 raw bytes, as the database and the file index hold it:
// hex and base64 are made only where an answer shows them, not on the way
// through every request.
struct Sha256Digest {
  std::array<unsigned char, 32> bytes{};
  bool known = false;       // false when the file is not hashed
  std::string Hex() const;  // lower-case; "" when not known
  // From the bytes the database holds: known only when there are 32.
  static Sha256Digest FromBytes(std::string_view raw);
};

struct FileRecord {
  int id = 0;
  std::string path;  // the file's own path (an alias resolves to it)
  long long size = 0;
  std::string mtime;  // UTC, "YYYY-MM-DD HH:MM:SS"
  Sha256Digest sha256;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_FILE_RECORD_H_
