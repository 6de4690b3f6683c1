// `waymark db init|upgrade|status`: the schema and its version; status
// also says whether the database read is the primary or a hot standby,
// and how old a standby's view is.
#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/command.h"
#include "core/json.h"
#include "core/store/db.h"
#include "core/store/migrations.h"
#include "core/store/replica_state.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

// Exit status of `db status` when the schema is missing or behind.
constexpr int kExitSchemaNotCurrent = 3;

std::string Plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// "database: primary", or "database: hot standby, streaming, inventory 3 s
// old" with "not streaming", "replay paused", "inventory age unknown".
std::string ReplicaLine(const ReplicaState& r) {
  if (!r.standby) return "database: primary";
  std::string line = "database: hot standby, ";
  line += r.streaming ? "streaming" : "not streaming";
  if (r.replay_paused) line += ", replay paused";
  if (r.age_known()) {
    line += ", inventory " +
            std::to_string(static_cast<long long>(r.age_seconds)) + " s old";
  } else {
    line += ", inventory age unknown (nothing replayed since it started)";
  }
  return line;
}

Status RunInit(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  bool already = false;
  std::vector<Migration> applied;
  s = InitSchema(db.get(), &already, &applied);
  if (!s.ok()) return s;
  if (already) {
    SchemaStatus st;
    s = GetSchemaStatus(db.get(), &st);
    if (!s.ok()) return s;
    *ctx->out << "the database already has the waymark schema (version "
              << st.version << "); nothing changed";
    if (!st.pending.empty())
      *ctx->out << "; 'waymark db upgrade' applies "
                << Plural(st.pending.size(), "pending migration");
    *ctx->out << "\n";
    return Status::OK();
  }
  *ctx->out << "created the waymark schema at version " << LatestSchemaVersion()
            << " (" << Plural(applied.size(), "migration")
            << " applied, roles granted)\n";
  return Status::OK();
}

Status RunUpgrade(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  SchemaStatus before;
  s = GetSchemaStatus(db.get(), &before);
  if (!s.ok()) return s;
  std::vector<Migration> applied;
  s = UpgradeSchema(db.get(), &applied);
  if (!s.ok()) return s;
  if (applied.empty()) {
    *ctx->out << "the schema is up to date (version " << LatestSchemaVersion()
              << ")\n";
  } else {
    for (const auto& m : applied) *ctx->out << "applied " << m.path << "\n";
    *ctx->out << "upgraded the schema from version " << before.version << " to "
              << LatestSchemaVersion() << "\n";
  }
  return Status::OK();
}

Status RunStatus(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  ReplicaState replica;
  s = LoadReplicaState(db.get(), &replica);
  if (!s.ok()) return s;
  SchemaStatus st;
  s = GetSchemaStatus(db.get(), &st);
  if (!s.ok()) return s;
  long long mirrors = 0, enabled = 0, files = 0;
  if (st.version > 0) {
    try {
      pqxx::read_transaction tx(db->conn());
      auto r = tx.exec(
          "SELECT (SELECT count(*) FROM mirrors), "
          "(SELECT count(*) FROM mirrors WHERE enabled), "
          "(SELECT count(*) FROM files)");
      mirrors = r[0][0].as<long long>();
      enabled = r[0][1].as<long long>();
      files = r[0][2].as<long long>();
    } catch (const std::exception& e) {
      return DatabaseError(e, "cannot count the inventory");
    }
  }
  bool current = st.version > 0 && st.pending.empty();
  if (!current) ctx->success_exit_code = kExitSchemaNotCurrent;
  if (ctx->json()) {
    nlohmann::json j;
    j["standby"] = replica.standby;
    j["streaming"] = replica.streaming;
    j["replay_paused"] = replica.replay_paused;
    j["inventory_age_seconds"] = replica.age_known()
                                     ? nlohmann::json(replica.age_seconds)
                                     : nlohmann::json(nullptr);
    j["initialised"] = st.version > 0;
    j["version"] = st.version;
    j["latest"] = LatestSchemaVersion();
    j["up_to_date"] = current;
    j["applied"] = nlohmann::json::array();
    for (const auto& a : st.applied)
      j["applied"].push_back({{"version", a.version},
                              {"name", a.name},
                              {"applied_at", a.applied_at}});
    j["pending"] = nlohmann::json::array();
    for (const auto& m : st.pending)
      j["pending"].push_back({{"version", m.version}, {"name", m.name}});
    j["mirrors"] = mirrors;
    j["mirrors_enabled"] = enabled;
    j["files"] = files;
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  std::ostream& out = *ctx->out;
  out << ReplicaLine(replica) << "\n";
  if (st.version == 0) {
    out << "schema: none (run 'waymark db init')\n";
    return Status::OK();
  }
  out << "schema: version " << st.version
      << " (this waymark: " << LatestSchemaVersion() << ")";
  if (st.version > LatestSchemaVersion()) out << ", newer than this waymark";
  out << "\n";
  for (const auto& a : st.applied)
    out << "  applied " << a.applied_at << "  " << a.version << " " << a.name
        << "\n";
  for (const auto& m : st.pending)
    out << "  pending " << m.path << " ('waymark db upgrade'"
        << (replica.standby ? " on the primary" : "") << " applies it)\n";
  out << "mirrors: " << mirrors << " (" << enabled << " enabled)\n";
  out << "files: " << files << "\n";
  return Status::OK();
}

void AddJson(po::options_description* d) {
  d->add_options()("json", "print JSON for scripts");
}

}  // namespace

std::vector<Command> DbCommands() {
  return {
      {"db init", "", "create the schema and roles in an empty database", 0, 0,
       nullptr, RunInit},
      {"db upgrade", "", "apply pending schema migrations", 0, 0, nullptr,
       RunUpgrade},
      {"db status", "[--json]",
       "show primary or standby (and its age), the schema version and "
       "inventory counts "
       "(exit 3 when an init or upgrade is due)",
       0, 0, AddJson, RunStatus},
  };
}

}  // namespace waymark
