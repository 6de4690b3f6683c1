// Every file of the inventory in one compact, read-only structure: path (or
// alias) -> id, size, SHA-256. A child of the redirector's master builds it
// from PostgreSQL and hands it over serialized; the master forks the
// workers with it, and they share its pages (copy-on-write, never written
// after the fork): a request for a file costs no SQL and no per-worker
// memory, whatever the popularity of the file. When the repository
// changes, a new index is built and the master replaces the workers, as on
// SIGHUP. Pure: LoadFileIndex() in core/store/inventory.h fills it from
// PostgreSQL.
//
// About 115 bytes per file with 40-byte paths (the path, a 64-byte entry and
// two to four 4-byte hash slots), held once per host rather than once per
// worker.
#ifndef WAYMARK_CORE_MODEL_FILE_INDEX_H_
#define WAYMARK_CORE_MODEL_FILE_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/file_record.h"
#include "core/status.h"

namespace waymark {

class FileIndex {
 public:
  // `sha256` is 32 raw bytes or empty.
  void AddFile(int id, std::string_view path, long long size,
               std::string_view sha256);
  // An alias resolves to the file added with `target_id`; unknown targets
  // are ignored by Finish().
  void AddAlias(std::string_view alias, int target_id);
  // Builds the hash table; call once, after the last Add.
  void Finish();

  // The file at `path`, or the file an alias at `path` points to. Fills
  // id, path (the file's own), size and sha256; mtime stays empty.
  bool Find(std::string_view path, FileRecord* out) const;

  // The finished index as bytes, and back: the redirector builds it in a
  // child process and hands it to its master this way. Deserialize()
  // refuses bytes that Serialize() did not make (kInvalidArgument).
  std::string Serialize() const;
  static Status Deserialize(std::string_view bytes, FileIndex* out);

  size_t files() const { return files_; }
  size_t aliases() const { return entries_.size() - files_; }
  size_t bytes() const;
  // inventory_state.files_gen the index was read at.
  long long gen = 0;

 private:
  struct Entry {
    long long size;
    uint64_t path_offset;
    uint32_t path_length;
    int32_t id;
    int32_t target;       // index of the file entry an alias points to, else -1
    Sha256Digest sha256;  // last: its 33 bytes fill the entry to 64
  };
  static_assert(sizeof(Entry) == 64, "the size stated above");
  std::string_view PathOf(const Entry& e) const {
    return std::string_view(arena_).substr(e.path_offset, e.path_length);
  }

  std::string arena_;           // every path, back to back
  std::vector<Entry> entries_;  // files, then aliases
  std::vector<std::pair<int, std::string>> pending_aliases_;
  std::vector<uint32_t> slots_;  // open addressing: entry index + 1, 0 = empty
  size_t files_ = 0;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_FILE_INDEX_H_
