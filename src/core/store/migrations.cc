#include "core/store/migrations.h"

#include <algorithm>
#include <cstdlib>

#include "core/embedded_files.h"
#include "core/store/db.h"
#include "core/strings.h"

namespace waymark {

namespace {

const char kMigrationDir[] = "sql/migrations/";
const char kRolesPath[] = "sql/roles.sql";
// pg_advisory_xact_lock key shared by every schema change ("wmschema").
const long long kSchemaLockKey = 0x776d736368656d61LL;

const char kCreateSchemaTable[] =
    "CREATE TABLE IF NOT EXISTS waymark_schema ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

std::vector<Migration> ParseEmbedded() {
  std::vector<Migration> out;
  for (const EmbeddedFile* f = kEmbeddedSql; f->path; ++f) {
    std::string path = f->path;
    if (!StartsWith(path, kMigrationDir)) continue;
    std::string base = path.substr(sizeof(kMigrationDir) - 1);
    // NNNN_name.sql; the Makefile only embeds files matching *.sql.
    long long version = 0;
    size_t underscore = base.find('_');
    if (underscore == std::string::npos ||
        !ParseInt64(base.substr(0, underscore), &version) || version <= 0) {
      continue;
    }
    Migration m;
    m.version = static_cast<int>(version);
    m.name = base.substr(underscore + 1, base.size() - underscore - 5);
    m.path = path;
    m.sql = f->data;
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) {
    return a.version < b.version;
  });
  return out;
}

std::string RolesSql() {
  for (const EmbeddedFile* f = kEmbeddedSql; f->path; ++f) {
    if (std::string(f->path) == kRolesPath) return f->data;
  }
  return "";
}

bool SchemaTableExists(pqxx::transaction_base& tx) {
  auto r = tx.exec("SELECT to_regclass('waymark_schema') IS NOT NULL");
  return r[0][0].as<bool>();
}

int CurrentVersion(pqxx::transaction_base& tx) {
  auto r = tx.exec("SELECT coalesce(max(version), 0) FROM waymark_schema");
  return r[0][0].as<int>();
}

void Lock(pqxx::transaction_base& tx) {
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLockKey);
}

// Applies the pending migrations one transaction each, then roles.sql.
Status ApplyPending(Database* db, std::vector<Migration>* applied) {
  for (const Migration& m : KnownMigrations()) {
    try {
      pqxx::work tx(db->conn());
      Lock(tx);
      tx.exec(kCreateSchemaTable);
      if (CurrentVersion(tx) >= m.version) continue;  // applied meanwhile
      tx.exec(m.sql);
      tx.exec_params(
          "INSERT INTO waymark_schema (version, name) VALUES ($1, $2)",
          m.version, m.name);
      tx.commit();
      applied->push_back(m);
    } catch (const std::exception& e) {
      return DatabaseError(e, "migration " + m.path + " failed");
    }
  }
  try {
    pqxx::work tx(db->conn());
    Lock(tx);
    tx.exec(RolesSql());
    tx.commit();
  } catch (const std::exception& e) {
    Status s = DatabaseError(e, "cannot apply sql/roles.sql");
    if (SqlState(e) == "42501") {
      return Status::Database(s.message() +
                              " (run it once as a PostgreSQL superuser, "
                              "e.g. psql -f sql/roles.sql, then retry)");
    }
    return s;
  }
  return Status::OK();
}

}  // namespace

const std::vector<Migration>& KnownMigrations() {
  static const std::vector<Migration> kMigrations = ParseEmbedded();
  return kMigrations;
}

int LatestSchemaVersion() {
  const auto& m = KnownMigrations();
  return m.empty() ? 0 : m.back().version;
}

Status GetSchemaStatus(Database* db, SchemaStatus* out) {
  SchemaStatus st;
  try {
    pqxx::read_transaction tx(db->conn());
    st.initialised = SchemaTableExists(tx);
    if (st.initialised) {
      auto r = tx.exec(
          "SELECT version, name, "
          "to_char(applied_at AT TIME ZONE 'UTC', "
          "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
          "FROM waymark_schema ORDER BY version");
      for (const auto& row : r) {
        AppliedMigration a;
        a.version = row[0].as<int>();
        a.name = row[1].as<std::string>();
        a.applied_at = row[2].as<std::string>();
        st.version = std::max(st.version, a.version);
        st.applied.push_back(std::move(a));
      }
    }
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the schema version");
  }
  for (const Migration& m : KnownMigrations()) {
    if (m.version > st.version) st.pending.push_back(m);
  }
  *out = std::move(st);
  return Status::OK();
}

Status LoadSchemaVersion(Database* db, int* version) {
  try {
    pqxx::nontransaction tx(db->conn());
    *version = CurrentVersion(tx);
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the schema version");
  }
  return Status::OK();
}

Status InitSchema(Database* db, bool* already,
                  std::vector<Migration>* applied) {
  SchemaStatus st;
  Status s = GetSchemaStatus(db, &st);
  if (!s.ok()) return s;
  *already = st.initialised && st.version > 0;
  if (*already) return Status::OK();
  return ApplyPending(db, applied);
}

Status UpgradeSchema(Database* db, std::vector<Migration>* applied) {
  SchemaStatus st;
  Status s = GetSchemaStatus(db, &st);
  if (!s.ok()) return s;
  if (!st.initialised || st.version == 0) {
    return Status::FailedPrecondition(
        "the database has no waymark schema; run 'waymark db init' first");
  }
  if (st.version > LatestSchemaVersion()) {
    return Status::FailedPrecondition(
        "the database schema (version " + std::to_string(st.version) +
        ") is newer than this waymark (version " +
        std::to_string(LatestSchemaVersion()) + "); upgrade waymark");
  }
  return ApplyPending(db, applied);
}

}  // namespace waymark
