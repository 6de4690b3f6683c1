#include "core/download_stats.h"

#include <algorithm>
#include <regex>

#include "core/strings.h"

namespace waymark {

namespace {

// A PostgreSQL array literal of quoted elements: {"a","b\"c"}.
std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

bool IsDate(const std::string& s) {
  static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}$)");
  return std::regex_match(s, kDate);
}

}  // namespace

Status WriteDownloadCounts(Database* db, const std::vector<DownloadCount>& counts,
                           DownloadPathIds* path_ids) {
  if (counts.empty()) return Status::OK();
  // Paths the writer has not seen yet, in order.
  std::vector<std::string> unknown;
  for (const DownloadCount& c : counts)
    if (!path_ids || !path_ids->Find(c.key.path)) unknown.push_back(c.key.path);
  std::sort(unknown.begin(), unknown.end());
  unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
  try {
    pqxx::work tx(db->conn());
    // Never hold a worker for long, whatever the server is doing.
    tx.exec("SET LOCAL statement_timeout = '10s'");
    std::unordered_map<std::string, int> found;
    if (!unknown.empty()) {
      // Every worker writes its batches at the same time as the others:
      // rows go in in one agreed order (the keys' order), or two batches
      // sharing keys can each wait for the other (a deadlock, and a batch
      // written only on the retry).
      tx.exec_params(
          "INSERT INTO download_paths (path) SELECT p FROM unnest($1::text[]) AS p ORDER BY p "
          "ON CONFLICT (path) DO NOTHING",
          ArrayLiteral(unknown));
      // Through the unique index, whatever the size of the table.
      for (const auto& row : tx.exec_params(
               "SELECT p.id, p.path FROM unnest($1::text[]) AS u(path) "
               "CROSS JOIN LATERAL (SELECT id, path FROM download_paths d "
               "                     WHERE d.path = u.path OFFSET 0) p",
               ArrayLiteral(unknown)))
        found.emplace(row[1].as<std::string>(), row[0].as<int>());
    }
    // In key order, so that two workers writing overlapping batches lock
    // the rows in the same order (see above).
    std::vector<const DownloadCount*> sorted;
    sorted.reserve(counts.size());
    for (const DownloadCount& c : counts) sorted.push_back(&c);
    std::sort(sorted.begin(), sorted.end(),
              [](const DownloadCount* a, const DownloadCount* b) { return a->key < b->key; });
    std::vector<std::string> days, ids, mirrors, countries, numbers;
    for (const DownloadCount* count : sorted) {
      const DownloadCount& c = *count;
      int id = path_ids ? path_ids->Find(c.key.path) : 0;
      if (!id) {
        auto it = found.find(c.key.path);
        if (it == found.end()) return Status::Database("download path vanished while writing: " + c.key.path);
        id = it->second;
      }
      days.push_back(c.key.day);
      ids.push_back(std::to_string(id));
      mirrors.push_back(std::to_string(c.key.mirror_id));
      countries.push_back(c.key.country);
      numbers.push_back(std::to_string(c.downloads));
    }
    tx.exec_params(
        "INSERT INTO downloads_daily (day, path_id, mirror_id, country, downloads) "
        "SELECT * FROM unnest($1::date[], $2::int[], $3::int[], $4::text[], $5::bigint[]) "
        "  AS u(day, path_id, mirror_id, country, n) "
        "ORDER BY 1, 2, 3, 4 "
        "ON CONFLICT (day, path_id, mirror_id, country) "
        "DO UPDATE SET downloads = downloads_daily.downloads + EXCLUDED.downloads",
        ArrayLiteral(days), ArrayLiteral(ids), ArrayLiteral(mirrors), ArrayLiteral(countries),
        ArrayLiteral(numbers));
    tx.commit();
    if (path_ids)
      for (const auto& [path, id] : found) path_ids->Add(path, id);
    return Status::OK();
  } catch (const std::exception& e) {
    // An id could be wrong only if someone removed rows by hand: the next
    // attempt looks every path up again.
    if (path_ids) path_ids->Clear();
    return DatabaseError(e, "cannot write " + std::to_string(counts.size()) + " download counts");
  }
}

