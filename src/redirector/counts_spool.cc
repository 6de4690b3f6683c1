#include "redirector/counts_spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>
#include <tuple>

#include "core/strings.h"
#include "redirector/download_counts.h"

namespace waymark {

namespace {

const char kHeader[] = "waymark download counts 1\n";
constexpr char kPrefix[] = "counts-";
constexpr char kSuffix[] = ".spool";
constexpr char kTempPrefix[] = ".tmp-";
// Bounds a hostile file cannot pass.
constexpr long long kMaxRows = 10000000;
constexpr long long kMaxDownloads = 1000000000000LL;
constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxIdParts = 64;

uint64_t Fnv1a(const char* data, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Hex64(uint64_t v) {
  static const char* d = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = d[v & 15];
  return out;
}

// Bytes that would end a field or a line, and '%' itself, as %XX.
std::string Escape(const std::string& s) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f || c == '%') {
      out += '%';
      out += d[c >> 4];
      out += d[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool ValidId(std::string_view id) {
  if (id.size() < 32) return false;
  for (size_t i = 0; i < 32; ++i)
    if (HexDigit(id[i]) < 0 || (id[i] >= 'A' && id[i] <= 'F')) return false;
  std::string_view rest = id.substr(32);
  if (rest.size() % 2 != 0 || rest.size() / 2 > kMaxIdParts) return false;
  for (size_t i = 0; i < rest.size(); i += 2)
    if (rest[i] != '.' || (rest[i + 1] != '0' && rest[i + 1] != '1'))
      return false;
  return true;
}

bool ValidDay(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  return true;
}

bool ValidCountry(std::string_view c) {
  return c == "--" || (c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' &&
                       c[1] >= 'A' && c[1] <= 'Z');
}

bool Number(std::string_view s, long long lo, long long hi, long long* out) {
  if (s.empty() || s.size() > 19) return false;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t sp = line.find(' ', start);
    out.push_back(line.substr(start, sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

std::string NewName() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string t = std::to_string(ns);
  if (t.size() < 20) t.insert(0, 20 - t.size(), '0');
  return std::string(kPrefix) + t + "-" + std::to_string(getpid()) + "-" +
         NewBatchId().substr(0, 8) + kSuffix;
}

}  // namespace

void SplitBatch(CountsBatch whole, CountsBatch* first, CountsBatch* second) {
  size_t n = whole.rows.size(), mid = n / 2;
  for (auto [part, b, e, suffix] :
       {std::tuple<CountsBatch*, size_t, size_t, const char*>{first, 0, mid,
                                                              ".0"},
        {second, mid, n, ".1"}}) {
    part->id = whole.id + suffix;
    part->rows.assign(std::make_move_iterator(whole.rows.begin() + b),
                      std::make_move_iterator(whole.rows.begin() + e));
    part->downloads = 0;
    for (const DownloadCount& c : part->rows) part->downloads += c.downloads;
    part->bytes = n == 0 ? 0 : whole.bytes * (e - b) / n;
  }
}

std::string NewBatchId() {
  unsigned char buf[16];
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = getrandom(buf + got, sizeof buf - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // No entropy source at all: time and pid still keep ids apart
      // between this node's workers.
      auto t = std::chrono::steady_clock::now().time_since_epoch().count();
      for (size_t i = got; i < sizeof buf; ++i)
        buf[i] = static_cast<unsigned char>((t >> (8 * (i % 8))) ^ getpid());
      break;
    }
    got += static_cast<size_t>(n);
  }
  return Hex(std::string(reinterpret_cast<char*>(buf), sizeof buf));
}

std::string EncodeSpool(const std::vector<const CountsBatch*>& batches) {
  std::string out = kHeader;
  for (const CountsBatch* b : batches) {
    out += "batch " + b->id + " " + std::to_string(b->rows.size()) + "\n";
    for (const DownloadCount& c : b->rows) {
      out += c.key.day + " " + std::to_string(c.key.mirror_id) + " " +
             c.key.country + " " + std::to_string(c.downloads) + " " +
             Escape(c.key.path) + "\n";
    }
  }
  out += "end " + Hex64(Fnv1a(out.data(), out.size())) + "\n";
  return out;
}

Status DecodeSpool(const std::string& text, std::vector<CountsBatch>* out) {
  out->clear();
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("not a spool file: " + why);
  };
  if (text.compare(0, sizeof kHeader - 1, kHeader) != 0)
    return bad("no 'waymark download counts 1' header");
  // The last line: "end" and the checksum of everything before it.
  if (text.size() < 22 || text.back() != '\n')
    return bad("cut short (no end line)");
  size_t end_at = text.rfind('\n', text.size() - 2) + 1;
  std::string_view end(text.data() + end_at, text.size() - 1 - end_at);
  if (end.substr(0, 4) != "end " ||
      end.substr(4) != Hex64(Fnv1a(text.data(), end_at)))
    return bad("cut short or changed (its checksum does not match)");
  std::string_view body(text.data() + sizeof kHeader - 1,
                        end_at - (sizeof kHeader - 1));
  size_t pos = 0, lineno = 1;
  auto next_line = [&](std::string_view* line) {
    if (pos >= body.size()) return false;
    size_t nl = body.find('\n', pos);
    *line = body.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    return true;
  };
  std::string_view line;
  std::vector<CountsBatch> batches;
  while (next_line(&line)) {
    auto f = Fields(line);
    long long rows = 0;
    if (f.size() != 3 || f[0] != "batch" || !ValidId(f[1]) ||
        !Number(f[2], 1, kMaxRows, &rows))
      return bad("line " + std::to_string(lineno) + ": not a batch line");
    CountsBatch b;
    b.id = std::string(f[1]);
    for (long long i = 0; i < rows; ++i) {
      if (!next_line(&line))
        return bad("batch " + b.id + " has fewer rows than it says");
      f = Fields(line);
      DownloadCount c;
      long long mirror = 0;
      std::string path;
      if (f.size() != 5 || !ValidDay(f[0]) ||
          !Number(f[1], 0, 2147483647, &mirror) || !ValidCountry(f[2]) ||
          !Number(f[3], 1, kMaxDownloads, &c.downloads) ||
          !Unescape(f[4], &path) || path.empty() || path.size() > kMaxPath)
        return bad("line " + std::to_string(lineno) + ": not a count");
      c.key = DownloadKey{std::string(f[0]), std::move(path),
                          static_cast<int>(mirror), std::string(f[2])};
      b.downloads += c.downloads;
      b.bytes += DownloadCounts::EntryBytes(c.key);
      b.rows.push_back(std::move(c));
    }
    batches.push_back(std::move(b));
  }
  if (batches.empty()) return bad("no batch");
  *out = std::move(batches);
  return Status::OK();
}

Status CountsSpool::Check(const std::string& dir) {
  auto problem = [&](const std::string& what) {
    return Status::FailedPrecondition(
        "redirector.spool_dir: " + Printable(dir) + ": " + what);
  };
  if (dir.empty() || dir[0] != '/') return problem("not an absolute path");
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return problem(std::strerror(errno));
    if (mkdir(dir.c_str(), 0700) != 0)
      return problem(std::string("missing, and cannot be made: ") +
                     std::strerror(errno));
    if (stat(dir.c_str(), &st) != 0) return problem(std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return problem("not a directory");
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return problem(std::string("this user cannot write in it: ") +
                   std::strerror(errno));
  return Status::OK();
}

long long CountsSpool::UsedBytes(int* files) const {
  long long total = 0;
  int n = 0;
  if (DIR* d = opendir(dir_.c_str())) {
    while (dirent* e = readdir(d)) {
      struct stat st;
      if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG(st.st_mode))
        continue;
      total += st.st_size;
      if (EndsWith(e->d_name, kSuffix)) ++n;
    }
    closedir(d);
  }
  if (files) *files = n;
  return total;
}

Status CountsSpool::WriteAtomically(const std::string& path,
                                    const std::string& text) {
  std::string temp = dir_ + "/" + kTempPrefix + NewName();
  auto fail = [&](const std::string& doing) {
    int e = errno;
    unlink(temp.c_str());
    return Status::IOError("cannot " + doing + " spool file " + temp + ": " +
                           std::strerror(e));
  };
  {
    UniqueFd fd(open(temp.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     0600));
    if (!fd.valid()) return fail("create");
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail("write");
      done += static_cast<size_t>(n);
    }
    if (fsync(fd.get()) != 0) return fail("sync");
  }
  if (rename(temp.c_str(), path.c_str()) != 0) return fail("rename");
  // The new name itself must survive a crash too.
  UniqueFd d(open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.valid()) fsync(d.get());
  return Status::OK();
}

Status CountsSpool::Put(const std::vector<const CountsBatch*>& batches) {
  std::string text = EncodeSpool(batches);
  long long used = UsedBytes();
  if (used + static_cast<long long>(text.size()) > max_bytes_)
    return Status::FailedPrecondition(
        "the spool " + dir_ + " is full (" + std::to_string(used) + " of " +
        std::to_string(max_bytes_) + " bytes, redirector.spool_max_bytes)");
  return WriteAtomically(dir_ + "/" + NewName(), text);
}

long long CountsSpool::File::downloads() const {
  long long n = 0;
  for (const CountsBatch& b : batches) n += b.downloads;
  return n;
}

bool CountsSpool::TakeOldest(File* out, std::vector<std::string>* problems) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir_.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(kPrefix, 0) == 0 && EndsWith(n, kSuffix)) {
        names.push_back(n);
      } else if (n.rfind(kTempPrefix, 0) == 0) {
        // Left by a worker that died while writing it: never renamed,
        // never counted. Old ones go.
        struct stat st;
        if (fstatat(dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            time(nullptr) - st.st_mtime > 600)
          unlinkat(dirfd(d), n.c_str(), 0);
      }
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());  // the names start with the time
  for (const std::string& n : names) {
    std::string path = dir_ + "/" + n;
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) {
      if (errno == ENOENT) continue;  // delivered meanwhile
    }
    std::string why;
    struct stat st;
    if (!fd.valid()) {
      why = std::strerror(errno);
    } else if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      continue;  // another worker delivers it
    } else if (fstat(fd.get(), &st) != 0) {
      why = std::strerror(errno);
    } else if (st.st_nlink == 0) {
      continue;  // delivered and deleted while we waited for it
    } else if (!S_ISREG(st.st_mode)) {
      why = "not a regular file";
    } else if (st.st_size > max_bytes_) {
      why = "larger than redirector.spool_max_bytes";
    }
    std::string text;
    if (why.empty()) {
      text.resize(static_cast<size_t>(st.st_size));
      size_t done = 0;
      while (done < text.size()) {
        ssize_t r = read(fd.get(), &text[done], text.size() - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        done += static_cast<size_t>(r);
      }
      if (done != text.size()) why = "cannot read it";
    }
    std::vector<CountsBatch> batches;
    if (why.empty()) {
      Status s = DecodeSpool(text, &batches);
      if (!s.ok()) why = s.message();
    }
    if (!why.empty()) {
      std::string aside = path + ".bad";
      if (rename(path.c_str(), aside.c_str()) == 0) {
        problems->push_back("spool file " + Printable(path) + " set aside as " +
                            Printable(aside) + ": " + why);
      } else {
        problems->push_back("spool file " + Printable(path) +
                            " cannot be read (" + why +
                            ") nor set aside: " + std::strerror(errno));
      }
      continue;
    }
    out->fd = std::move(fd);
    out->path = path;
    out->batches = std::move(batches);
    return true;
  }
  return false;
}

Status CountsSpool::Rewrite(File* f) {
  std::vector<const CountsBatch*> all;
  for (const CountsBatch& b : f->batches) all.push_back(&b);
  if (all.empty()) {
    Delete(f);
    return Status::OK();
  }
  return WriteAtomically(f->path, EncodeSpool(all));
}

void CountsSpool::Delete(File* f) {
  unlink(f->path.c_str());
  f->fd.reset();
  f->batches.clear();
}

}  // namespace waymark
