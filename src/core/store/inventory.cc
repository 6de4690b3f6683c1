#include "core/store/inventory.h"

#include <algorithm>
#include <map>

#include "core/store/db.h"
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
    for (const auto& row :
         tx.exec("SELECT id, trace_lag, max_lag, "
                 "extract(epoch FROM trace_checked_at)::bigint FROM mirrors")) {
      auto it = by_id.find(row[0].as<int>());
      if (it == by_id.end()) continue;  // added since List()
      if (!row[1].is_null()) it->second.trace_lag = row[1].as<long long>();
      if (!row[2].is_null()) it->second.max_lag = row[2].as<long long>();
      if (!row[3].is_null()) it->second.checked_at = row[3].as<long long>();
    }
    for (const auto& row :
         tx.exec("SELECT mirror_id, scheme, family, up FROM mirror_health")) {
      auto it = by_id.find(row[0].as<int>());
      if (it == by_id.end()) continue;
      Health h = row[3].as<bool>() ? Health::kUp : Health::kDown;
      bool https = row[1].as<std::string>() == "https";
      bool v6 = row[2].as<int>() == 6;
      MirrorStatus& st = it->second;
      (https ? (v6 ? st.https_v6 : st.https_v4)
             : (v6 ? st.http_v6 : st.http_v4)) = h;
    }
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read mirror health");
  }
  out->clear();
  for (auto& [id, st] : by_id) out->push_back(std::move(st));
  std::sort(out->begin(), out->end(),
            [](const MirrorStatus& a, const MirrorStatus& b) {
              return a.mirror.name < b.mirror.name;
            });
  return Status::OK();
}

Status LoadFileRecord(Database* db, const std::string& path,
                      FileRecord* record) {
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
        "FROM file_aliases a JOIN files f ON f.id = a.file_id WHERE a.path = "
        "$1 "
        "LIMIT 1",
        path);
    if (r.empty())
      return Status::NotFound("file '" + Printable(path) +
                              "' is not in the inventory");
    FileRecord rec;
    rec.id = r[0][0].as<int>();
    rec.path = r[0][1].as<std::string>();
    rec.size = r[0][2].as<long long>();
    rec.mtime = r[0][3].as<std::string>();
    if (!r[0][4].is_null()) {
      pqxx::binarystring sha(r[0][4]);
      rec.sha256 =
          Sha256Digest::FromBytes(std::string_view(sha.get(), sha.size()));
    }
    *record = std::move(rec);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read file '" + Printable(path) + "'");
  }
}

Status LoadFileFacts(Database* db, const std::string& path, FileRecord* record,
                     FileFacts* facts) {
  FileRecord rec;
  Status s = LoadFileRecord(db, path, &rec);
  if (!s.ok()) return s;
  try {
    pqxx::read_transaction tx(db->conn());
    FileFacts f;
    f.size = rec.size;
    for (const auto& row :
         tx.exec_params("SELECT mirror_id FROM mirror_files WHERE chunk = $1 "
                        "AND get_bit(bits, $2) = 1",
                        rec.id / kFilesPerChunk, rec.id % kFilesPerChunk)) {
      f.holders.insert(row[0].as<int>());
    }
    for (const auto& row :
         tx.exec_params("SELECT mirror_id, problem FROM mirror_file_problems "
                        "WHERE file_id = $1",
                        rec.id)) {
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
    g.files =
        tx.exec1("SELECT files_gen FROM inventory_state")[0].as<long long>();
    for (const auto& row : tx.exec("SELECT id, files_gen FROM mirrors"))
      g.mirrors[row[0].as<int>()] = row[1].as<long long>();
    *gens = std::move(g);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the inventory's change counters");
  }
}

Status LoadMirrorBitmaps(Database* db, int mirror_id,
                         std::vector<std::string>* chunks) {
  try {
    pqxx::read_transaction tx(db->conn());
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
             "SELECT chunk, bits FROM mirror_files WHERE mirror_id = $1",
             mirror_id)) {
      size_t chunk = row[0].as<size_t>();
      pqxx::binarystring bits(row[1]);
      if (bits.size() != kFilesPerChunk / 8) continue;  // the schema forbids it
      if (out.size() <= chunk) out.resize(chunk + 1);
      out[chunk] = bits.str();
    }
    *chunks = std::move(out);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the file bitmaps of mirror " +
                                std::to_string(mirror_id));
  }
}

Status LoadFileIndex(Database* db, FileIndex* index) {
  constexpr int kBatch = 100000;
  try {
    FileIndex fresh;
    // One snapshot for the counter and every batch, so they agree.
    pqxx::transaction<pqxx::repeatable_read, pqxx::readwrite_policy::read_only>
        tx(db->conn());
    fresh.gen =
        tx.exec1("SELECT files_gen FROM inventory_state")[0].as<long long>();
    long long max_id =
        tx.exec1("SELECT coalesce(max(id), -1) FROM files")[0].as<long long>();
    for (long long from = 0; from <= max_id; from += kBatch) {
      auto rows = tx.exec_params(
          "SELECT id, path, size, sha256 FROM files WHERE id >= $1 AND id < $2",
          from, from + kBatch);
      for (const auto& row : rows) {
        std::string sha;
        if (!row[3].is_null()) sha = pqxx::binarystring(row[3]).str();
        fresh.AddFile(row[0].as<int>(), row[1].c_str(), row[2].as<long long>(),
                      sha);
      }
    }
    for (const auto& row : tx.exec("SELECT path, file_id FROM file_aliases"))
      fresh.AddAlias(row[0].c_str(), row[1].as<int>());
    tx.commit();
    fresh.Finish();
    *index = std::move(fresh);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the file index");
  }
}

}  // namespace waymark
