#include "scan/listing_walk.h"

namespace waymark {

namespace {

// What a path costs beyond its characters: a std::string and its heap
// block in the queue, and a tree node in the visited set (libstdc++,
// 64-bit; estimates, as the limit is).
constexpr size_t kQueuedCost = 64;
constexpr size_t kVisitedCost = 96;

}  // namespace

ListingWalk::ListingWalk(const ListLimits& limits, ListStats* stats)
    : limits_(limits), stats_(stats), todo_{{"", 0}}, bytes_(kQueuedCost) {}

bool ListingWalk::Next(std::string* dir, int* depth) {
  while (!todo_.empty()) {
    auto next = std::move(todo_.front());
    todo_.pop_front();
    bytes_ -= next.first.size() + kQueuedCost;
    if (!visited_.insert(next.first).second) continue;
    bytes_ += next.first.size() + kVisitedCost;
    *dir = std::move(next.first);
    *depth = next.second;
    return true;
  }
  return false;
}

// Every name comes from a mirror's answer: it must be a single name (HTML
// index pages give only those; an FTP LIST line may not), and the joined
// path passes CheckListingPath(), so the walk cannot leave the base path.
// The count comes before the depth check: a directory too deep still
// counts against max_entries.
Status ListingWalk::Admit(const std::string& dir, int depth, ListingEntry* e,
                          bool* admitted) {
  *admitted = false;
  if (e->path.find('/') != std::string::npos) {
    stats_->Reject("name with '/'");
    return Status::OK();
  }
  e->path = dir.empty() ? e->path : dir + "/" + e->path;
  std::string why = CheckListingPath(e->path);
  if (!why.empty()) {
    stats_->Reject(why);
    return Status::OK();
  }
  Status s = stats_->Count(limits_);
  if (!s.ok()) return s;
  if (e->type == EntryType::kDirectory) {
    if (depth + 1 > limits_.max_depth) {
      stats_->Reject("directory deeper than scan.max_depth");
      return Status::OK();
    }
    todo_.emplace_back(e->path, depth + 1);
    bytes_ += e->path.size() + kQueuedCost;
    Status m = CheckMemory(0);
    if (!m.ok()) return m;
  }
  *admitted = true;
  return Status::OK();
}

Status ListingWalk::CheckMemory(size_t answer_bytes) const {
  if (static_cast<long long>(bytes_ + answer_bytes) <=
      limits_.max_listing_bytes)
    return Status::OK();
  return Status::IOError("listing needs more than scan.max_listing_bytes (" +
                         std::to_string(limits_.max_listing_bytes >> 20) +
                         " MiB): " + std::to_string(todo_.size()) +
                         " directories to list, " +
                         std::to_string(visited_.size()) + " listed");
}

}  // namespace waymark
