#include "core/store/db.h"

#include <algorithm>

#include "core/strings.h"

namespace waymark {

Database::Database(std::unique_ptr<pqxx::connection> conn)
    : conn_(std::move(conn)) {}

// pqxx::connection closes itself (without throwing) when destroyed.
Database::~Database() = default;

Status Database::Connect(const std::string& dsn,
                         std::unique_ptr<Database>* out) {
  return Connect(dsn, SessionLimits{}, out);
}

SessionLimits LimitsFromTimeout(long long seconds) {
  SessionLimits l;
  if (seconds <= 0) return l;
  l.connect_timeout_s = static_cast<int>(std::max(2LL, seconds));
  l.statement_timeout_ms = static_cast<int>(seconds * 1000);
  l.lock_timeout_ms = l.statement_timeout_ms;
  return l;
}

Status Database::Connect(const std::string& dsn, const SessionLimits& limits,
                         std::unique_ptr<Database>* out) {
  std::string full = dsn;
  // A connect_timeout the DSN sets itself wins.
  if (limits.connect_timeout_s > 0 &&
      dsn.find("connect_timeout") == std::string::npos) {
    std::string t =
        "connect_timeout=" + std::to_string(limits.connect_timeout_s);
    if (dsn.find("://") == std::string::npos) {
      full += " " + t;
    } else {
      full += (dsn.find('?') == std::string::npos ? "?" : "&") + t;
    }
  }
  try {
    auto conn = std::make_unique<pqxx::connection>(full);
    std::string set;
    if (limits.statement_timeout_ms > 0)
      set += "SET statement_timeout = " +
             std::to_string(limits.statement_timeout_ms) + "; ";
    if (limits.lock_timeout_ms > 0)
      set +=
          "SET lock_timeout = " + std::to_string(limits.lock_timeout_ms) + "; ";
    if (!set.empty()) {
      pqxx::nontransaction tx(*conn);
      tx.exec(set);
    }
    out->reset(new Database(std::move(conn)));
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot connect to PostgreSQL");
  }
}

Status ReconnectingDatabase::Connect() {
  return Database::Connect(dsn_, limits_, &db_);
}

std::string ReadDsn(const Config& config) {
  return config.GetString(keys::kDatabaseDsn);
}

std::string WriteDsn(const Config& config) {
  std::string primary = config.GetString(keys::kDatabasePrimaryDsn);
  return primary.empty() ? ReadDsn(config) : primary;
}

Status OpenForReading(const Config& config, std::unique_ptr<Database>* out) {
  return Database::Connect(ReadDsn(config), out);
}

Status OpenForWriting(const Config& config, std::unique_ptr<Database>* out) {
  return ConnectForWriting(WriteDsn(config), out);
}

namespace {

const char kSetPrimaryDsn[] =
    "is a read-only standby; set database.primary_dsn to the primary";

}  // namespace

Status ConnectForWriting(const std::string& dsn,
                         std::unique_ptr<Database>* out) {
  std::unique_ptr<Database> db;
  Status s = Database::Connect(dsn, &db);
  if (!s.ok()) return s;
  // Checked once here, so that a writer pointed at a standby stops before
  // it takes locks or does work, with a line that names the cause. Where
  // it connected is said without the DSN, which may hold a password.
  std::string where;
  try {
    pqxx::nontransaction tx(db->conn());
    if (!tx.exec("SELECT pg_is_in_recovery()")[0][0].as<bool>()) {
      *out = std::move(db);
      return Status::OK();
    }
    const char* host = db->conn().hostname();
    const char* port = db->conn().port();
    const char* name = db->conn().dbname();
    where = std::string("host=") + (host ? host : "") +
            " port=" + (port ? port : "") + " dbname=" + (name ? name : "");
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot ask PostgreSQL whether it is a standby");
  }
  return Status::FailedPrecondition("the database at " + Printable(where) +
                                    " " + kSetPrimaryDsn);
}

namespace {

// libpq messages look like "ERROR:  relation \"x\" does not exist\nLINE 1: ..."
// or "could not connect to server: ...\n\tIs the server running...". Keep
// the first meaningful line, without the severity prefix, whitespace folded.
std::string OneLine(const std::string& what) {
  std::string first;
  for (const auto& line : Split(what, '\n')) {
    std::string_view t = Trim(line);
    if (!t.empty()) {
      first = std::string(t);
      break;
    }
  }
  for (const char* prefix : {"ERROR:", "FATAL:", "PANIC:"}) {
    if (StartsWith(first, prefix))
      first = std::string(Trim(first.substr(std::string(prefix).size())));
  }
  std::string out;
  for (char c : first) {
    if (c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return Printable(out);
}

}  // namespace

Status DatabaseError(const std::exception& e, const std::string& doing) {
  // undefined_table: the database exists but holds no waymark schema.
  if (SqlState(e) == "42P01") {
    return Status::FailedPrecondition(
        doing + ": the database has no waymark schema; run 'waymark db init'");
  }
  std::string msg = OneLine(e.what());
  if (msg.empty()) msg = "unknown database error";
  // read_only_sql_transaction: most likely a hot standby (one that was
  // promoted and is again a standby behind a multi-host DSN); a read-only
  // transaction that writes gets it too, hence the question mark.
  if (SqlState(e) == "25006")
    msg += " (a hot standby? writes go to database.primary_dsn)";
  return Status::Database(doing + ": " + msg);
}

std::string SqlState(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e))
    return sql->sqlstate();
  return "";
}

}  // namespace waymark
