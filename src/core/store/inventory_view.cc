#include "core/store/inventory_view.h"

#include "core/store/db.h"
#include "core/store/inventory.h"
#include "core/strings.h"

namespace waymark {

namespace {

constexpr char kMtime[] =
    "to_char(f.mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')";

}  // namespace

Status ListFiles(Database* db, const std::string& prefix,
                 std::vector<FileSummary>* out) {
  try {
    pqxx::read_transaction tx(db->conn());
    // Holders counted from the bitmaps in memory: one pass over each
    // mirror's rows instead of a get_bit() per (file, mirror).
    FileBitmaps bitmaps;
    std::vector<int> mirror_ids;
    for (const auto& row : tx.exec("SELECT id FROM mirrors"))
      mirror_ids.push_back(row[0].as<int>());
    for (int id : mirror_ids) {
      std::vector<std::string> chunks;
      for (const auto& row : tx.exec_params(
               "SELECT chunk, bits FROM mirror_files WHERE mirror_id = $1",
               id)) {
        size_t c = row[0].as<size_t>();
        if (chunks.size() <= c) chunks.resize(c + 1);
        chunks[c] = pqxx::binarystring(row[1]).str();
      }
      bitmaps.Set(id, std::move(chunks));
    }
    std::vector<FileSummary> files;
    for (const auto& row : tx.exec_params(
             std::string("SELECT f.id, f.path, f.size, ") + kMtime +
                 ", coalesce(encode(f.sha256, 'hex'), '') FROM files f "
                 "WHERE left(f.path, length($1)) = $1 ORDER BY f.path",
             prefix)) {
      FileSummary s;
      s.id = row[0].as<int>();
      s.path = row[1].as<std::string>();
      s.size = row[2].as<long long>();
      s.mtime = row[3].as<std::string>();
      s.sha256_hex = row[4].as<std::string>();
      for (int id : mirror_ids) s.mirrors += bitmaps.Holds(id, s.id);
      files.push_back(std::move(s));
    }
    *out = std::move(files);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot list files");
  }
}

Status ShowFile(Database* db, const std::string& path, FileDetail* out) {
  FileRecord rec;
  Status s = LoadFileRecord(db, path, &rec);
  if (!s.ok()) return s;
  try {
    pqxx::read_transaction tx(db->conn());
    FileDetail d;
    auto r = tx.exec_params1(
        std::string("SELECT f.id, f.path, f.size, ") + kMtime +
            ", coalesce(encode(f.sha256, 'hex'), ''), coalesce(encode(f.sha1, "
            "'hex'), ''), "
            "coalesce(encode(f.md5, 'hex'), ''), coalesce(f.piece_size, 0), "
            "coalesce(octet_length(f.piece_sha1) / 20, 0), "
            "to_char(f.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
            "FROM files f WHERE f.id = $1",
        rec.id);
    d.file.id = r[0].as<int>();
    d.file.path = r[1].as<std::string>();
    d.file.size = r[2].as<long long>();
    d.file.mtime = r[3].as<std::string>();
    d.file.sha256_hex = r[4].as<std::string>();
    d.sha1_hex = r[5].as<std::string>();
    d.md5_hex = r[6].as<std::string>();
    d.piece_size = r[7].as<long long>();
    d.pieces = r[8].as<long long>();
    d.updated_at = r[9].as<std::string>();
    for (const auto& row : tx.exec_params(
             "SELECT path FROM file_aliases WHERE file_id = $1 ORDER BY path",
             rec.id))
      d.aliases.push_back(row[0].as<std::string>());
    for (const auto& row : tx.exec_params(
             "SELECT m.name, m.enabled, "
             "coalesce((SELECT get_bit(mf.bits, $2) = 1 FROM mirror_files mf "
             "          WHERE mf.mirror_id = m.id AND mf.chunk = $3), false), "
             "p.problem, p.mirror_size, "
             "to_char(p.mirror_mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD "
             "HH24:MI:SS'), "
             "m.last_good_scan_at IS NOT NULL "
             "FROM mirrors m LEFT JOIN mirror_file_problems p "
             "  ON p.mirror_id = m.id AND p.file_id = $1 "
             "ORDER BY m.name",
             rec.id, rec.id % kFilesPerChunk, rec.id / kFilesPerChunk)) {
      MirrorHolding h;
      h.mirror = row[0].as<std::string>();
      h.enabled = row[1].as<bool>();
      h.holds = row[2].as<bool>();
      if (h.holds) {
        h.state = "holds";
      } else if (!row[3].is_null()) {
        h.state =
            row[3].as<std::string>() == "wrong_size" ? "wrong size" : "too old";
        if (!row[4].is_null()) h.mirror_size = row[4].as<long long>();
        if (!row[5].is_null()) h.mirror_mtime = row[5].as<std::string>();
      } else if (!row[6].as<bool>()) {
        h.state = "never scanned";
      } else {
        h.state = "missing";
      }
      d.mirrors.push_back(std::move(h));
    }
    *out = std::move(d);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read file '" + Printable(path) + "'");
  }
}

}  // namespace waymark