Status RollUpDownloads(Database* db, int older_than_days, long long* moved, long long* months) {
  if (older_than_days < 1) return Status::InvalidArgument("--older-than: must be at least 1 day");
  try {
    pqxx::work tx(db->conn());
    auto r = tx.exec_params1(
        "WITH moved AS ("
        "  DELETE FROM downloads_daily "
        "   WHERE day < (now() AT TIME ZONE 'UTC')::date - $1::int RETURNING *), "
        "added AS ("
        "  INSERT INTO downloads_monthly (month, path_id, mirror_id, country, downloads) "
        "  SELECT date_trunc('month', day)::date, path_id, mirror_id, country, sum(downloads) "
        "    FROM moved GROUP BY 1, 2, 3, 4 "
        "  ON CONFLICT (month, path_id, mirror_id, country) "
        "  DO UPDATE SET downloads = downloads_monthly.downloads + EXCLUDED.downloads "
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
      case '*': out += '%'; break;
      case '?': out += '_'; break;
      case '%': case '_': case '\\': out += '\\'; out += c; break;
      default: out += c;
    }
  }
  return out;
}

Status QueryDownloads(Database* db, const StatsQuery& q, std::vector<StatsRow>* out) {
  std::string key;
  bool by_time = false;
  if (q.by == "day") {
    key = "CASE WHEN monthly THEN to_char(d, 'YYYY-MM') ELSE to_char(d, 'YYYY-MM-DD') END";
    by_time = true;
  } else if (q.by == "month") {
    key = "to_char(d, 'YYYY-MM')";
    by_time = true;
  } else if (q.by == "country") {
    key = "s.country";
  } else if (q.by == "mirror") {
    key = "coalesce(m.name, CASE WHEN s.mirror_id = 0 THEN '(fallback or origin)' "
          "ELSE '(removed mirror ' || s.mirror_id || ')' END)";
  } else if (q.by == "file") {
    key = "p.path";
  } else {
    return Status::InvalidArgument("--by: '" + Printable(q.by) +
                                   "' is not one of day, month, country, mirror, file");
  }
  for (const auto& [what, value] : {std::pair<const char*, const std::string&>{"--since", q.since},
                                    {"--until", q.until}}) {
    if (!value.empty() && !IsDate(value))
      return Status::InvalidArgument(std::string(what) + ": '" + Printable(value) +
                                     "' is not a date (YYYY-MM-DD)");
  }
  // Glob characters other than * and ? are matched literally; a [...] class
  // is rare in file names and LIKE has none.
  std::string sql =
      "WITH s AS ("
      "  SELECT day AS d, false AS monthly, path_id, mirror_id, country, downloads "
      "    FROM downloads_daily "
      "  UNION ALL "
      "  SELECT month, true, path_id, mirror_id, country, downloads FROM downloads_monthly) "
      "SELECT " + key + " AS k, sum(s.downloads)::bigint AS n "
      "FROM s JOIN download_paths p ON p.id = s.path_id "
      "LEFT JOIN mirrors m ON m.id = s.mirror_id "
      "WHERE ($1 = '' OR m.name = $1) "
      "  AND ($2 = '' OR p.path LIKE $2) "
      "  AND ($3 = '' OR s.d >= CASE WHEN monthly THEN date_trunc('month', NULLIF($3, '')::date)::date ELSE NULLIF($3, '')::date END) "
      "  AND ($4 = '' OR s.d <= NULLIF($4, '')::date) "
      "GROUP BY 1 ORDER BY " + std::string(by_time ? "1" : "2 DESC, 1");
  try {
    pqxx::read_transaction tx(db->conn());
    if (!q.mirror.empty()) {
      auto m = tx.exec_params("SELECT 1 FROM mirrors WHERE name = $1", q.mirror);
      if (m.empty()) return Status::NotFound("mirror '" + Printable(q.mirror) + "' not found");
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
