#include "core/store/mirror_store.h"

#include <optional>

#include "core/store/db.h"
#include "core/strings.h"

namespace waymark {

namespace {

// Columns in the order RowToMirror reads them. Times are UTC text so that
// output does not depend on the session's time zone. With `secrets` false
// the rsync and FTP URLs (which may carry a user and password) and the
// admin's name and e-mail are left out, read as '': sql/roles.sql lets the
// redirector's role (and the trace checker's, and reports') SELECT every
// column of mirrors but these four.
std::string SelectMirror(bool secrets) {
  return std::string(R"SQL(
SELECT m.id, m.name,
       coalesce(m.http_url, ''), coalesce(m.https_url, ''),
)SQL") +
         (secrets
              ? "       coalesce(m.rsync_url, ''), coalesce(m.ftp_url, ''),\n"
              : "       '', '',\n") +
         R"SQL(
       coalesce(m.country, ''), coalesce(m.continent, ''), m.asn,
       m.latitude, m.longitude, m.weight,
       m.country_only, m.continent_only, m.asn_only,
       array_to_string(m.also_countries, ','),
       array_to_string(m.exclude_countries, ','),
       m.max_size, m.enabled,
       coalesce(m.sponsor_name, ''), coalesce(m.sponsor_url, ''),
)SQL" +
         (secrets ? "       coalesce(m.admin_name, ''), "
                    "coalesce(m.admin_email, ''),\n"
                  : "       '', '',\n") +
         R"SQL(
       m.comment,
       to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
       to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
       to_char(m.enabled_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
       CASE WHEN NOT m.enabled THEN 'disabled'
            WHEN h.checks = 0 THEN 'unchecked'
            WHEN h.ups > 0 THEN 'up'
            ELSE 'down' END,
       to_char(CASE WHEN NOT m.enabled OR h.checks = 0 THEN m.enabled_changed_at
                    ELSE h.since END AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
       coalesce(m.scan_protocols, ''), m.max_lag, m.allow_redirects
  FROM mirrors m
  CROSS JOIN LATERAL (
      SELECT count(*) AS checks, count(*) FILTER (WHERE up) AS ups,
             max(since) AS since
        FROM mirror_health WHERE mirror_id = m.id) h
)SQL";
}

std::vector<std::string> SplitList(const std::string& s) {
  if (s.empty()) return {};
  return Split(s, ',');
}

Mirror RowToMirror(const pqxx::row& r) {
  Mirror m;
  int i = 0;
  m.id = r[i++].as<int>();
  m.name = r[i++].as<std::string>();
  m.http_url = r[i++].as<std::string>();
  m.https_url = r[i++].as<std::string>();
  m.rsync_url = r[i++].as<std::string>();
  m.ftp_url = r[i++].as<std::string>();
  m.country = r[i++].as<std::string>();
  m.continent = r[i++].as<std::string>();
  if (!r[i].is_null()) m.asn = r[i].as<long long>();
  ++i;
  if (!r[i].is_null()) m.latitude = r[i].as<double>();
  ++i;
  if (!r[i].is_null()) m.longitude = r[i].as<double>();
  ++i;
  m.weight = r[i++].as<int>();
  m.country_only = r[i++].as<bool>();
  m.continent_only = r[i++].as<bool>();
  m.asn_only = r[i++].as<bool>();
  m.also_countries = SplitList(r[i++].as<std::string>());
  m.exclude_countries = SplitList(r[i++].as<std::string>());
  if (!r[i].is_null()) m.max_size = r[i].as<long long>();
  ++i;
  m.enabled = r[i++].as<bool>();
  m.sponsor_name = r[i++].as<std::string>();
  m.sponsor_url = r[i++].as<std::string>();
  m.admin_name = r[i++].as<std::string>();
  m.admin_email = r[i++].as<std::string>();
  m.comment = r[i++].as<std::string>();
  m.created_at = r[i++].as<std::string>();
  m.updated_at = r[i++].as<std::string>();
  m.enabled_changed_at = r[i++].as<std::string>();
  m.state = r[i++].as<std::string>();
  m.state_since = r[i++].as<std::string>();
  m.scan_protocols = r[i++].as<std::string>();
  if (!r[i].is_null()) m.max_lag = r[i].as<long long>();
  ++i;
  m.allow_redirects = r[i++].as<bool>();
  return m;
}

// Parameters as text or NULL, for make_dynamic_params.
class Params {
 public:
  void Add(const std::string& s) { values_.emplace_back(s); }
  void AddOrNull(const std::string& s) {
    values_.push_back(s.empty() ? std::nullopt : std::optional<std::string>(s));
  }
  template <typename T>
  void AddOptional(const std::optional<T>& v) {
    values_.push_back(v ? std::optional<std::string>(pqxx::to_string(*v))
                        : std::nullopt);
  }
  void AddBool(bool b) { values_.emplace_back(b ? "true" : "false"); }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> p;
    for (const auto& v : values_) p.push_back(v ? v->c_str() : nullptr);
    return p;
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

// $1..$25: the operator's fields, in the order of kFieldColumns.
constexpr char kFieldColumns[] =
    "name, http_url, https_url, rsync_url, ftp_url, country, continent, asn, "
    "latitude, longitude, weight, country_only, continent_only, asn_only, "
    "also_countries, exclude_countries, max_size, sponsor_name, sponsor_url, "
    "admin_name, admin_email, comment, scan_protocols, max_lag, "
    "allow_redirects";
constexpr char kFieldValues[] =
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
    "string_to_array($15, ','), string_to_array($16, ','), $17, $18, $19, "
    "$20, $21, $22, $23, $24, $25";

Params FieldParams(const Mirror& m) {
  Params p;
  p.Add(m.name);
  p.AddOrNull(m.http_url);
  p.AddOrNull(m.https_url);
  p.AddOrNull(m.rsync_url);
  p.AddOrNull(m.ftp_url);
  p.AddOrNull(m.country);
  p.AddOrNull(m.continent);
  p.AddOptional(m.asn);
  p.AddOptional(m.latitude);
  p.AddOptional(m.longitude);
  p.Add(std::to_string(m.weight));
  p.AddBool(m.country_only);
  p.AddBool(m.continent_only);
  p.AddBool(m.asn_only);
  p.Add(Join(m.also_countries, ","));
  p.Add(Join(m.exclude_countries, ","));
  p.AddOptional(m.max_size);
  p.AddOrNull(m.sponsor_name);
  p.AddOrNull(m.sponsor_url);
  p.AddOrNull(m.admin_name);
  p.AddOrNull(m.admin_email);
  p.Add(m.comment);
  p.AddOrNull(m.scan_protocols);
  p.AddOptional(m.max_lag);
  p.AddBool(m.allow_redirects);
  return p;
}

Status Mapped(const std::exception& e, const std::string& doing,
              const std::string& name) {
  if (SqlState(e) == "23505")
    return Status::AlreadyExists("mirror '" + name + "' already exists");
  return DatabaseError(e, doing);
}

void LogEvent(pqxx::work& tx, int mirror_id, const std::string& kind,
              const std::string& message, const std::string& actor) {
  tx.exec_params(
      "INSERT INTO mirror_events (mirror_id, kind, message, actor) "
      "VALUES ($1, $2, $3, $4)",
      mirror_id, kind, message, actor);
}

// The id of mirror `name` inside `tx`, or 0.
int IdOf(pqxx::transaction_base& tx, const std::string& name) {
  auto r = tx.exec_params("SELECT id FROM mirrors WHERE name = $1", name);
  return r.empty() ? 0 : r[0][0].as<int>();
}

}  // namespace

Status MirrorNotFound(const std::string& name) {
  return Status::NotFound("mirror '" + Printable(name) + "' not found");
}

Status MirrorStore::Add(const Mirror& m, const std::string& actor,
                        Mirror* out) {
  try {
    pqxx::work tx(db_->conn());
    Params p = FieldParams(m);
    auto ptrs = p.Pointers();
    auto r =
        tx.exec_params(std::string("INSERT INTO mirrors (") + kFieldColumns +
                           ") VALUES (" + kFieldValues + ") RETURNING id",
                       pqxx::prepare::make_dynamic_params(ptrs));
    int id = r[0][0].as<int>();
    LogEvent(tx, id, "added", "added (disabled until enabled)", actor);
    auto row = tx.exec_params(SelectMirror(true) + " WHERE m.id = $1", id);
    *out = RowToMirror(row[0]);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return Mapped(e, "cannot add mirror '" + m.name + "'", m.name);
  }
}

Status MirrorStore::Get(const std::string& name, Mirror* out) {
  try {
    pqxx::read_transaction tx(db_->conn());
    auto r = tx.exec_params(SelectMirror(true) + " WHERE m.name = $1", name);
    if (r.empty()) return MirrorNotFound(name);
    *out = RowToMirror(r[0]);
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read mirror '" + Printable(name) + "'");
  }
}

Status MirrorStore::List(std::vector<Mirror>* out) {
  return List(kWithSecrets, out);
}

Status MirrorStore::List(Secrets secrets, std::vector<Mirror>* out) {
  try {
    pqxx::read_transaction tx(db_->conn());
    auto r =
        tx.exec(SelectMirror(secrets == kWithSecrets) + " ORDER BY m.name");
    out->clear();
    for (const auto& row : r) out->push_back(RowToMirror(row));
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot list mirrors");
  }
}

Status MirrorStore::Update(const std::string& old_name, const Mirror& m,
                           const std::string& actor,
                           const std::string& summary) {
  try {
    pqxx::work tx(db_->conn());
    int id = IdOf(tx, old_name);
    if (!id) return MirrorNotFound(old_name);
    Params p = FieldParams(m);
    p.Add(std::to_string(id));
    auto ptrs = p.Pointers();
    tx.exec_params(std::string("UPDATE mirrors SET (") + kFieldColumns +
                       ", updated_at) = (" + kFieldValues +
                       ", now()) WHERE id = $26",
                   pqxx::prepare::make_dynamic_params(ptrs));
    LogEvent(tx, id, "edited", summary, actor);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return Mapped(e, "cannot edit mirror '" + Printable(old_name) + "'",
                  m.name);
  }
}

Status MirrorStore::SetEnabled(const std::string& name, bool enabled,
                               const std::string& actor,
                               const std::string& reason, bool* changed) {
  try {
    pqxx::work tx(db_->conn());
    auto r = tx.exec_params(
        "SELECT id, enabled FROM mirrors WHERE name = $1 FOR UPDATE", name);
    if (r.empty()) return MirrorNotFound(name);
    int id = r[0][0].as<int>();
    *changed = r[0][1].as<bool>() != enabled;
    if (*changed) {
      tx.exec_params(
          "UPDATE mirrors SET enabled = $2, enabled_changed_at = now(), "
          "updated_at = now() WHERE id = $1",
          id, enabled);
      LogEvent(tx, id, enabled ? "enabled" : "disabled", reason, actor);
    }
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot change mirror '" + Printable(name) + "'");
  }
}

Status MirrorStore::Remove(const std::string& name) {
  try {
    pqxx::work tx(db_->conn());
    auto r = tx.exec_params("DELETE FROM mirrors WHERE name = $1 RETURNING id",
                            name);
    if (r.empty()) return MirrorNotFound(name);
    tx.commit();
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot remove mirror '" + Printable(name) + "'");
  }
}

Status MirrorStore::Events(const std::string& name, int limit,
                           std::vector<MirrorEvent>* out) {
  try {
    pqxx::read_transaction tx(db_->conn());
    int id = IdOf(tx, name);
    if (!id) return MirrorNotFound(name);
    auto r = tx.exec_params(
        "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), kind, "
        "message, actor FROM (SELECT * FROM mirror_events WHERE mirror_id = $1 "
        "ORDER BY at DESC, id DESC LIMIT $2) e ORDER BY at, id",
        id, limit);
    out->clear();
    for (const auto& row : r) {
      out->push_back(
          MirrorEvent{row[0].as<std::string>(), row[1].as<std::string>(),
                      row[2].as<std::string>(), row[3].as<std::string>()});
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return DatabaseError(
        e, "cannot read the log of mirror '" + Printable(name) + "'");
  }
}

}  // namespace waymark
