#include "core/store/replica_state.h"

#include <algorithm>

#include "core/store/db.h"

namespace waymark {

namespace {

// One round trip. On a primary only the first column is used (the replay
// functions return NULL there, and pg_is_wal_replay_paused() would fail,
// hence the CASE).
//
// streaming: pg_stat_wal_receiver shows a role without pg_read_all_stats
// (the redirector's) only the receiver's pid, so `status = 'streaming'`
// is NULL for it and "a receiver runs" stands in; the view has no row
// while none runs (the primary is gone or unreachable: the receiver
// exits, and leaves at the latest wal_receiver_timeout, 60 s, after the
// network went silent).
const char kStateQuery[] =
    "SELECT pg_is_in_recovery(), "
    " coalesce((SELECT coalesce(status = 'streaming', pid IS NOT NULL) "
    "  FROM pg_stat_wal_receiver), false), "
    " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() "
    "  ELSE false END, "
    " coalesce(pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(), false), "
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8";

}  // namespace

Status LoadReplicaState(Database* db, ReplicaState* out) {
  ReplicaState st;
  try {
    pqxx::nontransaction tx(db->conn());
    auto row = tx.exec1(kStateQuery);
    st.standby = row[0].as<bool>();
    if (st.standby) {
      st.streaming = row[1].as<bool>();
      st.replay_paused = row[2].as<bool>();
      bool replayed_all_received = row[3].as<bool>();
      if (st.streaming && replayed_all_received) {
        // The last replayed commit can be hours old on a standby that is
        // current: an idle primary writes nothing, so the age from
        // pg_last_xact_replay_timestamp() would grow while nothing is
        // missing. A receiver that is connected gets the primary's WAL as
        // it is written, and everything it got has been replayed: the view
        // is the primary's own, age 0.
        st.age_seconds = 0;
      } else if (row[4].is_null()) {
        st.age_seconds = -1;  // nothing replayed since the standby started
      } else {
        // The primary's clock against ours: skew between them shows up
        // here, so an age slightly below 0 is a clock, not the future.
        st.age_seconds = std::max(0.0, row[4].as<double>());
      }
    }
  } catch (const std::exception& e) {
    return DatabaseError(e, "cannot read the replication state");
  }
  *out = st;
  return Status::OK();
}

}  // namespace waymark
