#include "core/model/file_bitmaps.h"

#include <algorithm>

namespace waymark {

void SetFileBit(std::vector<std::string>* chunks, int file_id) {
  size_t chunk = static_cast<size_t>(file_id) / (kChunkBytes * 8);
  int bit = file_id % (kChunkBytes * 8);
  if (chunks->size() <= chunk) chunks->resize(chunk + 1);
  std::string& c = (*chunks)[chunk];
  if (c.empty()) c.assign(kChunkBytes, '\0');
  c[bit >> 3] = static_cast<char>(static_cast<unsigned char>(c[bit >> 3]) |
                                  (1u << (bit & 7)));
}

bool FileBit(const std::vector<std::string>& chunks, int file_id) {
  size_t chunk = static_cast<size_t>(file_id) / (kChunkBytes * 8);
  if (file_id < 0 || chunk >= chunks.size() || chunks[chunk].empty())
    return false;
  int bit = file_id % (kChunkBytes * 8);
  return (static_cast<unsigned char>(chunks[chunk][bit >> 3]) >> (bit & 7)) & 1;
}

void FileBitmaps::Grow(size_t files, size_t words) {
  if (files <= files_ && words <= words_) return;
  files = std::max(files, files_);
  words = std::max(words, words_);
  if (words == words_) {
    rows_.resize(files * words, 0);
  } else {
    std::vector<uint64_t> rows(files * words, 0);
    for (size_t f = 0; f < files_; ++f)
      std::copy_n(rows_.begin() + static_cast<std::ptrdiff_t>(f * words_),
                  words_,
                  rows.begin() + static_cast<std::ptrdiff_t>(f * words));
    rows_.swap(rows);
  }
  files_ = files;
  words_ = words;
}

void FileBitmaps::ClearSlot(int slot) {
  const uint64_t keep = ~(uint64_t{1} << (slot % 64));
  for (size_t i = static_cast<size_t>(slot) / 64; i < rows_.size(); i += words_)
    rows_[i] &= keep;
}

void FileBitmaps::Set(int mirror_id, const std::vector<std::string>& chunks) {
  if (mirror_id < 0) return;
  size_t id = static_cast<size_t>(mirror_id);
  if (id >= slot_of_.size()) slot_of_.resize(id + 1, -1);
  int& slot = slot_of_[id];
  if (slot < 0) {
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = slots_++;
      id_of_slot_.push_back(-1);
    }
    id_of_slot_[static_cast<size_t>(slot)] = mirror_id;
  }
  // Rows for every file the chunks can name (trailing empty chunks name none).
  size_t files = 0;
  for (size_t c = 0; c < chunks.size(); ++c)
    if (!chunks[c].empty()) files = c * kFilesPerChunk + chunks[c].size() * 8;
  Grow(files, static_cast<size_t>(slot) / 64 + 1);
  ClearSlot(slot);
  const size_t word = static_cast<size_t>(slot) / 64;
  const uint64_t bit = uint64_t{1} << (slot % 64);
  for (size_t c = 0; c < chunks.size(); ++c) {
    const std::string& chunk = chunks[c];
    for (size_t b = 0; b < chunk.size(); ++b) {
      unsigned byte = static_cast<unsigned char>(chunk[b]);
      for (; byte; byte &= byte - 1) {
        size_t file = c * kFilesPerChunk + b * 8 +
                      static_cast<size_t>(__builtin_ctz(byte));
        rows_[file * words_ + word] |= bit;
      }
    }
  }
}

void FileBitmaps::Erase(int mirror_id) {
  if (mirror_id < 0 || static_cast<size_t>(mirror_id) >= slot_of_.size())
    return;
  int& slot = slot_of_[static_cast<size_t>(mirror_id)];
  if (slot < 0) return;
  ClearSlot(slot);
  free_slots_.push_back(slot);
  id_of_slot_[static_cast<size_t>(slot)] = -1;
  slot = -1;
}

void FileBitmaps::Holders(int file_id, MirrorIdSet* out) const {
  out->clear();
  if (file_id < 0 || static_cast<size_t>(file_id) >= files_) return;
  const uint64_t* row = &rows_[static_cast<size_t>(file_id) * words_];
  for (size_t w = 0; w < words_; ++w)
    for (uint64_t bits = row[w]; bits; bits &= bits - 1)
      out->insert(
          id_of_slot_[w * 64 + static_cast<size_t>(__builtin_ctzll(bits))]);
}

}  // namespace waymark
