#include "admin/command.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/program_options/value_semantic.hpp>
#include <cstdlib>
#include <iostream>

#include "core/log.h"
#include "core/program.h"
#include "core/store/mirror_store.h"
#include "core/strings.h"
#include "core/text_table.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

Status RunHelp(AdminContext* ctx);
Status RunVersion(AdminContext* ctx);

std::vector<Command> AllCommands() {
  std::vector<Command> all = {
      {"help", "[COMMAND]", "show the commands, or one command's options", 0, 2,
       nullptr, RunHelp},
      {"version", "", "show the version", 0, 0, nullptr, RunVersion},
  };
  for (auto group : {DbCommands, MirrorCommands, FileCommands, PickCommands,
                     GeoipCommands, ExportCommands, StatsCommands}) {
    for (auto& c : group()) all.push_back(c);
  }
  return all;
}

void AddCommonOptions(const Command& c, po::options_description* desc) {
  desc->add_options()("help,h", "show this command's help");
  if (c.add_options) c.add_options(desc);
}

std::string Usage(const Command& c) {
  std::string u = std::string("Usage: waymark [-c FILE] ") + c.name;
  if (*c.args) u += std::string(" ") + c.args;
  return u + "\n" + c.summary + ".";
}

const Command* Find(const std::vector<Command>& all, const std::string& name) {
  for (const auto& c : all) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

Status UnknownCommand(const std::vector<Command>& all,
                      const std::string& name) {
  std::vector<std::string> names;
  for (const auto& c : all) names.push_back(c.name);
  // Also suggest a group name ("mirorr" -> "mirror").
  for (const auto& c : all) {
    std::string n = c.name;
    size_t sp = n.find(' ');
    if (sp != std::string::npos) names.push_back(n.substr(0, sp));
  }
  std::string msg = "unknown command '" + Printable(name) + "'";
  std::string hint = SuggestClosest(name, names);
  if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
  return Status::InvalidArgument(msg + "; see 'waymark help'");
}

Status RunHelp(AdminContext* ctx) {
  auto all = AllCommands();
  if (!ctx->cl.positional.empty()) {
    std::string name = Join(ctx->cl.positional, " ");
    const Command* c = Find(all, name);
    if (!c) return UnknownCommand(all, name);
    po::options_description own;
    AddCommonOptions(*c, &own);
    *ctx->out << HelpText(Usage(*c), own);
    return Status::OK();
  }
  *ctx->out
      << "Usage: waymark [-c FILE] [--section.key=VALUE...] COMMAND [ARGS]\n"
         "The waymark admin tool: database, mirrors, inventory.\n\nCommands:\n";
  TextTable t({"", "", ""});
  for (const auto& c : all)
    t.AddRow({"", std::string(c.name) + " " + c.args, c.summary});
  std::ostringstream rows;
  t.Print(rows);
  // Skip the empty header line.
  std::string text = rows.str();
  *ctx->out << text.substr(text.find('\n') + 1);
  *ctx->out
      << "\n'waymark help COMMAND' shows a command's options; man waymark "
         "has the details.\n";
  return Status::OK();
}

Status RunVersion(AdminContext* ctx) {
  *ctx->out << VersionLine("waymark") << "\n";
  return Status::OK();
}

// True when `token` is an option that takes the next token as its value
// (only -c/--config; config keys before the command use --key=value).
bool TakesValue(const std::string& token) {
  return token == "-c" || token == "--config";
}

}  // namespace

std::string ActorFor(uid_t uid, const char* sudo_user, const char* sudo_uid,
                     long long sudo_user_uid, const std::string& name_of_uid) {
  if (uid == 0 && sudo_user && *sudo_user && sudo_uid && sudo_user_uid >= 0) {
    long long claimed = -1;
    if (ParseInt64(sudo_uid, &claimed) && claimed == sudo_user_uid)
      return sudo_user;
  }
  return name_of_uid;
}

std::string CurrentActor() {
  uid_t uid = getuid();
  const passwd* pw = getpwuid(uid);
  std::string name = pw ? pw->pw_name : "uid " + std::to_string(uid);
  const char* sudo_user = std::getenv("SUDO_USER");
  const passwd* caller =
      sudo_user && *sudo_user ? getpwnam(sudo_user) : nullptr;
  return ActorFor(uid, sudo_user, std::getenv("SUDO_UID"),
                  caller ? static_cast<long long>(caller->pw_uid) : -1, name);
}

Status LoadMirrors(const AdminContext& ctx, std::vector<Mirror>* mirrors,
                   std::unique_ptr<Database>* db) {
  std::unique_ptr<Database> own;
  if (!db) db = &own;
  Status s = ctx.ConnectForReading(db);
  if (!s.ok()) return s;
  return MirrorStore(db->get()).List(mirrors);
}

int RunAdmin(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  auto all = AllCommands();
  // Find the command words: the first one or two tokens that are not options.
  std::vector<size_t> word_at;
  for (size_t i = 0; i < args.size() && word_at.size() < 2; ++i) {
    const std::string& t = args[i];
    if (t == "--") break;
    if (!t.empty() && t[0] == '-') {
      if (word_at.empty() && TakesValue(t)) ++i;
      continue;
    }
    word_at.push_back(i);
    // Only group names take a second word.
    bool group = false;
    for (const auto& c : all) group |= StartsWith(c.name, t + " ");
    if (!group) break;
  }
  if (word_at.empty()) {
    AdminContext ctx{{}, Config::Defaults(), &out, &err};
    // Like the other binaries: --version and --help without a command.
    if (args.size() == 1 && (args[0] == "--version" || args[0] == "-V")) {
      RunVersion(&ctx);
      return 0;
    }
    RunHelp(&ctx);
    return args.size() == 1 && (args[0] == "--help" || args[0] == "-h") ? 0 : 2;
  }
  std::string name = args[word_at[0]];
  const Command* cmd = nullptr;
  if (word_at.size() == 2) cmd = Find(all, name + " " + args[word_at[1]]);
  if (cmd) {
    name += " " + args[word_at[1]];
  } else {
    cmd = Find(all, name);
    if (!cmd) {
      if (word_at.size() == 2) name += " " + args[word_at[1]];
      return ReportError("waymark", UnknownCommand(all, name));
    }
    word_at.resize(1);
  }

  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_word = false;
    for (size_t w : word_at) is_word |= (i == w);
    if (!is_word) rest.push_back(args[i]);
  }

  po::options_description own;
  AddCommonOptions(*cmd, &own);
  AdminContext ctx{{}, Config::Defaults(), &out, &err};
  Status s = ParseCommandLine(rest, own, -1, &ctx.cl);
  if (!s.ok())
    return ReportError("waymark",
                       Status::InvalidArgument(name + ": " + s.message()));
  if (ctx.cl.Has("help")) {
    out << HelpText(Usage(*cmd), own);
    return 0;
  }
  int n = static_cast<int>(ctx.cl.positional.size());
  if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args)) {
    std::string usage = std::string("waymark ") + cmd->name +
                        (*cmd->args ? " " : "") + cmd->args;
    std::string why =
        n < cmd->min_args ? "missing arguments" : "too many arguments";
    return ReportError("waymark",
                       Status::InvalidArgument(why + "; usage: " + usage));
  }
  s = LoadConfigFor(ctx.cl, &ctx.config);
  if (!s.ok()) return ReportError("waymark", s);
  SetLogLevel(ctx.config);
  s = cmd->run(&ctx);
  if (!s.ok()) return ReportError("waymark", s);
  return ctx.success_exit_code;
}

}  // namespace waymark
