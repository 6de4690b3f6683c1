#include "scan/mirror_scan.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <tuple>

#include "core/log.h"
#include "core/model/file_bitmaps.h"
#include "core/store/db.h"
#include "core/store/mirror_bitmaps.h"
#include "core/store/scan_locks.h"
#include "core/strings.h"
#include "core/url.h"
#include "scan/mirror_listers.h"

namespace waymark {

namespace {

using Clock = std::chrono::steady_clock;

struct MirrorRow {
  int id = 0;
  std::string name;
  bool enabled = false;
  std::string http_url, https_url, rsync_url, ftp_url;
  std::string protocols;  // mirrors.scan_protocols, "" for the default
};

Status LoadSnapshot(Database* db, InventorySnapshot* snap) {
  constexpr int kBatch = 100000;
  try {
    pqxx::transaction<pqxx::repeatable_read, pqxx::readwrite_policy::read_only>
        tx(db->conn());
    snap->files_gen =
        tx.exec1("SELECT files_gen FROM inventory_state")[0].as<long long>();
    auto r = tx.exec1(
        "SELECT coalesce(max(id), -1), coalesce(max(gen), 0) FROM files");
    long long max_id = r[0].as<long long>();
    snap->max_gen = r[1].as<long long>();
    for (long long from = 0; from <= max_id; from += kBatch) {
      for (const auto& row :
           tx.exec_params("SELECT id, path, size, floor(extract(epoch FROM "
                          "mtime))::bigint FROM files "
                          "WHERE id >= $1 AND id < $2",
                          from, from + kBatch))
        snap->Add(row[0].as<int>(), row[1].c_str(), row[2].as<long long>(),
                  row[3].as<long long>());
    }
    tx.commit();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the inventory");
  }
  snap->Finish();
  return Status::OK();
}

Status LoadMirrors(Database* db, const std::vector<std::string>& names,
                   std::vector<MirrorRow>* out) {
  try {
    pqxx::read_transaction tx(db->conn());
    std::vector<MirrorRow> all;
    for (const auto& row :
         tx.exec("SELECT id, name, enabled, coalesce(http_url, ''), "
                 "coalesce(https_url, ''), "
                 "coalesce(rsync_url, ''), coalesce(ftp_url, ''), "
                 "coalesce(scan_protocols, '') "
                 "FROM mirrors ORDER BY name")) {
      MirrorRow m;
      m.id = row[0].as<int>();
      m.name = row[1].as<std::string>();
      m.enabled = row[2].as<bool>();
      m.http_url = row[3].as<std::string>();
      m.https_url = row[4].as<std::string>();
      m.rsync_url = row[5].as<std::string>();
      m.ftp_url = row[6].as<std::string>();
      m.protocols = row[7].as<std::string>();
      all.push_back(std::move(m));
    }
    if (names.empty()) {
      *out = std::move(all);
      return Status::OK();
    }
    out->clear();
    for (const auto& n : names) {
      bool found = false;
      for (const auto& m : all) {
        if (m.name == n) {
          out->push_back(m);
          found = true;
        }
      }
      if (!found)
        return Status::NotFound("mirror '" + Printable(n) + "' not found");
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the mirrors");
  }
}

std::string UrlFor(const MirrorRow& m, const std::string& protocol) {
  if (protocol == "rsync") return m.rsync_url;
  if (protocol == "ftp") return m.ftp_url;
  return m.http_url.empty() ? m.https_url : m.http_url;
}

std::string Seconds(long long ms) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  return buf;
}

std::string Bytes(long long b) {
  char buf[32];
  if (b >= (1LL << 30))
    snprintf(buf, sizeof buf, "%.1f GiB", b / double(1LL << 30));
  else if (b >= (1LL << 20))
    snprintf(buf, sizeof buf, "%.1f MiB", b / double(1LL << 20));
  else
    snprintf(buf, sizeof buf, "%lld bytes", b);
  return buf;
}

// Writes a failed scan: its row and last_scan_*; the listing stays.
void RecordFailure(Database* db, const MirrorRow& m, const MirrorScanReport& r,
                   const std::string& started, MirrorScanOptions const& o) {
  try {
    pqxx::work tx(db->conn());
    // A mirror with no URL for the protocols asked for was not scanned over
    // any protocol: no scan row, only its last scan's result.
    if (!r.protocol.empty()) {
      tx.exec_params(
          "INSERT INTO mirror_scans (mirror_id, started_at, duration_ms, "
          "protocol, ok, error, "
          "entries_seen) VALUES ($1, $2::timestamptz, $3, $4, false, $5, $6)",
          m.id, started, static_cast<int>(r.duration_ms), r.protocol, r.error,
          r.entries);
    }
    tx.exec_params(
        "UPDATE mirrors SET last_scan_at = $2::timestamptz, last_scan_ok = "
        "false, "
        "last_scan_error = $3 WHERE id = $1",
        m.id, started, r.error);
    tx.commit();
  } catch (const std::exception& e) {
    if (o.output)
      o.output->Log(m.name + ": cannot record the failed scan: " +
                    DatabaseError(e, "database").message());
  }
}

class Scanner {
 public:
  Scanner(const std::string& dsn, const InventorySnapshot* snap,
          const MirrorScanOptions* o)
      : dsn_(dsn), snap_(snap), o_(o) {}

