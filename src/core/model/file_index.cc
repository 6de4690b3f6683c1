#include "core/model/file_index.h"

#include <cstring>
#include <type_traits>
#include <unordered_map>

namespace waymark {

namespace {

// FNV-1a, 64 bits: fast, and good enough for an open-addressing table of
// paths (a collision costs one more probe and a string compare).
uint64_t HashPath(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

void FileIndex::AddFile(int id, std::string_view path, long long size,
                        std::string_view sha256) {
  Entry e{};
  e.id = id;
  e.size = size;
  e.target = -1;
  e.path_offset = arena_.size();
  e.path_length = static_cast<uint32_t>(path.size());
  arena_.append(path);
  e.sha256 = Sha256Digest::FromBytes(sha256);
  entries_.push_back(e);
  ++files_;
}

void FileIndex::AddAlias(std::string_view alias, int target_id) {
  pending_aliases_.emplace_back(target_id, std::string(alias));
}

void FileIndex::Finish() {
  if (!pending_aliases_.empty()) {
    std::unordered_map<int, int32_t> by_id;
    by_id.reserve(files_);
    for (size_t i = 0; i < files_; ++i)
      by_id[entries_[i].id] = static_cast<int32_t>(i);
    for (const auto& [target_id, alias] : pending_aliases_) {
      auto it = by_id.find(target_id);
      if (it == by_id.end()) continue;
      Entry e = entries_[it->second];
      e.target = it->second;
      e.path_offset = arena_.size();
      e.path_length = static_cast<uint32_t>(alias.size());
      arena_.append(alias);
      entries_.push_back(e);
    }
    pending_aliases_.clear();
    pending_aliases_.shrink_to_fit();
  }
  size_t n = 16;
  while (n < entries_.size() * 2) n <<= 1;  // load factor at most 1/2
  slots_.assign(n, 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    size_t s = HashPath(PathOf(entries_[i])) & (n - 1);
    while (slots_[s] != 0) s = (s + 1) & (n - 1);
    slots_[s] = static_cast<uint32_t>(i + 1);
  }
  entries_.shrink_to_fit();
  arena_.shrink_to_fit();
}

bool FileIndex::Find(std::string_view path, FileRecord* out) const {
  if (slots_.empty()) return false;
  size_t mask = slots_.size() - 1;
  for (size_t s = HashPath(path) & mask; slots_[s] != 0; s = (s + 1) & mask) {
    const Entry& e = entries_[slots_[s] - 1];
    if (PathOf(e) != path) continue;
    const Entry& file = e.target >= 0 ? entries_[e.target] : e;
    out->id = file.id;
    out->path.assign(PathOf(file));  // reuses the record's buffer
    out->size = file.size;
    out->mtime.clear();
    out->sha256 = file.sha256;
    return true;
  }
  return false;
}

namespace {

// "WMFIDX01", then five counts (gen, files, arena bytes, entries, slots),
// then the arena, the entries and the slots as they lie in memory: the
// reader is the same binary on the same host.
constexpr char kMagic[8] = {'W', 'M', 'F', 'I', 'D', 'X', '0', '1'};
constexpr size_t kHeaderBytes = sizeof kMagic + 5 * sizeof(uint64_t);

template <typename T>
void AppendRaw(const T* data, size_t n, std::string* out) {
  static_assert(std::is_trivially_copyable<T>::value, "copied as bytes");
  out->append(reinterpret_cast<const char*>(data), n * sizeof(T));
}

}  // namespace

std::string FileIndex::Serialize() const {
  std::string out;
  out.reserve(kHeaderBytes + arena_.size() + entries_.size() * sizeof(Entry) +
              slots_.size() * sizeof(uint32_t));
  out.append(kMagic, sizeof kMagic);
  const uint64_t counts[5] = {static_cast<uint64_t>(gen), files_, arena_.size(),
                              entries_.size(), slots_.size()};
  AppendRaw(counts, 5, &out);
  out.append(arena_);
  AppendRaw(entries_.data(), entries_.size(), &out);
  AppendRaw(slots_.data(), slots_.size(), &out);
  return out;
}

Status FileIndex::Deserialize(std::string_view bytes, FileIndex* out) {
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("not a serialized file index: " + why);
  };
  if (bytes.size() < kHeaderBytes ||
      std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return bad("no header");
  uint64_t counts[5];
  std::memcpy(counts, bytes.data() + sizeof kMagic, sizeof counts);
  const uint64_t files = counts[1], arena = counts[2], entries = counts[3],
                 slots = counts[4];
  const uint64_t limit =
      bytes.size();  // every count is bounded by the bytes there are
  if (files > entries || arena > limit || entries > limit / sizeof(Entry) ||
      slots > limit / sizeof(uint32_t) ||
      kHeaderBytes + arena + entries * sizeof(Entry) +
              slots * sizeof(uint32_t) !=
          bytes.size())
    return bad("wrong length");
  // Finish() leaves a power of two, at least twice the entries: Find()'s
  // probing then always meets an empty slot.
  if (slots != 0 && ((slots & (slots - 1)) != 0 || slots < 2 * entries))
    return bad("the table's size");
  FileIndex index;
  index.gen = static_cast<long long>(counts[0]);
  index.files_ = files;
  const char* p = bytes.data() + kHeaderBytes;
  index.arena_.assign(p, arena);
  p += arena;
  index.entries_.resize(entries);
  std::memcpy(index.entries_.data(), p, entries * sizeof(Entry));
  p += entries * sizeof(Entry);
  index.slots_.resize(slots);
  std::memcpy(index.slots_.data(), p, slots * sizeof(uint32_t));
  // Find() trusts offsets and slots: check them once here.
  for (const Entry& e : index.entries_) {
    if (e.path_offset > arena || e.path_length > arena - e.path_offset ||
        e.target >= static_cast<int64_t>(files))
      return bad("an entry out of range");
  }
  for (uint32_t s : index.slots_)
    if (s > entries) return bad("a slot out of range");
  *out = std::move(index);
  return Status::OK();
}

size_t FileIndex::bytes() const {
  return arena_.capacity() + entries_.capacity() * sizeof(Entry) +
         slots_.capacity() * sizeof(uint32_t);
}

}  // namespace waymark
