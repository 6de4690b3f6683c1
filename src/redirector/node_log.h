// Log lines about the whole redirector node rather than one worker, said
// once for the node instead of once per worker: its view of the inventory
// past redirector.max_inventory_age (at most once a minute, and once when
// it is current again), and a database schema newer than this binary
// knows (once per version). One NodeLog lives in the memory the master
// shares with the workers (redirector/shared_region.h); a worker without
// it, and the tests, have one of their own. Lock-free: the workers'
// refresh threads (redirector/inventory_cache.h) call it at any time.
#ifndef WAYMARK_REDIRECTOR_NODE_LOG_H_
#define WAYMARK_REDIRECTOR_NODE_LOG_H_

#include <atomic>
#include <cstdint>

namespace waymark {

class NodeLog {
 public:
  static constexpr int64_t kStaleEverySeconds = 60;

  // The node's view is stale at `now` (Unix seconds): true when the caller
  // is the one to log it now (the first to see it, then once every
  // kStaleEverySeconds).
  bool StaleDue(int64_t now);
  // The view is current again: true for the one caller that is to say so,
  // when it was stale.
  bool Recovered();
  // True for the first caller that meets schema `version` (higher than
  // any met before).
  bool SchemaWarningDue(int version);

 private:
  std::atomic<int64_t> stale_logged_at_{0};  // 0: not stale
  std::atomic<int> schema_warned_{0};
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_NODE_LOG_H_
