// `waymark file list [PREFIX]` and `waymark file show PATH`: the inventory
// as the scanner left it, and which mirrors hold a file (and why the
// others do not).
#include <boost/program_options/value_semantic.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/command.h"
#include "core/json.h"
#include "core/store/inventory_view.h"
#include "core/strings.h"
#include "core/text_table.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

Status RunFileList(AdminContext* ctx) {
  std::string prefix = ctx->cl.positional.empty() ? "" : ctx->arg(0);
  while (!prefix.empty() && prefix[0] == '/') prefix.erase(0, 1);
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  std::vector<FileSummary> files;
  s = ListFiles(db.get(), prefix, &files);
  if (!s.ok()) return s;
  if (ctx->json()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& f : files)
      j.push_back({{"path", f.path},
                   {"size", f.size},
                   {"mtime", f.mtime},
                   {"sha256", StringOrNull(f.sha256_hex)},
                   {"mirrors", f.mirrors}});
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  TextTable t({"PATH", "SIZE", "MTIME (UTC)", "MIRRORS"});
  for (const auto& f : files)
    t.AddRow(
        {f.path, std::to_string(f.size), f.mtime, std::to_string(f.mirrors)});
  t.Print(*ctx->out);
  return Status::OK();
}

Status RunFileShow(AdminContext* ctx) {
  std::string path = ctx->arg(0);
  while (!path.empty() && path[0] == '/') path.erase(0, 1);
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  FileDetail d;
  s = ShowFile(db.get(), path, &d);
  if (!s.ok()) return s;
  if (ctx->json()) {
    nlohmann::json mirrors = nlohmann::json::array();
    for (const auto& m : d.mirrors) {
      nlohmann::json jm = {{"mirror", m.mirror},
                           {"enabled", m.enabled},
                           {"holds", m.holds},
                           {"state", m.state}};
      if (m.mirror_size >= 0) jm["mirror_size"] = m.mirror_size;
      if (!m.mirror_mtime.empty()) jm["mirror_mtime"] = m.mirror_mtime;
      mirrors.push_back(jm);
    }
    nlohmann::json j = {
        {"path", d.file.path},
        {"id", d.file.id},
        {"size", d.file.size},
        {"mtime", d.file.mtime},
        {"sha256", StringOrNull(d.file.sha256_hex)},
        {"sha1", StringOrNull(d.sha1_hex)},
        {"md5", StringOrNull(d.md5_hex)},
        {"piece_size",
         d.piece_size ? nlohmann::json(d.piece_size) : nlohmann::json(nullptr)},
        {"pieces", d.pieces},
        {"aliases", d.aliases},
        {"mirrors", mirrors}};
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  std::ostream& o = *ctx->out;
  o << "path:      " << Printable(d.file.path) << "\n"
    << "id:        " << d.file.id << "\n"
    << "size:      " << d.file.size << "\n"
    << "mtime:     " << d.file.mtime << " UTC\n"
    << "sha256:    " << (d.file.sha256_hex.empty() ? "-" : d.file.sha256_hex)
    << "\n"
    << "sha1:      " << (d.sha1_hex.empty() ? "-" : d.sha1_hex) << "\n"
    << "md5:       " << (d.md5_hex.empty() ? "-" : d.md5_hex) << "\n"
    << "pieces:    "
    << (d.pieces ? std::to_string(d.pieces) + " of " +
                       std::to_string(d.piece_size) + " bytes"
                 : std::string("-"))
    << "\n"
    << "aliases:   "
    << (d.aliases.empty() ? "-" : Printable(Join(d.aliases, ", "))) << "\n";
  int holders = 0;
  for (const auto& m : d.mirrors) holders += m.holds;
  o << "mirrors:   " << holders << " of " << d.mirrors.size() << " hold it\n\n";
  TextTable t(
      {"MIRROR", "ENABLED", "STATE", "MIRROR SIZE", "MIRROR MTIME (UTC)"});
  for (const auto& m : d.mirrors)
    t.AddRow({m.mirror, m.enabled ? "yes" : "no", m.state,
              m.mirror_size >= 0 ? std::to_string(m.mirror_size) : "-",
              m.mirror_mtime.empty() ? "-" : m.mirror_mtime});
  t.Print(o);
  return Status::OK();
}

void JsonOption(po::options_description* d) {
  d->add_options()("json", "print JSON for scripts");
}

}  // namespace

std::vector<Command> FileCommands() {
  return {
      {"file list", "[PREFIX] [--json]",
       "list the inventory's files (under PREFIX) and how many mirrors hold "
       "each",
       0, 1, JsonOption, RunFileList},
      {"file show", "PATH [--json]",
       "show a file's size, time, hashes, aliases, and which mirrors hold it "
       "and why not",
       1, 1, JsonOption, RunFileShow},
  };
}

}  // namespace waymark
