#include "core/store/file_details.h"

#include "core/store/db.h"

namespace waymark {

Status LoadFileDetails(Database* db, int file_id, FileDetails* out) {
  try {
    pqxx::read_transaction tx(db->conn());
    auto r = tx.exec_params(
        "SELECT to_char(mtime AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
        "coalesce(encode(sha1, 'hex'), ''), coalesce(encode(md5, 'hex'), ''), "
        "coalesce(piece_size, 0), coalesce(encode(piece_sha1, 'hex'), '') "
        "FROM files WHERE id = $1",
        file_id);
    if (r.empty())
      return Status::NotFound("file " + std::to_string(file_id) + " is gone");
    FileDetails d;
    d.mtime = r[0][0].as<std::string>();
    d.sha1_hex = r[0][1].as<std::string>();
    d.md5_hex = r[0][2].as<std::string>();
    d.piece_size = r[0][3].as<long long>();
    std::string pieces = r[0][4].as<std::string>();
    // encode() wraps nothing for 'hex'; each SHA-1 is 40 hex digits.
    for (size_t i = 0; i + 40 <= pieces.size(); i += 40)
      d.piece_sha1_hex.push_back(pieces.substr(i, 40));
    if (d.piece_sha1_hex.empty()) d.piece_size = 0;
    *out = std::move(d);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(
        e, "cannot read the hashes of file " + std::to_string(file_id));
  }
}

}  // namespace waymark
