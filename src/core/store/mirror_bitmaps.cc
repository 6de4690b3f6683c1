#include "core/store/mirror_bitmaps.h"

#include <map>
#include <set>

#include "core/model/file_bitmaps.h"

namespace waymark {

namespace {

bool AllZero(const std::string& c) {
  for (char b : c)
    if (b) return false;
  return true;
}

}  // namespace

std::string IntArray(const std::vector<int>& ids) {
  std::string s = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "}";
}

int ReplaceMirrorBitmaps(pqxx::work& tx, int mirror_id,
                         const std::vector<std::string>& chunks) {
  std::map<int, std::string> old;
  for (const auto& row : tx.exec_params("SELECT chunk, bits FROM mirror_files "
                                        "WHERE mirror_id = $1 FOR UPDATE",
                                        mirror_id)) {
    old[row[0].as<int>()] = pqxx::binarystring(row[1]).str();
  }
  int written = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const std::string& c = chunks[i];
    bool want = !c.empty() && !AllZero(c);
    auto it = old.find(static_cast<int>(i));
    if (it == old.end()) {
      if (!want) continue;
      tx.exec_params(
          "INSERT INTO mirror_files (chunk, mirror_id, bits) VALUES ($1, $2, "
          "$3)",
          static_cast<int>(i), mirror_id, pqxx::binarystring(c));
      ++written;
    } else {
      if (want && it->second == c) {
        old.erase(it);
        continue;
      }
      if (want) {
        tx.exec_params(
            "UPDATE mirror_files SET bits = $3 WHERE chunk = $1 AND mirror_id "
            "= $2",
            static_cast<int>(i), mirror_id, pqxx::binarystring(c));
        old.erase(it);
        ++written;
      }
    }
  }
  // Rows left in `old` have no bits now.
  std::vector<int> gone;
  for (const auto& [chunk, bits] : old) {
    size_t i = static_cast<size_t>(chunk);
    bool want = i < chunks.size() && !chunks[i].empty() && !AllZero(chunks[i]);
    if (!want) gone.push_back(chunk);
  }
  if (!gone.empty()) {
    tx.exec_params(
        "DELETE FROM mirror_files WHERE mirror_id = $1 AND chunk = "
        "ANY($2::int[])",
        mirror_id, IntArray(gone));
    written += static_cast<int>(gone.size());
  }
  return written;
}

int ClearFileBits(pqxx::work& tx, const std::vector<int>& file_ids) {
  if (file_ids.empty()) return 0;
  std::map<int, std::vector<int>> by_chunk;
  for (int id : file_ids)
    by_chunk[id / static_cast<int>(kChunkBytes * 8)].push_back(id);
  std::vector<int> chunk_ids;
  for (const auto& [c, ids] : by_chunk) chunk_ids.push_back(c);
  int written = 0;
  for (const auto& row :
       tx.exec_params("SELECT chunk, mirror_id, bits FROM mirror_files WHERE "
                      "chunk = ANY($1::int[]) "
                      "ORDER BY chunk, mirror_id FOR UPDATE",
                      IntArray(chunk_ids))) {
    int chunk = row[0].as<int>();
    std::string bits = pqxx::binarystring(row[2]).str();
    bool changed = false;
    for (int id : by_chunk[chunk]) {
      int bit = id % static_cast<int>(kChunkBytes * 8);
      unsigned char b = static_cast<unsigned char>(bits[bit >> 3]);
      if (b & (1u << (bit & 7))) {
        bits[bit >> 3] = static_cast<char>(b & ~(1u << (bit & 7)));
        changed = true;
      }
    }
    if (!changed) continue;
    tx.exec_params(
        "UPDATE mirror_files SET bits = $3 WHERE chunk = $1 AND mirror_id = $2",
        chunk, row[1].as<int>(), pqxx::binarystring(bits));
    ++written;
  }
  return written;
}

}  // namespace waymark
