#include "redirector/download_counts.h"

#include <cerrno>
#include <functional>
#include <new>

namespace waymark {

size_t DownloadCounts::KeyHash::operator()(const DownloadKey& k) const {
  size_t h = std::hash<std::string>()(k.path);
  h ^= std::hash<std::string>()(k.day) + 0x9e3779b97f4a7c15ULL + (h << 6) +
       (h >> 2);
  h ^= static_cast<size_t>(k.mirror_id) * 0x9e3779b97f4a7c15ULL;
  for (char c : k.country) h = h * 31 + static_cast<unsigned char>(c);
  return h;
}

bool DownloadCounts::KeyEqual::operator()(const DownloadKey& a,
                                          const DownloadKey& b) const {
  return a.mirror_id == b.mirror_id && a.country == b.country &&
         a.path == b.path && a.day == b.day;
}

namespace {

constexpr size_t kMallocHeader = sizeof(void*);
constexpr size_t kMallocAlign = 16;

size_t MallocBlock(size_t n) {
  return (n + kMallocHeader + kMallocAlign - 1) / kMallocAlign * kMallocAlign;
}

// What a string holds on the heap: nothing while it fits its own buffer
// (libstdc++: 15 characters).
size_t HeapBytes(const std::string& s) {
  static const size_t kInline = std::string().capacity();
  return s.capacity() > kInline ? MallocBlock(s.capacity() + 1) : 0;
}

// A node of the map: the value, the next pointer and the cached hash.
constexpr size_t kNodeBytes =
    sizeof(DownloadCounts::Map::value_type) + 2 * sizeof(void*);

}  // namespace

size_t DownloadCounts::EntryBytes(const DownloadKey& key) {
  return MallocBlock(kNodeBytes) + sizeof(void*) + sizeof(DownloadCount) +
         HeapBytes(key.day) + HeapBytes(key.path) + HeapBytes(key.country);
}

bool DownloadCounts::Add(DownloadKey key) {
  auto it = counts_.find(key);
  if (it != counts_.end()) {
    ++it->second;
    ++total_;
    return true;
  }
  size_t cost = EntryBytes(key);
  if (bytes_ + cost > max_bytes_) {
    ++dropped_;
    ++dropped_total_;
    return false;
  }
  counts_.emplace(std::move(key), 1);
  bytes_ += cost;
  ++total_;
  return true;
}

long long DownloadCounts::SwapOut(Map* spare, size_t* bytes) {
  spare->clear();
  counts_.swap(*spare);
  long long n = total_;
  if (bytes) *bytes = bytes_;
  total_ = 0;
  bytes_ = 0;
  return n;
}

std::vector<DownloadCount> DownloadCounts::TakeRows(Map* counts) {
  std::vector<DownloadCount> out;
  out.reserve(counts->size());
  while (!counts->empty()) {
    auto node = counts->extract(counts->begin());
    out.push_back({std::move(node.key()), node.mapped()});
  }
  return out;
}

long long DownloadCounts::TakeDropped() {
  long long n = dropped_;
  dropped_ = 0;
  return n;
}

namespace {

// FNV-1a; 0 is kept for "empty".
uint64_t KeyOf(const std::string& client, const std::string& path) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  for (unsigned char c : client) mix(c);
  mix(0);
  for (unsigned char c : path) mix(c);
  return h ? h : 1;
}

constexpr size_t kProbe = 8;

}  // namespace

size_t RecentDownloads::BytesFor(size_t slots) {
  size_t header =
      (sizeof(Header) + alignof(Slot) - 1) / alignof(Slot) * alignof(Slot);
  return header + slots * sizeof(Slot);
}

RecentDownloads::RecentDownloads(void* memory, size_t slots, bool initialise) {
  header_ = static_cast<Header*>(memory);
  size_t header =
      (sizeof(Header) + alignof(Slot) - 1) / alignof(Slot) * alignof(Slot);
  slots_ = reinterpret_cast<Slot*>(static_cast<char*>(memory) + header);
  mask_ = slots - 1;
  if (initialise) {
    new (header_) Header;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&header_->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    for (size_t i = 0; i < slots; ++i) slots_[i] = Slot{0, 0};
  }
}

bool RecentDownloads::SeenWithin(const std::string& client,
                                 const std::string& path, time_t now,
                                 long long window) {
  uint64_t key = KeyOf(client, path);
  int rc = pthread_mutex_lock(&header_->mutex);
  // A worker died holding the lock: the table is still consistent enough
  // (each slot is written whole), take it over.
  if (rc == EOWNERDEAD) pthread_mutex_consistent(&header_->mutex);
  size_t start = key & mask_;
  size_t victim = start;
  bool seen = false, placed = false;
  for (size_t i = 0; i < kProbe; ++i) {
    Slot& s = slots_[(start + i) & mask_];
    if (s.key == key) {
      seen = now - s.at < window;
      s.at = now;
      placed = true;
      break;
    }
    if (slots_[victim].key != 0 && (s.key == 0 || s.at < slots_[victim].at))
      victim = (start + i) & mask_;
  }
  if (!placed) slots_[victim] = Slot{key, static_cast<int64_t>(now)};
  pthread_mutex_unlock(&header_->mutex);
  return seen;
}

}  // namespace waymark
