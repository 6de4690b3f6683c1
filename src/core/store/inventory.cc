#include "core/store/inventory.h"

#include <algorithm>
#include <map>

#include "scan/file_hashes.h"
#include "core/store/mirror_store.h"
#include "core/strings.h"

namespace waymark {

Status LoadMirrorStatuses(Database* db, std::vector<MirrorStatus>* out) {
  std::vector<Mirror> mirrors;
  Status s = MirrorStore(db).List(MirrorStore::kWithoutSecrets, &mirrors);
  if (!s.ok()) return s;
  std::map<int, MirrorStatus> by_id;
  for (auto& m : mirrors) {
    MirrorStatus st;
    st.mirror = std::move(m);
    by_id[st.mirror.id] = std::move(st);
  }
  try {
    pqxx::read_transaction tx(db->conn());
    for (const auto& row : tx.exec("SELECT id, trace_lag, max_lag FROM mirrors")) {
      auto it = by_id.find(row[0].as<int>());
      if (it == by_id.end()) continue;  // added since List()
      if (!row[1].is_null()) it->second.trace_lag = row[1].as<long long>();
      if (!row[2].is_null()) it->second.max_lag = row[2].as<long long>();
    }
    for (const auto& row : tx.exec("SELECT mirror_id, scheme, family, up FROM mirror_health")) {
      auto it = by_id.find(row[0].as<int>());
      if (it == by_id.end()) continue;
      Health h = row[3].as<bool>() ? Health::kUp : Health::kDown;
      bool https = row[1].as<std::string>() == "https";
      bool v6 = row[2].as<int>() == 6;
      MirrorStatus& st = it->second;
      (https ? (v6 ? st.https_v6 : st.https_v4) : (v6 ? st.http_v6 : st.http_v4)) = h;
    }
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read mirror health");
  }
  out->clear();
  for (auto& [id, st] : by_id) out->push_back(std::move(st));
  std::sort(out->begin(), out->end(), [](const MirrorStatus& a, const MirrorStatus& b) {
    return a.mirror.name < b.mirror.name;
  });
  return Status::OK();
}

Status LoadFileRecord(Database* db, const std::string& path, FileRecord* record) {
  try {
    pqxx::read_transaction tx(db->conn());
    auto r = tx.exec_params(
        "SELECT f.id, f.path, f.size, "
        "to_char(f.mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
        "f.sha256 "
        "FROM files f WHERE f.path = $1 "
        "UNION ALL "
        "SELECT f.id, f.path, f.size, "
        "to_char(f.mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
        "f.sha256 "
        "FROM file_aliases a JOIN files f ON f.id = a.file_id WHERE a.path = $1 "
        "LIMIT 1",
        path);
    if (r.empty()) return Status::NotFound("file '" + Printable(path) + "' is not in the inventory");
    FileRecord rec;
    rec.id = r[0][0].as<int>();
    rec.path = r[0][1].as<std::string>();
    rec.size = r[0][2].as<long long>();
    rec.mtime = r[0][3].as<std::string>();
    if (!r[0][4].is_null()) {
      pqxx::binarystring sha(r[0][4]);
      rec.sha256 = Sha256Digest::FromBytes(std::string_view(sha.get(), sha.size()));
    }
    *record = std::move(rec);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read file '" + Printable(path) + "'");
  }
}

Sha256Digest Sha256Digest::FromBytes(std::string_view raw) {
  Sha256Digest d;
  d.known = raw.size() == d.bytes.size();
  if (d.known) std::copy(raw.begin(), raw.end(), d.bytes.begin());
  return d;
}

std::string Sha256Digest::Hex() const {
  return known ? waymark::Hex(std::string(bytes.begin(), bytes.end())) : "";
}

Status LoadFileFacts(Database* db, const std::string& path, FileRecord* record, FileFacts* facts) {
  FileRecord rec;
  Status s = LoadFileRecord(db, path, &rec);
  if (!s.ok()) return s;
  try {
    pqxx::read_transaction tx(db->conn());
    FileFacts f;
    f.size = rec.size;
    for (const auto& row : tx.exec_params(
             "SELECT mirror_id FROM mirror_files WHERE chunk = $1 AND get_bit(bits, $2) = 1",
             rec.id / kFilesPerChunk, rec.id % kFilesPerChunk)) {
      f.holders.insert(row[0].as<int>());
    }
    for (const auto& row : tx.exec_params(
             "SELECT mirror_id, problem FROM mirror_file_problems WHERE file_id = $1", rec.id)) {
      f.problems[row[0].as<int>()] = row[1].as<std::string>();
    }
    *record = std::move(rec);
    *facts = std::move(f);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read file '" + Printable(path) + "'");
  }
}

Status LoadInventoryGens(Database* db, InventoryGens* gens) {
  try {
    pqxx::read_transaction tx(db->conn());
    InventoryGens g;
    g.files = tx.exec1("SELECT files_gen FROM inventory_state")[0].as<long long>();
    for (const auto& row : tx.exec("SELECT id, files_gen FROM mirrors"))
      g.mirrors[row[0].as<int>()] = row[1].as<long long>();
    *gens = std::move(g);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the inventory's change counters");
  }
}

Status LoadMirrorBitmaps(Database* db, int mirror_id, std::vector<std::string>* chunks) {
  try {
    pqxx::read_transaction tx(db->conn());
    std::vector<std::string> out;
    for (const auto& row :
         tx.exec_params("SELECT chunk, bits FROM mirror_files WHERE mirror_id = $1", mirror_id)) {
      size_t chunk = row[0].as<size_t>();
      pqxx::binarystring bits(row[1]);
      if (bits.size() != kFilesPerChunk / 8) continue;  // the schema forbids it
      if (out.size() <= chunk) out.resize(chunk + 1);
      out[chunk] = bits.str();
    }
    *chunks = std::move(out);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the file bitmaps of mirror " + std::to_string(mirror_id));
  }
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
      std::copy_n(rows_.begin() + static_cast<std::ptrdiff_t>(f * words_), words_,
                  rows.begin() + static_cast<std::ptrdiff_t>(f * words));
    rows_.swap(rows);
  }
  files_ = files;
  words_ = words;
}

void FileBitmaps::ClearSlot(int slot) {
  const uint64_t keep = ~(uint64_t{1} << (slot % 64));
  for (size_t i = static_cast<size_t>(slot) / 64; i < rows_.size(); i += words_) rows_[i] &= keep;
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
        size_t file = c * kFilesPerChunk + b * 8 + static_cast<size_t>(__builtin_ctz(byte));
        rows_[file * words_ + word] |= bit;
      }
    }
  }
}

void FileBitmaps::Erase(int mirror_id) {
  if (mirror_id < 0 || static_cast<size_t>(mirror_id) >= slot_of_.size()) return;
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
      out->insert(id_of_slot_[w * 64 + static_cast<size_t>(__builtin_ctzll(bits))]);
}

}  // namespace waymark