  MirrorScanReport Scan(const MirrorRow& m) {
    MirrorScanReport r;
    r.mirror = m.name;
    r.inventory_files = static_cast<long long>(snap_->size());
    auto t0 = Clock::now();
    auto elapsed = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 Clock::now() - t0)
          .count();
    };
    std::unique_ptr<Database> db;
    Status s = ConnectForWriting(dsn_, &db);
    if (!s.ok()) {
      r.error = s.message();
      return r;
    }
    ScanLock lock;
    bool got = false;
    s = lock.TryAcquire(db.get(), m.id, &got);
    if (!s.ok() || !got) {
      r.error = s.ok() ? "another scan of this mirror is running" : s.message();
      return r;
    }
    std::string started;
    try {
      pqxx::nontransaction tx(db->conn());
      started = tx.exec1("SELECT now()::text")[0].as<std::string>();
    } catch (const std::exception& e) {
      r.error = DatabaseError(e, "database").message();
      return r;
    }

    std::vector<std::string> order;
    if (!o_->only_protocol.empty())
      order = {o_->only_protocol};
    else if (!m.protocols.empty())
      order = Split(m.protocols, ',');
    else
      order = o_->protocols;
    std::unique_ptr<ListingMatcher> matcher;
    ListStats stats;
    std::vector<std::string> errors;
    bool listed = false;
    if (!o_->listing_file.empty()) order = {"rsync"};
    for (const auto& proto : order) {
      std::string url =
          o_->listing_file.empty() ? UrlFor(m, proto) : o_->listing_file;
      if (url.empty()) continue;
      r.protocol = proto;
      matcher = std::make_unique<ListingMatcher>(snap_, &o_->policy);
      stats = ListStats();
      ListLimits limits;
      limits.deadline = t0 + std::chrono::seconds(o_->timeout_s);
      limits.connect_timeout_s = o_->connect_timeout_s;
      limits.io_timeout_s = o_->io_timeout_s;
      limits.max_entries = o_->max_entries;
      limits.max_depth = o_->max_depth;
      limits.max_listing_bytes = o_->max_listing_bytes;
      ListSink sink;
      ListingMatcher* mp = matcher.get();
      sink.entry = [mp](const ListingEntry& e) { mp->Add(e); };
      sink.wants_exact_size = [mp](const ListingEntry& e) {
        return mp->WantsExactSize(e);
      };
      sink.progress = [&, this](const ListStats& st) {
        if (!o_->output) return;
        double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        o_->output->Progress(m.name,
                             std::to_string(st.entries) + " entries, " +
                                 std::to_string(static_cast<long long>(
                                     st.entries / std::max(secs, 0.001))) +
                                 "/s");
      };
      LogDebug(m.name + ": listing " + Printable(RedactUrl(url)) + " over " +
               proto);
      if (!o_->listing_file.empty())
        s = ListRsyncFile(url, limits, sink, &stats);
      else if (proto == "rsync")
        s = ListRsync(url, limits, sink, &stats);
      else if (proto == "ftp")
        s = ListFtp(url, limits, sink, &stats);
      else
        s = ListHttp(url, limits, sink, &stats);
      if (o_->output) o_->output->Done(m.name);
      r.entries = stats.entries;
      r.rejected = stats.rejected;
      if (stats.rejected > 0 && o_->output) {
        o_->output->Log(m.name + ": rejected " +
                        std::to_string(stats.rejected) +
                        " listing entries over " + proto + " (" +
                        Join(stats.reject_samples, "; ") + ")");
      }
      if (s.ok()) {
        listed = true;
        break;
      }
      errors.push_back(proto + ": " + s.message());
      if (o_->output)
        o_->output->Log(m.name + ": " + proto +
                        " listing failed: " + s.message());
      if (Clock::now() >= limits.deadline) break;
    }
    if (!listed) {
      r.error = errors.empty() ? "no URL to scan for the protocols tried (" +
                                     Join(order, ",") + ")"
                               : Join(errors, "; ");
      r.duration_ms = elapsed();
      RecordFailure(db.get(), m, r, started, *o_);
      return r;
    }
    r.files_matched = matcher->files_matched();
    r.bytes_matched = matcher->bytes_matched();
    r.duration_ms = elapsed();
    s = Swap(db.get(), m, *matcher, started, &r);
    if (!s.ok()) {
      r.error = s.message();
      RecordFailure(db.get(), m, r, started, *o_);
      return r;
    }
    r.ok = true;
    return r;
  }

