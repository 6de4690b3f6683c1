// The PostgreSQL connection, and the one place that turns libpqxx exceptions
// into a Status.
//
// Code that runs queries catches `const std::exception&` around its pqxx
// calls and returns DatabaseError(e, "what it was doing").
#ifndef WAYMARK_CORE_DB_H_
#define WAYMARK_CORE_DB_H_

#include <exception>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "core/status.h"

namespace waymark {

// One connection; closed when destroyed. Not copyable.
class Database {
 public:
  // Connects with a libpq connection string (waymark.conf `database.dsn`).
  static Status Connect(const std::string& dsn, std::unique_ptr<Database>* out);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  pqxx::connection& conn() { return *conn_; }

 private:
  explicit Database(std::unique_ptr<pqxx::connection> conn);
  std::unique_ptr<pqxx::connection> conn_;
};

// "<doing>: <first line of the server's message>", as a kDatabase Status.
// libpq's messages span lines; only the informative part is kept.
Status DatabaseError(const std::exception& e, const std::string& doing);

// The error's SQLSTATE when `e` is a pqxx::sql_error, else "".
std::string SqlState(const std::exception& e);

// A DSN with any password=... value replaced by ***, for messages.
std::string RedactDsn(const std::string& dsn);

}  // namespace waymark

#endif  // WAYMARK_CORE_DB_H_
