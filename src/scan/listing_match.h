// Matching a mirror's listing against the inventory: which files the mirror
// holds (bits of its bitmap) and why it does not hold the ones it lists
// wrongly. Pure code: the inventory comes in as a snapshot, the listing
// entry by entry, so a listing of millions of entries is never held whole.
//
// A mirror holds a file when the path matches, the size equals the
// inventory's, and its copy is not older than the inventory's mtime by more
// than the tolerance (scan.mtime_tolerance, plus the listing's own time
// precision, plus the allowed lag of the longest matching prefix of
// scan.allowed_lag).
#ifndef WAYMARK_SCAN_LISTING_MATCH_H_
#define WAYMARK_SCAN_LISTING_MATCH_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"
#include "scan/listing_parsers.h"

namespace waymark {

struct MatchPolicy {
  long long mtime_tolerance = 300;  // seconds
  // (prefix, seconds), e.g. ("dists/", 21600).
  std::vector<std::pair<std::string, long long>> allowed_lag;

  // Extra age allowed for `path` (longest matching prefix), 0 if none.
  long long LagFor(std::string_view path) const;
};

// Parses scan.allowed_lag values "PREFIX=DURATION".
Status ParseAllowedLag(const std::vector<std::string>& values,
                       MatchPolicy* policy);

// Every file of the inventory: path -> id, size, mtime. Paths live in one
// arena (about 60 bytes per file besides the path itself).
class InventorySnapshot {
 public:
  void Add(int id, std::string_view path, long long size, long long mtime);
  // Call after the last Add; the snapshot is then read-only (and may be
  // shared by threads).
  void Finish();
  // Index of the file at `path`, or -1.
  long Find(std::string_view path) const;
  size_t size() const { return ids_.size(); }
  int id(long i) const { return ids_[i]; }
  long long file_size(long i) const { return sizes_[i]; }
  long long mtime(long i) const { return mtimes_[i]; }
  int max_id() const { return max_id_; }

  long long files_gen = 0;  // inventory_state.files_gen when read
  long long max_gen = 0;    // highest files.gen when read

 private:
  std::string arena_;
  std::vector<std::pair<size_t, size_t>> spans_;
  std::vector<int> ids_;
  std::vector<long long> sizes_, mtimes_;
  std::unordered_map<std::string_view, long> by_path_;
  int max_id_ = -1;
};

struct FileProblem {
  int file_id = 0;
  const char* problem = "";  // "wrong_size" or "too_old"
  long long mirror_size = -1;
  long long mirror_mtime = -1;  // -1 unknown
};

class ListingMatcher {
 public:
  ListingMatcher(const InventorySnapshot* inventory, const MatchPolicy* policy)
      : inv_(inventory), policy_(policy) {}

  // One entry of the listing, its path relative to the mirror's base.
  // Directories and entries of other kinds are counted and ignored.
  void Add(const ListingEntry& entry);
  // True when an entry with an approximate size ("4.2M") names a file of
  // the inventory whose size it could be: its exact size is worth a
  // request.
  bool WantsExactSize(const ListingEntry& entry) const;

  // Results.
  const std::vector<std::string>& chunks() const { return chunks_; }
  std::vector<FileProblem> problems() const;
  long long entries() const { return entries_; }
  long long files_matched() const { return matched_; }
  long long bytes_matched() const { return bytes_; }

 private:
  const InventorySnapshot* inv_;
  const MatchPolicy* policy_;
  std::vector<std::string> chunks_;
  std::unordered_map<int, FileProblem> problems_;
  std::vector<bool> seen_;
  long long entries_ = 0, matched_ = 0, bytes_ = 0;
};

}  // namespace waymark

#endif  // WAYMARK_SCAN_LISTING_MATCH_H_
