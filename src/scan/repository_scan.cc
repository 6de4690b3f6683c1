#include "scan/repository_scan.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "core/log.h"
#include "core/store/db.h"
#include "core/store/mirror_bitmaps.h"
#include "core/store/scan_locks.h"
#include "core/strings.h"
#include "scan/repository_walk.h"

namespace waymark {

namespace {

struct DbFile {
  int id = 0;
  long long size = 0;
  long long mtime_us = 0;
  long long inode = -1;
  bool has_sha256 = false, has_sha1 = false, has_md5 = false;
  long long piece_size = 0;
  std::array<unsigned char, 32> sha256{};  // raw, when has_sha256
};

// A file to write: new, or changed (existing id).
struct Pending {
  const WalkedFile* walked = nullptr;
  int id = -1;  // existing id, or -1 for a new file
  FileHashes hashes;
  bool ok = false;
  std::string error;
};

bool UnderAny(const std::string& path, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    if (d.empty()) return true;
    if (path.size() > d.size() && path.compare(0, d.size(), d) == 0 &&
        path[d.size()] == '/')
      return true;
  }
  return false;
}

std::string HexOrEmpty(const std::string& raw) {
  return raw.empty() ? "" : Hex(raw);
}

// Hashes every pending file on `jobs` threads; reports progress from this
// thread about twice a second.
void HashAll(const RepositoryScanOptions& o, std::vector<Pending>* pending,
             RepositoryScanResult* result) {
  std::atomic<size_t> next{0}, done{0};
  std::atomic<long long> bytes{0};
  int jobs =
      std::max(1, std::min<int>(o.jobs, static_cast<int>(pending->size())));
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t) {
    threads.emplace_back([&] {
      while (true) {
        size_t i = next++;
        if (i >= pending->size()) return;
        Pending& p = (*pending)[i];
        Status s = HashRepositoryFile(o.root, p.walked->path,
                                      {p.walked->device, p.walked->inode},
                                      o.hashes, &p.hashes);
        p.ok = s.ok();
        if (!s.ok()) p.error = s.message();
        bytes += p.hashes.size;
        ++done;
      }
    });
  }
  if (o.progress) {
    while (done < pending->size()) {
      o.progress(done, pending->size(), bytes);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    o.progress(done, pending->size(), bytes);
  }
  for (auto& t : threads) t.join();
  result->hashed_bytes = bytes;
}

}  // namespace