 private:
  Status Swap(Database* db, const MirrorRow& m, const ListingMatcher& matcher,
              const std::string& started, MirrorScanReport* r) {
    std::vector<std::string> chunks = matcher.chunks();
    std::vector<FileProblem> problems = matcher.problems();
    try {
      pqxx::work tx(db->conn());
      tx.exec_params("SELECT pg_advisory_xact_lock_shared($1, 0)",
                     kInventoryWriteLock);
      long long gen =
          tx.exec1("SELECT files_gen FROM inventory_state")[0].as<long long>();
      if (gen != snap_->files_gen) {
        // The repository changed under the listing: drop the bits of files
        // changed or added since, and of ids that no longer exist.
        std::vector<int> drop;
        for (const auto& row : tx.exec_params(
                 "SELECT id FROM files WHERE gen > $1", snap_->max_gen))
          drop.push_back(row[0].as<int>());
        std::vector<int> set;
        for (int id = 0; id <= snap_->max_id(); ++id)
          if (FileBit(chunks, id)) set.push_back(id);
        for (const auto& row : tx.exec_params(
                 "SELECT i FROM unnest($1::int[]) i WHERE NOT EXISTS "
                 "(SELECT 1 FROM files WHERE id = i)",
                 IntArray(set)))
          drop.push_back(row[0].as<int>());
        for (int id : drop) {
          size_t c = static_cast<size_t>(id) / (kChunkBytes * 8);
          if (c < chunks.size() && FileBit(chunks, id)) {
            int bit = id % (kChunkBytes * 8);
            chunks[c][bit >> 3] = static_cast<char>(
                static_cast<unsigned char>(chunks[c][bit >> 3]) &
                ~(1u << (bit & 7)));
            --r->files_matched;
          }
        }
      }
      r->chunks_written = ReplaceMirrorBitmaps(tx, m.id, chunks);
      tx.exec_params("DELETE FROM mirror_file_problems WHERE mirror_id = $1",
                     m.id);
      if (!problems.empty()) {
        tx.exec(
            "CREATE TEMP TABLE scan_problems (file_id int, problem text, "
            "mirror_size bigint, "
            "mirror_mtime bigint) ON COMMIT DROP");
        {
          pqxx::stream_to st(
              tx, "scan_problems",
              std::vector<std::string>{"file_id", "problem", "mirror_size",
                                       "mirror_mtime"});
          for (const auto& p : problems)
            st << std::make_tuple(
                std::to_string(p.file_id), std::string(p.problem),
                std::to_string(p.mirror_size), std::to_string(p.mirror_mtime));
          st.complete();
        }
        tx.exec_params(
            "INSERT INTO mirror_file_problems (mirror_id, file_id, problem, "
            "mirror_size, "
            "mirror_mtime) SELECT $1, p.file_id, p.problem, p.mirror_size, "
            "CASE WHEN p.mirror_mtime < 0 THEN NULL ELSE "
            "to_timestamp(p.mirror_mtime) END "
            "FROM scan_problems p JOIN files f ON f.id = p.file_id",
            m.id);
      }
      tx.exec_params(
          "INSERT INTO mirror_scans (mirror_id, started_at, duration_ms, "
          "protocol, ok, "
          "entries_seen, files_matched, bytes_matched) "
          "VALUES ($1, $2::timestamptz, $3, $4, true, $5, $6, $7)",
          m.id, started, static_cast<int>(r->duration_ms), r->protocol,
          r->entries, r->files_matched, r->bytes_matched);
      // Keep the newest 200 scans of each mirror.
      tx.exec_params(
          "DELETE FROM mirror_scans WHERE mirror_id = $1 AND id < (SELECT "
          "min(id) FROM "
          "(SELECT id FROM mirror_scans WHERE mirror_id = $1 ORDER BY id DESC "
          "LIMIT 200) k)",
          m.id);
      tx.exec_params(
          "UPDATE mirrors SET last_scan_at = $2::timestamptz, last_scan_ok = "
          "true, "
          "last_scan_error = NULL, last_good_scan_at = $2::timestamptz WHERE "
          "id = $1",
          m.id, started);
      if (o_->enable && !m.enabled) {
        tx.exec_params(
            "UPDATE mirrors SET enabled = true, enabled_changed_at = now(), "
            "updated_at = now() "
            "WHERE id = $1 AND NOT enabled",
            m.id);
        tx.exec_params(
            "INSERT INTO mirror_events (mirror_id, kind, message, actor) "
            "VALUES ($1, 'enabled', 'enabled after a good scan (waymark-scan "
            "--enable)', "
            "'waymark-scan')",
            m.id);
        r->enabled_now = true;
      }
      tx.commit();
    } catch (const std::exception& e) {
      return DatabaseError(e, "cannot store the listing");
    }
    return Status::OK();
  }

