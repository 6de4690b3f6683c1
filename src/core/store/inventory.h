// Reading the inventory for mirror selection: every mirror with its health
// and freshness, and, for one path, the file's facts and which mirrors hold
// it (from the per-mirror bitmaps, see sql/migrations/0001_initial.sql).
#ifndef WAYMARK_CORE_STORE_INVENTORY_H_
#define WAYMARK_CORE_STORE_INVENTORY_H_

#include <array>
#include <map>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/store/db.h"
#include "core/model/selection.h"
#include "core/status.h"

namespace waymark {

// Files per bitmap chunk; must match the schema's `id >> 13`.
constexpr int kFilesPerChunk = 8192;

// All mirrors, by name, with health per scheme and family and trace lag;
// without rsync/FTP URLs and admin contact (MirrorStore::kWithoutSecrets),
// which the redirector's role may not read.
Status LoadMirrorStatuses(Database* db, std::vector<MirrorStatus>* out);

// A SHA-256 as 32 raw bytes, as the database and the file index hold it:
// hex and base64 are made only where an answer shows them, not on the way
// through every request.
struct Sha256Digest {
  std::array<unsigned char, 32> bytes{};
  bool known = false;  // false when the file is not hashed
  std::string Hex() const;  // lower-case; "" when not known
  // From the bytes the database holds: known only when there are 32.
  static Sha256Digest FromBytes(std::string_view raw);
};

struct FileRecord {
  int id = 0;
  std::string path;       // the file's own path (an alias resolves to it)
  long long size = 0;
  std::string mtime;      // UTC, "YYYY-MM-DD HH:MM:SS"
  Sha256Digest sha256;
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

// Every mirror's bitmaps in memory: which mirror holds which file id.
// Stored the other way round from the database's per-mirror chunks: one
// row of bits per file, a bit per mirror (a "slot"), so that the
// redirector's question for every request, "which of the 50 mirrors hold
// this file?", reads one cache line rather than 50 scattered ones. 8 bytes
// per file up to 64 mirrors (8 MB at 1M files), 8 more per 64 mirrors.
class FileBitmaps {
 public:
  // Replaces the mirror's bits with `chunks` (the database's rows: chunk c
  // holds files c * 8192 ...; "" for a chunk without a row).
  void Set(int mirror_id, const std::vector<std::string>& chunks);
  void Erase(int mirror_id);
  // Bit (file_id mod 8192) of the mirror's chunk (file_id / 8192), numbered
  // as PostgreSQL's get_bit() does: least significant bit first.
  bool Holds(int mirror_id, int file_id) const {
    if (file_id < 0 || mirror_id < 0 || static_cast<size_t>(mirror_id) >= slot_of_.size())
      return false;
    int slot = slot_of_[static_cast<size_t>(mirror_id)];
    if (slot < 0 || static_cast<size_t>(file_id) >= files_) return false;
    return rows_[static_cast<size_t>(file_id) * words_ + static_cast<size_t>(slot) / 64] >>
               (slot % 64) & 1;
  }
  // The ids of every mirror holding `file_id`, into `out` (cleared first):
  // the set bits of the file's row, so the redirector asks once per
  // request instead of once per mirror.
  void Holders(int file_id, MirrorIdSet* out) const;
  size_t bytes() const { return rows_.size() * sizeof(uint64_t); }

 private:
  void ClearSlot(int slot);
  void Grow(size_t files, size_t words);

  std::vector<int> slot_of_;     // by mirror id; -1: none
  std::vector<int> id_of_slot_;  // by slot; -1: free
  std::vector<int> free_slots_;  // of erased mirrors, reused first
  int slots_ = 0;                // slots handed out
  size_t words_ = 0;             // 64-bit words per file row
  size_t files_ = 0;             // rows
  std::vector<uint64_t> rows_;   // files_ x words_
};

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_INVENTORY_H_
