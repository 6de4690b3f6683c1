#include "redirector/inventory_cache.h"

#include <utility>

namespace waymark {

namespace {

constexpr size_t kMaxCachedDetails = 10000;

}  // namespace

InventoryCache::InventoryCache(InventoryCacheOptions options,
                               InventorySource* source)
    : options_(std::move(options)), source_(source) {}

void InventoryCache::Refresh(time_t now) {
  if (have_mirrors_ && now - mirrors_loaded_ < options_.refresh_seconds) return;
  mirrors_loaded_ = now;  // on failure, try again after the same interval
  std::vector<MirrorStatus> fresh;
  InventoryGens gens;
  database_away_ = !source_->LoadMirrors(&fresh, &gens).ok();
  if (database_away_) {
    if (options_.metrics) options_.metrics->database_errors++;
    return;  // keep the last snapshot
  }
  // Bitmaps of mirrors that were rescanned; forget removed mirrors.
  for (const auto& [id, gen] : gens.mirrors) {
    auto known = bitmap_gens_.find(id);
    if (known != bitmap_gens_.end() && known->second == gen) continue;
    std::vector<std::string> chunks;
    if (!source_->LoadBitmaps(id, &chunks).ok())
      return;  // all or nothing: retry next round
    bitmaps_.Set(id, std::move(chunks));
    bitmap_gens_[id] = gen;
  }
  for (auto it = bitmap_gens_.begin(); it != bitmap_gens_.end();) {
    if (gens.mirrors.count(it->first)) {
      ++it;
    } else {
      bitmaps_.Erase(it->first);
      it = bitmap_gens_.erase(it);
    }
  }
  if (!have_mirrors_ || gens.files != gens_.files) {
    files_.clear();
    lru_.clear();
    details_.clear();
  }
  gens_ = std::move(gens);
  mirrors_ = std::move(fresh);
  rows_ = SelectionRows(mirrors_);
  have_mirrors_ = true;
}

const FileRecord* InventoryCache::Lookup(const std::string& path, time_t now,
                                         bool* database_down) {
  *database_down = false;
  if (options_.index && have_mirrors_ && gens_.files == options_.index->gen) {
    bool found = options_.index->Find(path, &index_hit_);
    if (options_.metrics) options_.metrics->cache_hits++;
    // A file the index does not know may have been added since the database
    // went away: the fallback, not a 404, while it is away.
    *database_down = !found && database_away_;
    return found ? &index_hit_ : nullptr;
  }
  auto it = files_.find(path);
  if (it != files_.end() && now - it->second.loaded < options_.file_max_age) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    if (options_.metrics) options_.metrics->cache_hits++;
    return it->second.found ? &it->second.record : nullptr;
  }
  CachedFile fresh;
  if (options_.metrics) options_.metrics->cache_misses++;
  Status s = source_->LoadFile(path, &fresh.record);
  if (!s.ok() && !s.IsNotFound()) {
    if (options_.metrics) options_.metrics->database_errors++;
    // The database is away: answer from what is cached, however old, or
    // from the index, however stale.
    *database_down = true;
    if (it != files_.end() && it->second.found) return &it->second.record;
    if (options_.index && options_.index->Find(path, &index_hit_))
      return &index_hit_;
    return nullptr;
  }
  fresh.found = s.ok();
  fresh.loaded = now;
  if (it != files_.end()) {
    fresh.lru = it->second.lru;
    lru_.splice(lru_.begin(), lru_, fresh.lru);
    it->second = std::move(fresh);
  } else {
    if (files_.size() >= options_.file_cache_entries && !lru_.empty()) {
      files_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(path);
    fresh.lru = lru_.begin();
    it = files_.emplace(path, std::move(fresh)).first;
  }
  return it->second.found ? &it->second.record : nullptr;
}

bool InventoryCache::Details(int file_id, time_t now, FileDetails* out) {
  auto it = details_.find(file_id);
  if (it != details_.end() && now - it->second.loaded < options_.file_max_age) {
    *out = it->second.details;
    return true;
  }
  FileDetails fresh;
  Status s = source_->LoadFileDetails(file_id, &fresh);
  if (!s.ok()) {
    if (it == details_.end()) return false;
    *out = it->second.details;  // the database is away: what we had
    return true;
  }
  if (details_.size() >= kMaxCachedDetails) details_.clear();
  details_[file_id] = {fresh, now};
  *out = std::move(fresh);
  return true;
}

}  // namespace waymark
