#include "redirector/node_log.h"

namespace waymark {

bool NodeLog::StaleDue(int64_t now) {
  int64_t last = stale_logged_at_.load();
  // A time of 0 would read as "not stale"; no clock says 1970 anyway.
  if (now <= 0) now = 1;
  while (last == 0 || now - last >= kStaleEverySeconds) {
    if (stale_logged_at_.compare_exchange_weak(last, now)) return true;
  }
  return false;
}

bool NodeLog::Recovered() {
  int64_t last = stale_logged_at_.load();
  while (last != 0) {
    if (stale_logged_at_.compare_exchange_weak(last, 0)) return true;
  }
  return false;
}

bool NodeLog::SchemaWarningDue(int version) {
  int last = schema_warned_.load();
  while (version > last) {
    if (schema_warned_.compare_exchange_weak(last, version)) return true;
  }
  return false;
}

}  // namespace waymark
