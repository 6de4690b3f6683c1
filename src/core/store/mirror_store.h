// MirrorStore: the mirrors table and its event log in PostgreSQL. Every query
// is parameterised. Used by the admin tool, and by LoadMirrorStatuses
// (core/store/inventory.h) without the secret columns; the redirector,
// scanner and trace checker read and write their own columns through their
// own code, each selecting only the columns it needs.
#ifndef WAYMARK_CORE_STORE_MIRROR_STORE_H_
#define WAYMARK_CORE_STORE_MIRROR_STORE_H_

#include <string>
#include <vector>

#include "core/model/mirror.h"
#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct MirrorEvent {
  std::string at;  // UTC, "YYYY-MM-DD HH:MM:SS"
  std::string kind;
  std::string message;
  std::string actor;
};

class MirrorStore {
 public:
  explicit MirrorStore(Database* db) : db_(db) {}

  // Inserts `m` (validated by the caller) and logs an "added" event.
  // kAlreadyExists when the name is taken. `out` gets the stored row.
  Status Add(const Mirror& m, const std::string& actor, Mirror* out);
  // kNotFound: "mirror 'NAME' not found".
  Status Get(const std::string& name, Mirror* out);
  // All mirrors by name.
  Status List(std::vector<Mirror>* out);
  // Whether a read includes the columns that only waymark_scanner and
  // waymark_admin may SELECT (sql/roles.sql): rsync_url and ftp_url, which
  // may carry a password, and admin_name and admin_email.
  enum Secrets { kWithSecrets, kWithoutSecrets };
  // All mirrors by name; kWithoutSecrets leaves those four fields empty and
  // is what a role without them (the redirector's) may run.
  Status List(Secrets secrets, std::vector<Mirror>* out);
  // Writes the operator's fields of `m` to the mirror now called `old_name`
  // (m.name may differ: a rename) and logs an "edited" event with `summary`.
  Status Update(const std::string& old_name, const Mirror& m,
                const std::string& actor, const std::string& summary);
  // Sets the operator's switch; *changed says whether it was different.
  Status SetEnabled(const std::string& name, bool enabled,
                    const std::string& actor, const std::string& reason,
                    bool* changed);
  // Deletes the mirror with its listings, health and events.
  Status Remove(const std::string& name);
  // The newest `limit` events, oldest first.
  Status Events(const std::string& name, int limit,
                std::vector<MirrorEvent>* out);

 private:
  Database* db_;
};

// "mirror 'NAME' not found"
Status MirrorNotFound(const std::string& name);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_MIRROR_STORE_H_
