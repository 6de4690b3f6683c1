#include "scan/listing_match.h"

#include "core/config.h"
#include "core/model/file_bitmaps.h"
#include "core/strings.h"

namespace waymark {

long long MatchPolicy::LagFor(std::string_view path) const {
  size_t best = 0;
  long long lag = 0;
  for (const auto& [prefix, seconds] : allowed_lag) {
    if (StartsWith(path, prefix) && prefix.size() >= best) {
      best = prefix.size();
      lag = seconds;
    }
  }
  return lag;
}

Status ParseAllowedLag(const std::vector<std::string>& values,
                       MatchPolicy* policy) {
  std::vector<std::pair<std::string, long long>> out;
  const OptionSpec* duration = FindOption("scan.timeout");
  for (const auto& v : values) {
    size_t eq = v.rfind('=');
    std::string why;
    if (eq == std::string::npos || eq == 0)
      return Status::InvalidArgument(
          "scan.allowed_lag: '" + Printable(v) +
          "' is not PREFIX=DURATION (e.g. dists/=6h)");
    std::string prefix(Trim(v.substr(0, eq)));
    std::string d(Trim(v.substr(eq + 1)));
    if (!ValidateOptionValue(*duration, d, &why))
      return Status::InvalidArgument("scan.allowed_lag: '" + Printable(v) +
                                     "': " + why);
    while (!prefix.empty() && prefix[0] == '/') prefix.erase(0, 1);
    out.emplace_back(prefix, ParseDurationSeconds(d));
  }
  policy->allowed_lag = std::move(out);
  return Status::OK();
}

void InventorySnapshot::Add(int id, std::string_view path, long long size,
                            long long mtime) {
  spans_.emplace_back(arena_.size(), path.size());
  arena_.append(path);
  ids_.push_back(id);
  sizes_.push_back(size);
  mtimes_.push_back(mtime);
  if (id > max_id_) max_id_ = id;
}

void InventorySnapshot::Finish() {
  by_path_.clear();
  by_path_.reserve(spans_.size());
  for (size_t i = 0; i < spans_.size(); ++i)
    by_path_.emplace(
        std::string_view(arena_).substr(spans_[i].first, spans_[i].second),
        static_cast<long>(i));
}

long InventorySnapshot::Find(std::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? -1 : it->second;
}

bool ListingMatcher::WantsExactSize(const ListingEntry& e) const {
  if (e.type != EntryType::kFile || e.size_exact) return false;
  long i = inv_->Find(e.path);
  if (i < 0) return false;
  // "4.2M" is within 10% (and a unit of rounding) of the real size.
  long long real = inv_->file_size(i);
  long long slack = e.size / 10 + 1024;
  return real >= e.size - slack && real <= e.size + slack;
}

void ListingMatcher::Add(const ListingEntry& e) {
  ++entries_;
  if (e.type != EntryType::kFile || !e.size_exact) return;
  long i = inv_->Find(e.path);
  if (i < 0) return;
  int id = inv_->id(i);
  if (seen_.size() <= static_cast<size_t>(id)) seen_.resize(inv_->max_id() + 1);
  if (seen_[id]) return;  // listed twice: the first entry counts
  seen_[id] = true;
  if (e.size != inv_->file_size(i)) {
    problems_[id] = {id, "wrong_size", e.size, e.mtime};
    return;
  }
  if (e.mtime >= 0) {
    long long allowed =
        policy_->mtime_tolerance + e.mtime_slack + policy_->LagFor(e.path);
    if (e.mtime + allowed < inv_->mtime(i)) {
      problems_[id] = {id, "too_old", e.size, e.mtime};
      return;
    }
  }
  SetFileBit(&chunks_, id);
  ++matched_;
  bytes_ += e.size;
}

std::vector<FileProblem> ListingMatcher::problems() const {
  std::vector<FileProblem> out;
  out.reserve(problems_.size());
  for (const auto& [id, p] : problems_) out.push_back(p);
  return out;
}

}  // namespace waymark
