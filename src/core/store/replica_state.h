// Whether the database a program reads is the primary or a hot standby,
// and how old a standby's view of the inventory is. `waymark db status`
// shows it; the redirector on a standby node is to act on the age
// (README, "Several nodes").
#ifndef WAYMARK_CORE_STORE_REPLICA_STATE_H_
#define WAYMARK_CORE_STORE_REPLICA_STATE_H_

#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

struct ReplicaState {
  bool standby = false;  // pg_is_in_recovery()
  // The standby's WAL receiver runs (it is connected to its primary, or
  // about to be). Always false on a primary.
  bool streaming = false;
  bool replay_paused = false;  // pg_wal_replay_pause() was called
  // How far behind the primary this view is, in seconds: 0 on a primary
  // and on a standby that streams and has replayed all it received; else
  // the time since the last transaction it replayed was committed on the
  // primary. Negative when unknown (a standby that is not streaming and
  // has replayed no transaction since it started).
  double age_seconds = 0;

  bool age_known() const { return age_seconds >= 0; }
};

// Reads the state of the server `db` is connected to. Any role may call
// it (the redirector's too): it reads only functions and views open to
// every role.
Status LoadReplicaState(Database* db, ReplicaState* out);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_REPLICA_STATE_H_
