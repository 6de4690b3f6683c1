// Schema migrations: sql/migrations/NNNN_name.sql, compiled into the
// binaries, applied in order, each in its own transaction together with its
// row in waymark_schema. sql/roles.sql is re-applied after every init or
// upgrade so grants cover new tables.
//
// Concurrent runs are serialised with an advisory lock, so two `waymark db
// upgrade` at once apply each migration exactly once.
#ifndef WAYMARK_CORE_STORE_MIGRATIONS_H_
#define WAYMARK_CORE_STORE_MIGRATIONS_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct Migration {
  int version = 0;
  std::string name;  // "initial" for 0001_initial.sql
  std::string path;  // "sql/migrations/0001_initial.sql"
  std::string sql;
};

// The migrations compiled into this binary, by version.
const std::vector<Migration>& KnownMigrations();
int LatestSchemaVersion();

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string applied_at;  // ISO 8601, UTC
};

struct SchemaStatus {
  bool initialised = false;  // waymark_schema exists
  int version = 0;           // highest applied, 0 when not initialised
  std::vector<AppliedMigration> applied;
  std::vector<Migration> pending;  // known and not applied, in order
};

Status GetSchemaStatus(Database* db, SchemaStatus* out);

// The highest version recorded in waymark_schema, in one small query any
// role may make (the redirector's, each refresh round, to notice a schema
// newer than it knows).
Status LoadSchemaVersion(Database* db, int* version);

// Creates the schema in an empty database. On a database that already has
// one, changes nothing and sets *already = true.
Status InitSchema(Database* db, bool* already, std::vector<Migration>* applied);

// Applies every pending migration, then sql/roles.sql. Fails with
// kFailedPrecondition when the schema was never initialised, or when the
// database is newer than this binary.
Status UpgradeSchema(Database* db, std::vector<Migration>* applied);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_MIGRATIONS_H_
