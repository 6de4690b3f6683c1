// The admin tool's command table: every `waymark` subcommand with its
// arguments, summary, options and handler. `waymark help` and the "did you
// mean" hint come from this table (like ninja's ChooseTool()).
#ifndef WAYMARK_ADMIN_COMMAND_H_
#define WAYMARK_ADMIN_COMMAND_H_

#include <sys/types.h>

#include <boost/program_options/options_description.hpp>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/command_line.h"
#include "core/config.h"
#include "core/model/mirror.h"
#include "core/status.h"
#include "core/store/db.h"

namespace waymark {

// What a handler gets: parsed arguments, the effective configuration and
// where to print.
struct AdminContext {
  CommandLine cl;
  Config config;
  std::ostream* out;
  std::ostream* err;
  // Exit code for a successful run that wants to say something (db status).
  int success_exit_code = 0;

  bool json() const { return cl.Has("json"); }
  // Connects to database.dsn (a primary or a hot standby), for commands
  // that only read.
  Status ConnectForReading(std::unique_ptr<Database>* db) const {
    return OpenForReading(config, db);
  }
  // Connects to database.primary_dsn (database.dsn when unset), for
  // commands that change something; a hot standby is refused there.
  Status ConnectForWriting(std::unique_ptr<Database>* db) const {
    return OpenForWriting(config, db);
  }
  const std::string& arg(size_t i) const { return cl.positional.at(i); }
};

// Connects to database.dsn and reads every mirror, ordered as
// MirrorStore::List orders them. `db`, when given, keeps the connection
// for further reads.
Status LoadMirrors(const AdminContext& ctx, std::vector<Mirror>* mirrors,
                   std::unique_ptr<Database>* db = nullptr);

struct Command {
  const char* name;     // "mirror add"
  const char* args;     // "NAME (--http URL | --https URL) [OPTIONS]"
  const char* summary;  // one line for `waymark help`
  int min_args;         // positional arguments after the command words
  int max_args;         // -1: any number
  void (*add_options)(boost::program_options::options_description*);
  Status (*run)(AdminContext* ctx);
};

// Registered by each command group's file.
std::vector<Command> DbCommands();
std::vector<Command> MirrorCommands();
std::vector<Command> GeoipCommands();
std::vector<Command> PickCommands();
std::vector<Command> FileCommands();
std::vector<Command> ExportCommands();
std::vector<Command> StatsCommands();

// Runs the admin tool; returns the exit status (see waymark(8)).
int RunAdmin(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

// The login name to record as the actor of a change: the name of the
// process's real user; under sudo(8) (the process is root, and sudo's
// SUDO_USER and SUDO_UID name the same account) the user who called sudo.
// Anyone can set SUDO_USER: from any other user it is ignored.
std::string CurrentActor();

// CurrentActor()'s rule on given facts: the real uid, SUDO_USER and
// SUDO_UID (null when unset), the uid of the account SUDO_USER names (-1
// when none), and the real user's own name.
std::string ActorFor(uid_t uid, const char* sudo_user, const char* sudo_uid,
                     long long sudo_user_uid, const std::string& name_of_uid);

}  // namespace waymark

#endif  // WAYMARK_ADMIN_COMMAND_H_
