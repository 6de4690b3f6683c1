// Which mirror holds which file, in memory: the per-mirror bitmaps of
// sql/migrations/0001_initial.sql (a chunk of 8192 bits per 8192 file ids,
// numbered as PostgreSQL's get_bit() numbers them) and FileBitmaps, the
// redirector's transposed copy of every mirror's. Pure code: the scanner
// builds chunks with SetFileBit() and the store writes them
// (core/store/mirror_bitmaps.h); the redirector loads them
// (core/store/inventory.h) into a FileBitmaps.
#ifndef WAYMARK_CORE_MODEL_FILE_BITMAPS_H_
#define WAYMARK_CORE_MODEL_FILE_BITMAPS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/selection.h"

namespace waymark {

// Files per bitmap chunk; must match the schema's `id >> 13`.
constexpr int kFilesPerChunk = 8192;
constexpr size_t kChunkBytes = 1024;  // 8192 files

// Bit f of a mirror's bitmaps, in get_bit() order; chunks grow as needed.
void SetFileBit(std::vector<std::string>* chunks, int file_id);
bool FileBit(const std::vector<std::string>& chunks, int file_id);

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
    if (file_id < 0 || mirror_id < 0 ||
        static_cast<size_t>(mirror_id) >= slot_of_.size())
      return false;
    int slot = slot_of_[static_cast<size_t>(mirror_id)];
    if (slot < 0 || static_cast<size_t>(file_id) >= files_) return false;
    return rows_[static_cast<size_t>(file_id) * words_ +
                 static_cast<size_t>(slot) / 64] >>
               (slot % 64) &
           1;
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

#endif  // WAYMARK_CORE_MODEL_FILE_BITMAPS_H_
