#include "core/inventory.h"

#include <algorithm>
#include <map>

#include "core/mirror_store.h"
#include "core/strings.h"

namespace waymark {

Status LoadMirrorStatuses(Database* db, std::vector<MirrorStatus>* out) {
  std::vector<Mirror> mirrors;
  Status s = MirrorStore(db).List(&mirrors);
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
        "coalesce(encode(f.sha256, 'hex'), '') "
        "FROM files f WHERE f.path = $1 "
        "UNION ALL "
        "SELECT f.id, f.path, f.size, "
        "to_char(f.mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
        "coalesce(encode(f.sha256, 'hex'), '') "
        "FROM file_aliases a JOIN files f ON f.id = a.file_id WHERE a.path = $1 "
        "LIMIT 1",
        path);
    if (r.empty()) return Status::NotFound("file '" + Printable(path) + "' is not in the inventory");
    FileRecord rec;
    rec.id = r[0][0].as<int>();
    rec.path = r[0][1].as<std::string>();
    rec.size = r[0][2].as<long long>();
    rec.mtime = r[0][3].as<std::string>();
    rec.sha256_hex = r[0][4].as<std::string>();
    *record = std::move(rec);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read file '" + Printable(path) + "'");
  }
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

void FileBitmaps::Set(int mirror_id, std::vector<std::string> chunks) {
  if (mirror_id < 0) return;
  if (static_cast<size_t>(mirror_id) >= by_mirror_.size()) by_mirror_.resize(mirror_id + 1);
  by_mirror_[mirror_id] = std::move(chunks);
}

void FileBitmaps::Erase(int mirror_id) {
  if (mirror_id >= 0 && static_cast<size_t>(mirror_id) < by_mirror_.size()) {
    std::vector<std::string>().swap(by_mirror_[mirror_id]);
  }
}

bool FileBitmaps::Holds(int mirror_id, int file_id) const {
  if (file_id < 0 || mirror_id < 0 || static_cast<size_t>(mirror_id) >= by_mirror_.size()) return false;
  const std::vector<std::string>& chunks = by_mirror_[mirror_id];
  size_t chunk = static_cast<size_t>(file_id) / kFilesPerChunk;
  if (chunk >= chunks.size() || chunks[chunk].empty()) return false;
  int bit = file_id % kFilesPerChunk;
  return (static_cast<unsigned char>(chunks[chunk][bit >> 3]) >> (bit & 7)) & 1;
}

size_t FileBitmaps::bytes() const {
  size_t n = 0;
  for (const auto& chunks : by_mirror_)
    for (const auto& c : chunks) n += c.size();
  return n;
}

}  // namespace waymark