Status ScanRepository(Database* db, const RepositoryScanOptions& o,
                      RepositoryScanResult* out) {
  ScanLock lock;
  bool got = false;
  Status s = lock.TryAcquire(db, 0, &got);
  if (!s.ok()) return s;
  if (!got)
    return Status::FailedPrecondition(
        "another repository scan is running (its advisory lock is held); not "
        "scanning");

  RepositoryTree tree;
  s = WalkRepository(o.root, o.excludes, &tree);
  if (!s.ok()) return s;
  RepositoryScanResult r;
  r.files = tree.files.size();
  for (const auto& w : tree.warnings) LogWarning(Printable(w));
  r.warnings = tree.warnings.size();

  // The inventory as it is.
  std::unordered_map<std::string, DbFile> db_files;
  std::map<std::string, int> db_aliases;
  int max_id = -1;
  try {
    // One snapshot, read in batches of ids so that a million files never
    // sit in one result.
    constexpr int kBatch = 100000;
    pqxx::transaction<pqxx::repeatable_read, pqxx::readwrite_policy::read_only>
        tx(db->conn());
    long long last_id =
        tx.exec1("SELECT coalesce(max(id), -1) FROM files")[0].as<long long>();
    for (long long from = 0; from <= last_id; from += kBatch) {
      for (const auto& row :
           tx.exec_params("SELECT id, path, size, (extract(epoch FROM mtime) * "
                          "1000000)::bigint, "
                          "coalesce(inode, -1), sha256 IS NOT NULL, sha1 IS "
                          "NOT NULL, md5 IS NOT NULL, "
                          "coalesce(piece_size, 0), sha256 FROM files WHERE id "
                          ">= $1 AND id < $2",
                          from, from + kBatch)) {
        DbFile f;
        f.id = row[0].as<int>();
        f.size = row[2].as<long long>();
        f.mtime_us = row[3].as<long long>();
        f.inode = row[4].as<long long>();
        f.has_sha256 = row[5].as<bool>();
        f.has_sha1 = row[6].as<bool>();
        f.has_md5 = row[7].as<bool>();
        f.piece_size = row[8].as<long long>();
        if (f.has_sha256) {
          pqxx::binarystring raw(row[9]);
          if (raw.size() == f.sha256.size())
            std::copy(raw.begin(), raw.end(), f.sha256.begin());
        }
        max_id = std::max(max_id, f.id);
        db_files.emplace(row[1].as<std::string>(), std::move(f));
      }
    }
    for (const auto& row : tx.exec("SELECT path, file_id FROM file_aliases"))
      db_aliases[row[0].as<std::string>()] = row[1].as<int>();
    tx.commit();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the inventory");
  }

  // An empty tree over a full inventory is far more likely an unmounted
  // disk than a deliberate wipe: refuse rather than remove every file.
  if (tree.files.empty() && !db_files.empty() && tree.unreadable_dirs.empty())
    return Status::FailedPrecondition(
        "repository.path '" + Printable(o.root) +
        "' has no files but the inventory has " +
        std::to_string(db_files.size()) +
        "; not removing them all (is the repository mounted?)");

  // What changed.
  std::vector<Pending> pending;
  std::vector<bool> used(static_cast<size_t>(max_id + 1), false);
  std::unordered_map<std::string, int>
      walked_ids;  // path -> id, existing files
  for (const auto& w : tree.files) {
    auto it = db_files.find(w.path);
    if (it == db_files.end()) {
      pending.push_back({&w, -1, {}, false, ""});
      continue;
    }
    const DbFile& f = it->second;
    used[f.id] = true;
    walked_ids[w.path] = f.id;
    bool stale = f.size != w.size || f.mtime_us != w.mtime_us ||
                 f.inode != w.inode || !f.has_sha256 ||
                 (o.hashes.sha1 && !f.has_sha1) ||
                 (o.hashes.md5 && !f.has_md5) ||
                 (o.hashes.piece_size > 0 && f.size > 0 &&
                  f.piece_size != o.hashes.piece_size);
    if (stale || o.rehash) pending.push_back({&w, f.id, {}, false, ""});
  }
  std::vector<int> removed;
  for (const auto& [path, f] : db_files) {
    if (walked_ids.count(path)) continue;
    // Under a directory we could not read: keep what we knew.
    if (UnderAny(path, tree.unreadable_dirs)) {
      used[f.id] = true;
      walked_ids[path] = f.id;
      ++r.kept;
      continue;
    }
    removed.push_back(f.id);
  }

  HashAll(o, &pending, &r);

  // New files get the lowest free ids; changed files keep theirs.
  std::vector<int> clear_bits = removed;
  std::vector<int> changed_ids;
  size_t free_cursor = 0;
  std::vector<Pending*> writes;
  for (auto& p : pending) {
    if (!p.ok) {
      LogWarning(Printable("not hashed: " + p.error));
      ++r.warnings;
      continue;
    }
    // The file may have changed between the walk and the hash: record what
    // was hashed.
    if (p.id >= 0) {
      const DbFile& f = db_files.at(p.walked->path);
      bool content =
          f.size != p.hashes.size || f.mtime_us != p.hashes.mtime_us ||
          !f.has_sha256 ||
          std::string(f.sha256.begin(), f.sha256.end()) != p.hashes.sha256;
      bool anything = content || f.inode != p.hashes.inode ||
                      o.hashes.sha1 != f.has_sha1 ||
                      o.hashes.md5 != f.has_md5 ||
                      (f.size > 0 && f.piece_size != o.hashes.piece_size);
      if (!anything) continue;  // --rehash found the same bytes
      if (content) {
        clear_bits.push_back(p.id);
        ++r.changed;
      }
      changed_ids.push_back(p.id);
      writes.push_back(&p);
    } else {
      while (free_cursor < used.size() && used[free_cursor]) ++free_cursor;
      p.id = static_cast<int>(free_cursor);
      if (free_cursor < used.size())
        used[free_cursor] = true;
      else
        used.push_back(true);
      ++free_cursor;
      walked_ids[p.walked->path] = p.id;
      clear_bits.push_back(p.id);
      writes.push_back(&p);
      ++r.added;
    }
    ++r.hashed;
  }
  r.removed = removed.size();
  r.kept += tree.files.size() - r.added - r.changed;

  // Aliases wanted now.
  std::map<std::string, int> want_aliases;
  for (const auto& [alias, target] : ResolveAliases(tree.files, tree.links)) {
    auto it = walked_ids.find(target);
    if (it != walked_ids.end()) want_aliases[alias] = it->second;
  }
  // Links under unreadable directories stay as they were.
  for (const auto& [path, id] : db_aliases) {
    if (UnderAny(path, tree.unreadable_dirs) && !want_aliases.count(path))
      want_aliases[path] = id;
  }
  std::vector<std::string> alias_del;
  std::vector<std::pair<std::string, int>> alias_add;
  for (const auto& [path, id] : db_aliases) {
    auto it = want_aliases.find(path);
    if (it == want_aliases.end() || it->second != id) alias_del.push_back(path);
  }
  for (const auto& [path, id] : want_aliases) {
    auto it = db_aliases.find(path);
    if (it == db_aliases.end() || it->second != id)
      alias_add.emplace_back(path, id);
  }
  r.aliases = want_aliases.size();
  r.aliases_changed = alias_del.size() + alias_add.size();

  if (writes.empty() && removed.empty() && alias_del.empty() &&
      alias_add.empty()) {
    *out = r;
    return Status::OK();
  }

  try {
    pqxx::work tx(db->conn());
    tx.exec_params("SELECT pg_advisory_xact_lock($1, 0)", kInventoryWriteLock);
    if (!alias_del.empty()) {
      tx.exec("CREATE TEMP TABLE scan_alias_del (path text) ON COMMIT DROP");
      pqxx::stream_to st(tx, "scan_alias_del",
                         std::vector<std::string>{"path"});
      for (const auto& p : alias_del) st << std::make_tuple(p);
      st.complete();
      tx.exec(
          "DELETE FROM file_aliases a USING scan_alias_del d WHERE a.path = "
          "d.path");
    }
    if (!removed.empty()) {
      tx.exec_params("DELETE FROM files WHERE id = ANY($1::int[])",
                     IntArray(removed));
    }
    if (!writes.empty()) {
      tx.exec(
          "CREATE TEMP TABLE scan_files (id int, is_new bool, path text, size "
          "bigint, "
          "mtime_us bigint, inode bigint, sha256 text, sha1 text, md5 text, "
          "piece_size text, "
          "piece_sha1 text) ON COMMIT DROP");
      {
        pqxx::stream_to st(
            tx, "scan_files",
            std::vector<std::string>{"id", "is_new", "path", "size", "mtime_us",
                                     "inode", "sha256", "sha1", "md5",
                                     "piece_size", "piece_sha1"});
        for (const Pending* p : writes) {
          const FileHashes& h = p->hashes;
          bool is_new = db_files.find(p->walked->path) == db_files.end();
          std::string piece_size =
              h.piece_sha1.empty() ? "" : std::to_string(o.hashes.piece_size);
          st << std::make_tuple(
              std::to_string(p->id), std::string(is_new ? "t" : "f"),
              p->walked->path, std::to_string(h.size),
              std::to_string(h.mtime_us), std::to_string(h.inode),
              Hex(h.sha256), HexOrEmpty(h.sha1), HexOrEmpty(h.md5), piece_size,
              HexOrEmpty(h.piece_sha1));
        }
        st.complete();
      }
      const char* values =
          "s.size, timestamptz 'epoch' + s.mtime_us * interval '1 "
          "microsecond', s.inode, "
          "decode(s.sha256, 'hex'), decode(nullif(s.sha1, ''), 'hex'), "
          "decode(nullif(s.md5, ''), 'hex'), nullif(s.piece_size, '')::int, "
          "decode(nullif(s.piece_sha1, ''), 'hex')";
      if (!changed_ids.empty()) {
        tx.exec(
            std::string(
                "UPDATE files f SET (size, mtime, inode, sha256, sha1, md5, "
                "piece_size, piece_sha1) = (") +
            values +
            "), gen = nextval('inventory_gen'), updated_at = now() "
            "FROM scan_files s WHERE f.id = s.id AND NOT s.is_new");
        tx.exec_params(
            "DELETE FROM mirror_file_problems WHERE file_id = ANY($1::int[])",
            IntArray(changed_ids));
      }
      if (r.added > 0) {
        tx.exec(std::string("INSERT INTO files (id, path, size, mtime, inode, "
                            "sha256, sha1, md5, "
                            "piece_size, piece_sha1) SELECT s.id, s.path, ") +
                values + " FROM scan_files s WHERE s.is_new");
      }
    }
    if (!alias_add.empty()) {
      tx.exec(
          "CREATE TEMP TABLE scan_alias_add (path text, file_id int) ON COMMIT "
          "DROP");
      pqxx::stream_to st(tx, "scan_alias_add",
                         std::vector<std::string>{"path", "file_id"});
      for (const auto& [p, id] : alias_add)
        st << std::make_tuple(p, std::to_string(id));
      st.complete();
      tx.exec(
          "INSERT INTO file_aliases (path, file_id) SELECT path, file_id FROM "
          "scan_alias_add "
          "ON CONFLICT (path) DO UPDATE SET file_id = EXCLUDED.file_id");
    }
    std::sort(clear_bits.begin(), clear_bits.end());
    ClearFileBits(tx, clear_bits);
    tx.commit();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot apply the repository scan");
  }
  r.wrote = true;
  *out = r;
  return Status::OK();
}

}  // namespace waymark
