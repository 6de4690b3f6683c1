#include "core/store/download_stats.h"

#include <pqxx/stream_to>
#include <regex>
#include <tuple>

#include "core/store/db.h"
#include "core/strings.h"

namespace waymark {

namespace {

bool IsDate(const std::string& s) {
  static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}$)");
  return std::regex_match(s, kDate);
}

}  // namespace

namespace {

// Appends the counts in `tx` (COPY: no index, no look-up). Appends take no
// row locks, so workers writing at the same time never wait for each
// other, in whatever order their rows come.
void AppendCounts(pqxx::work& tx, const std::vector<DownloadCount>& counts) {
  pqxx::stream_to copy(tx, "downloads_pending",
                       std::vector<std::string>{"day", "path", "mirror_id",
                                                "country", "downloads"});
  for (const DownloadCount& c : counts)
    copy << std::make_tuple(c.key.day, c.key.path, c.key.mirror_id,
                            c.key.country, c.downloads);
  copy.complete();
}

// Data exceptions (22: a name that is not valid UTF-8, a value out of
// range) and integrity violations (23) are about the rows, not the
// database: writing them again can never succeed.
Status CountsError(const std::exception& e, size_t rows) {
  Status s = DatabaseError(
      e, "cannot write " + std::to_string(rows) + " download counts");
  std::string state = SqlState(e);
  if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0)
    return Status::InvalidArgument(s.message());
  return s;
}

}  // namespace

Status WriteDownloadBatch(Database* db, const std::string& id,
                          const std::string& node,
                          const std::vector<DownloadCount>& counts,
                          bool* already) {
  *already = false;
  if (counts.empty()) return Status::OK();
  try {
    pqxx::work tx(db->conn());
    // Never hold a worker for long, whatever the server is doing.
    tx.exec("SET LOCAL statement_timeout = '10s'");
    // A batch written at the same time by another worker (a spool file
    // two workers took at once) waits here for that one's commit, then
    // finds its id.
    pqxx::result r = tx.exec_params(
        "INSERT INTO download_batches (id, node) VALUES ($1, $2) "
        "ON CONFLICT (id) DO NOTHING",
        id, Printable(node).substr(0, 200));
    if (r.affected_rows() == 0) {
      *already = true;
      return Status::OK();  // the transaction is rolled back: nothing new
    }
    AppendCounts(tx, counts);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return CountsError(e, counts.size());
  }
}

Status PruneDownloadBatches(Database* db, int older_than_days,
                            long long* pruned) {
  try {
    pqxx::work tx(db->conn());
    pqxx::result r = tx.exec_params(
        "DELETE FROM download_batches "
        "WHERE written_at < now() - make_interval(days => $1)",
        older_than_days);
    tx.commit();
    *pruned = static_cast<long long>(r.affected_rows());
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot forget old download batch ids");
  }
}

Status WriteDownloadCounts(Database* db,
                           const std::vector<DownloadCount>& counts) {
  if (counts.empty()) return Status::OK();
  try {
    pqxx::work tx(db->conn());
    // Never hold a worker for long, whatever the server is doing.
    tx.exec("SET LOCAL statement_timeout = '10s'");
    AppendCounts(tx, counts);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return CountsError(e, counts.size());
  }
}

