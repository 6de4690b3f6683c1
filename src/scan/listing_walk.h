// The walk of a mirror's tree that the FTP and HTTP listers share
// (core/mirror_listers.cc): the directories still to list, breadth first,
// and the step that admits each entry a directory's listing names. Pure: no
// I/O, so the rules (path checks, scan.max_entries, scan.max_depth) are
// table-tested on their own (listing_walk_test.cc).
#ifndef WAYMARK_SCAN_LISTING_WALK_H_
#define WAYMARK_SCAN_LISTING_WALK_H_

#include <deque>
#include <set>
#include <string>
#include <utility>

#include "core/status.h"
#include "scan/listing_parsers.h"
#include "scan/mirror_listers.h"

namespace waymark {

class ListingWalk {
 public:
  // Starts at the base ("", depth 0). `limits` and `stats` must outlive the
  // walk.
  ListingWalk(const ListLimits& limits, ListStats* stats);

  // The next directory to list, relative to the base ("" for the base
  // itself), and its depth; false when none is left. A directory queued
  // twice is handed out once.
  bool Next(std::string* dir, int* depth);

  // Admits `e`, one entry of the listing of `dir` (at `depth`), whose path
  // is a single name: on success the path is relative to the base and, for
  // a directory, queued. `*admitted` is false when the entry is refused and
  // counted in `stats` as rejected: a name with '/', a path that fails
  // CheckListingPath(), a directory deeper than max_depth. Counts the entry
  // (ListStats::Count) once its path is good; an error when that passes
  // max_entries, which ends the listing.
  Status Admit(const std::string& dir, int depth, ListingEntry* e,
               bool* admitted);

  // Memory the walk holds: the paths of directories to list and listed,
  // with their containers' cost per entry. Admit fails once it passes
  // limits.max_listing_bytes; CheckMemory also counts an answer of
  // `answer_bytes` the caller holds.
  size_t bytes() const { return bytes_; }
  Status CheckMemory(size_t answer_bytes) const;

 private:
  const ListLimits& limits_;
  ListStats* stats_;
  std::deque<std::pair<std::string, int>> todo_;
  std::set<std::string> visited_;
  size_t bytes_ = 0;
};

}  // namespace waymark

#endif  // WAYMARK_SCAN_LISTING_WALK_H_
