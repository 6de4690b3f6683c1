// The PostgreSQL connection, and the one place that turns libpqxx exceptions
// into a Status.
//
// Code that runs queries catches `const std::exception&` around its pqxx
// calls and returns DatabaseError(e, "what it was doing").
//
// Several nodes: `database.dsn` is where a program reads the inventory,
// the primary or a hot standby; `database.primary_dsn` (database.dsn when
// unset) is where writes go. Every program opens its connections with
// OpenForReading() or OpenForWriting(); the latter refuses a standby with
// one line that says so, rather than the first write's raw error.
#ifndef WAYMARK_CORE_STORE_DB_H_
#define WAYMARK_CORE_STORE_DB_H_

#include <exception>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace waymark {

// Bounds a long-lived program puts on its connection, so that a stalled
// server (a table locked for minutes, a query stuck) costs it a known time
// rather than forever. 0: no bound of that kind. The statement and lock
// timeouts are set for the session (SET), so they hold for every query
// made on the connection; the connect timeout is libpq's connect_timeout
// (whole seconds, at least 2), unless the DSN sets one itself.
struct SessionLimits {
  int connect_timeout_s = 0;
  int statement_timeout_ms = 0;
  int lock_timeout_ms = 0;
};

// All three from one timeout in seconds (redirector.query_timeout).
SessionLimits LimitsFromTimeout(long long seconds);

// One connection; closed when destroyed. Not copyable.
class Database {
 public:
  // Connects with a libpq connection string (waymark.conf `database.dsn`).
  static Status Connect(const std::string& dsn, std::unique_ptr<Database>* out);
  // The same, within `limits`.
  static Status Connect(const std::string& dsn, const SessionLimits& limits,
                        std::unique_ptr<Database>* out);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  pqxx::connection& conn() { return *conn_; }

 private:
  explicit Database(std::unique_ptr<pqxx::connection> conn);
  std::unique_ptr<pqxx::connection> conn_;
};

// A connection made when first needed and dropped after a database error,
// so that the next call reconnects: for long-lived processes (redirector
// workers) that must outlive a PostgreSQL restart. Connecting gives up
// after 3 s unless the DSN or `limits` set a connect timeout (libpq waits
// forever).
class ReconnectingDatabase {
 public:
  explicit ReconnectingDatabase(std::string dsn, SessionLimits limits = {})
      : dsn_(std::move(dsn)), limits_(limits) {
    if (limits_.connect_timeout_s <= 0) limits_.connect_timeout_s = 3;
  }

  // Runs fn(Database*) -> Status on the connection, connecting first if
  // there is none; a kDatabase error drops the connection.
  template <typename Fn>
  Status Run(Fn fn) {
    if (!db_) {
      Status s = Connect();
      if (!s.ok()) return s;
    }
    Status s = fn(db_.get());
    if (s.code() == Status::Code::kDatabase) db_.reset();
    return s;
  }

 private:
  Status Connect();

  std::string dsn_;
  SessionLimits limits_;
  std::unique_ptr<Database> db_;
};

// database.dsn: where the inventory is read (a primary or a hot standby).
std::string ReadDsn(const Config& config);
// database.primary_dsn, or database.dsn when it is unset: where writes go.
std::string WriteDsn(const Config& config);

// Connects to ReadDsn(config).
Status OpenForReading(const Config& config, std::unique_ptr<Database>* out);
// Connects to WriteDsn(config) as ConnectForWriting() does.
Status OpenForWriting(const Config& config, std::unique_ptr<Database>* out);
// Connects to `dsn` and checks that the server takes writes: one in
// recovery (a hot standby) is kFailedPrecondition "the database at ... is a
// read-only standby; set database.primary_dsn to the primary". Writers
// that open several connections (scan workers) open each with it.
Status ConnectForWriting(const std::string& dsn,
                         std::unique_ptr<Database>* out);

// "<doing>: <first line of the server's message>", as a kDatabase Status.
// libpq's messages span lines; only the informative part is kept. A write
// refused by a hot standby (SQLSTATE 25006, e.g. a standby promoted and
// demoted behind a multi-host DSN) says to set database.primary_dsn.
Status DatabaseError(const std::exception& e, const std::string& doing);

// The error's SQLSTATE when `e` is a pqxx::sql_error, else "".
std::string SqlState(const std::exception& e);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_DB_H_