Status MergeDownloadCounts(Database* db, MergeResult* result) {
  *result = MergeResult();
  try {
    pqxx::work tx(db->conn());
    pqxx::row r = tx.exec1("SELECT * FROM merge_download_counts()");
    tx.commit();
    result->busy = r[0].is_null();
    if (!result->busy) {
      result->pending_rows = r[0].as<long long>();
      result->daily_rows = r[1].as<long long>();
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot merge the pending download counts");
  }
}

Status RollUpDownloads(Database* db, int older_than_days, long long* moved,
                       long long* months) {
  if (older_than_days < 1)
    return Status::InvalidArgument("--older-than: must be at least 1 day");
  try {
    pqxx::work tx(db->conn());
    auto r = tx.exec_params1(
        "WITH moved AS ("
        "  DELETE FROM downloads_daily "
        "   WHERE day < (now() AT TIME ZONE 'UTC')::date - $1::int RETURNING "
        "*), "
        "added AS ("
        "  INSERT INTO downloads_monthly (month, path_id, mirror_id, country, "
        "downloads) "
        "  SELECT date_trunc('month', day)::date, path_id, mirror_id, country, "
        "sum(downloads) "
        "    FROM moved GROUP BY 1, 2, 3, 4 "
        "  ON CONFLICT (month, path_id, mirror_id, country) "
        "  DO UPDATE SET downloads = downloads_monthly.downloads + "
        "EXCLUDED.downloads "
        "  RETURNING 1) "
        "SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM added)",
        older_than_days);
    tx.commit();
    *moved = r[0].as<long long>();
    *months = r[1].as<long long>();
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot roll up the download statistics");
  }
}

std::string GlobToLike(const std::string& glob) {
  std::string out;
  for (char c : glob) {
    switch (c) {
      case '*':
        out += '%';
        break;
      case '?':
        out += '_';
        break;
      case '%':
      case '_':
      case '\\':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

Status QueryDownloads(Database* db, const StatsQuery& q,
                      std::vector<StatsRow>* out) {
  std::string key;
  bool by_time = false;
  if (q.by == "day") {
    key =
        "CASE WHEN monthly THEN to_char(d, 'YYYY-MM') ELSE to_char(d, "
        "'YYYY-MM-DD') END";
    by_time = true;
  } else if (q.by == "month") {
    key = "to_char(d, 'YYYY-MM')";
    by_time = true;
  } else if (q.by == "country") {
    key = "s.country";
  } else if (q.by == "mirror") {
    key =
        "coalesce(m.name, CASE WHEN s.mirror_id = 0 THEN '(fallback or "
        "origin)' "
        "ELSE '(removed mirror ' || s.mirror_id || ')' END)";
  } else if (q.by == "file") {
    key = "s.path";
  } else {
    return Status::InvalidArgument(
        "--by: '" + Printable(q.by) +
        "' is not one of day, month, country, mirror, file");
  }
  for (const auto& [what, value] :
       {std::pair<const char*, const std::string&>{"--since", q.since},
        {"--until", q.until}}) {
    if (!value.empty() && !IsDate(value))
      return Status::InvalidArgument(std::string(what) + ": '" +
                                     Printable(value) +
                                     "' is not a date (YYYY-MM-DD)");
  }
  // Glob characters other than * and ? are matched literally; a [...] class
  // is rare in file names and LIKE has none.
  std::string sql =
      "WITH s AS (SELECT day AS d, monthly, path, mirror_id, country, "
      "downloads FROM download_counts) "
      "SELECT " +
      key +
      " AS k, sum(s.downloads)::bigint AS n "
      "FROM s LEFT JOIN mirrors m ON m.id = s.mirror_id "
      "WHERE ($1 = '' OR m.name = $1) "
      "  AND ($2 = '' OR s.path LIKE $2) "
      "  AND ($3 = '' OR s.d >= CASE WHEN monthly THEN date_trunc('month', "
      "NULLIF($3, '')::date)::date ELSE NULLIF($3, '')::date END) "
      "  AND ($4 = '' OR s.d <= NULLIF($4, '')::date) "
      "GROUP BY 1 ORDER BY " +
      std::string(by_time ? "1" : "2 DESC, 1");
  try {
    pqxx::read_transaction tx(db->conn());
    if (!q.mirror.empty()) {
      auto m =
          tx.exec_params("SELECT 1 FROM mirrors WHERE name = $1", q.mirror);
      if (m.empty())
        return Status::NotFound("mirror '" + Printable(q.mirror) +
                                "' not found");
    }
    std::string like = q.file_glob.empty() ? "" : GlobToLike(q.file_glob);
    std::vector<StatsRow> rows;
    for (const auto& r : tx.exec_params(sql, q.mirror, like, q.since, q.until))
      rows.push_back({r[0].as<std::string>(), r[1].as<long long>()});
    *out = std::move(rows);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the download statistics");
  }
}

}  // namespace waymark