  std::string dsn_;
  const InventorySnapshot* snap_;
  const MirrorScanOptions* o_;
};

}  // namespace

Status MirrorScanOptionsFromConfig(const Config& config,
                                   MirrorScanOptions* out) {
  MirrorScanOptions o;
  o.jobs = static_cast<int>(config.GetInt(keys::kScanJobs));
  o.timeout_s = std::max(1LL, config.GetDurationSeconds(keys::kScanTimeout));
  o.connect_timeout_s = static_cast<int>(
      std::max(1LL, config.GetDurationSeconds(keys::kScanConnectTimeout)));
  o.io_timeout_s = static_cast<int>(
      std::max(1LL, config.GetDurationSeconds(keys::kScanIoTimeout)));
  o.max_entries = config.GetInt(keys::kScanMaxEntries);
  o.max_depth = static_cast<int>(config.GetInt(keys::kScanMaxDepth));
  o.max_listing_bytes = config.GetSizeBytes(keys::kScanMaxListingBytes);
  o.policy.mtime_tolerance =
      config.GetDurationSeconds(keys::kScanMtimeTolerance);
  Status s = ParseAllowedLag(config.GetList(keys::kScanAllowedLag), &o.policy);
  if (!s.ok()) return s;
  std::string protos = config.GetString(keys::kScanProtocols);
  for (char& c : protos)
    if (c == ' ') c = ',';
  o.protocols.clear();
  for (const auto& p : Split(protos, ',')) {
    if (p.empty()) continue;
    if (p != "rsync" && p != "ftp" && p != "http")
      return Status::InvalidArgument("scan.protocols: '" + Printable(p) +
                                     "' is not rsync, ftp or http");
    o.protocols.push_back(p);
  }
  if (o.protocols.empty())
    return Status::InvalidArgument(
        "scan.protocols: name at least one of rsync, ftp, http");
  *out = o;
  return Status::OK();
}

std::string SummaryLine(const MirrorScanReport& r) {
  if (!r.ok) {
    return r.mirror + ": FAILED" +
           (r.protocol.empty() ? "" : " over " + r.protocol) + " after " +
           Seconds(r.duration_ms) + ": " + Printable(r.error) +
           " (last listing kept)";
  }
  std::string s = r.mirror + ": ok over " + r.protocol + " in " +
                  Seconds(r.duration_ms) + ": " + std::to_string(r.entries) +
                  " entries, holds " + std::to_string(r.files_matched) +
                  " of " + std::to_string(r.inventory_files) + " files (" +
                  Bytes(r.bytes_matched) + ")";
  if (r.rejected) s += ", " + std::to_string(r.rejected) + " entries rejected";
  if (r.enabled_now) s += ", enabled";
  return s;
}

Status ScanMirrors(const std::string& dsn,
                   const std::vector<std::string>& names,
                   const MirrorScanOptions& options,
                   std::vector<MirrorScanReport>* reports) {
  InitListers();
  std::unique_ptr<Database> db;
  Status s = ConnectForWriting(dsn, &db);
  if (!s.ok()) return s;
  std::vector<MirrorRow> mirrors;
  s = LoadMirrors(db.get(), names, &mirrors);
  if (!s.ok()) return s;
  InventorySnapshot snap;
  s = LoadSnapshot(db.get(), &snap);
  if (!s.ok()) return s;
  db.reset();

  std::vector<MirrorScanReport> out(mirrors.size());
  std::atomic<size_t> next{0};
  Scanner scanner(dsn, &snap, &options);
  int jobs = std::max(
      1, std::min<int>(options.jobs, static_cast<int>(mirrors.size())));
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t) {
    threads.emplace_back([&] {
      while (true) {
        size_t i = next++;
        if (i >= mirrors.size()) return;
        out[i] = scanner.Scan(mirrors[i]);
      }
    });
  }
  for (auto& t : threads) t.join();
  *reports = std::move(out);
  return Status::OK();
}

}  // namespace waymark
