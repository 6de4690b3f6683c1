#include "core/store/db.h"

#include "core/strings.h"

namespace waymark {

Database::Database(std::unique_ptr<pqxx::connection> conn)
    : conn_(std::move(conn)) {}

// pqxx::connection closes itself (without throwing) when destroyed.
Database::~Database() = default;

Status Database::Connect(const std::string& dsn,
                         std::unique_ptr<Database>* out) {
  try {
    auto conn = std::make_unique<pqxx::connection>(dsn);
    out->reset(new Database(std::move(conn)));
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot connect to PostgreSQL");
  }
}

Status ReconnectingDatabase::Connect() {
  // URIs are left as they are.
  bool keep = dsn_.find("://") != std::string::npos ||
              dsn_.find("connect_timeout") != std::string::npos;
  return Database::Connect(keep ? dsn_ : dsn_ + " connect_timeout=3", &db_);
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
  return Status::Database(doing + ": " + msg);
}

std::string SqlState(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e))
    return sql->sqlstate();
  return "";
}

}  // namespace waymark
