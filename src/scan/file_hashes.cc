#include "scan/file_hashes.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/fd.h"
#include "core/strings.h"

namespace waymark {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

MdCtx NewCtx(const EVP_MD* md) {
  MdCtx c(EVP_MD_CTX_new());
  if (c && EVP_DigestInit_ex(c.get(), md, nullptr) != 1) c.reset();
  return c;
}

std::string Final(EVP_MD_CTX* c) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(c, buf, &n);
  return std::string(reinterpret_cast<char*>(buf), n);
}

long long MtimeUs(const struct stat& st) {
  return static_cast<long long>(st.st_mtim.tv_sec) * 1000000 +
         st.st_mtim.tv_nsec / 1000;
}

}  // namespace

Status ParseHashList(const std::string& value, HashOptions* options) {
  HashOptions o;
  o.piece_size = options->piece_size;
  bool pieces = false;
  std::string v = value;
  for (char& c : v)
    if (c == ',') c = ' ';
  for (const auto& w : SplitWhitespace(v)) {
    if (w == "sha1")
      o.sha1 = true;
    else if (w == "md5")
      o.md5 = true;
    else if (w == "pieces")
      pieces = true;
    else if (w == "sha256")
      continue;
    else
      return Status::InvalidArgument(
          "repository.hashes: unknown hash '" + Printable(w) +
          "' (expected sha256, sha1, md5 or pieces)");
  }
  if (!pieces) o.piece_size = 0;
  *options = o;
  return Status::OK();
}

namespace {

// Opens `path` for hashing. O_NOATIME keeps a scan from dirtying every
// inode (it needs to own the file, so it is dropped when refused).
// `dirfd` and `flags` as for openat.
int OpenForHashing(int dirfd, const char* path, int flags) {
  int fd = openat(dirfd, path, flags | O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM)
    fd = openat(dirfd, path, flags | O_RDONLY | O_CLOEXEC);
  return fd;
}

// One read of the open regular file `fd` (named `path` in messages) feeds
// every digest asked for; the piece digest restarts at each piece boundary.
Status HashOpenFile(int fd, const std::string& path, const struct stat& before,
                    const HashOptions& options, FileHashes* out);

}  // namespace

Status HashFile(const std::string& path, const HashOptions& options,
                FileHashes* out) {
  int fd = OpenForHashing(AT_FDCWD, path.c_str(), 0);
  if (fd < 0)
    return Status::IOError("cannot open '" + Printable(path) +
                           "': " + strerror(errno));
  UniqueFd file(fd);
  struct stat before;
  if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode))
    return Status::IOError("'" + Printable(path) + "' is not a regular file");
  return HashOpenFile(fd, path, before, options, out);
}

Status HashRepositoryFile(const std::string& root, const std::string& rel,
                          const FileIdentity& expect,
                          const HashOptions& options, FileHashes* out) {
  std::string shown = "'" + Printable(rel) + "'";
  auto failed = [&](const std::string& what) {
    return Status::IOError("cannot open " + shown + ": " + what);
  };
  // Down the path one directory at a time, none of them a link: the
  // root itself may be reached through links, nothing below it.
  int dir = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return failed(std::string("repository: ") + strerror(errno));
  UniqueFd dir_fd(dir);
  std::vector<std::string> parts = Split(rel, '/');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = openat(dir_fd.get(), parts[i].c_str(),
                      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0)
      return failed(errno == ENOTDIR || errno == ELOOP
                        ? "'" + Printable(parts[i]) +
                              "' is no longer a directory (a link now?)"
                        : std::string(strerror(errno)));
    dir_fd = UniqueFd(next);
  }
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
  int fd = OpenForHashing(dir_fd.get(), parts.back().c_str(),
                          O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return failed(errno == ELOOP ? "a symbolic link now, not followed"
                                 : strerror(errno));
  UniqueFd file(fd);
  struct stat before;
  if (fstat(fd, &before) != 0) return failed(strerror(errno));
  if (!S_ISREG(before.st_mode))
    return failed("not a regular file now (a FIFO or device?)");
  if (static_cast<long long>(before.st_dev) != expect.device ||
      static_cast<long long>(before.st_ino) != expect.inode)
    return failed("another file than the walk found (replaced meanwhile)");
  // Back to blocking reads: O_NONBLOCK was for the open only.
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return HashOpenFile(fd, rel, before, options, out);
}

namespace {

Status HashOpenFile(int fd, const std::string& path, const struct stat& before,
                    const HashOptions& options, FileHashes* out) {
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  MdCtx sha256 = NewCtx(EVP_sha256());
  MdCtx sha1 = options.sha1 ? NewCtx(EVP_sha1()) : nullptr;
  MdCtx md5 = options.md5 ? NewCtx(EVP_md5()) : nullptr;
  MdCtx piece = options.piece_size > 0 ? NewCtx(EVP_sha1()) : nullptr;
  if (!sha256 || (options.sha1 && !sha1) || (options.md5 && !md5) ||
      (options.piece_size > 0 && !piece))
    return Status::IOError("OpenSSL cannot set up the digests");
  FileHashes h;
  long long in_piece = 0, total = 0;
  std::vector<unsigned char> buf(1 << 20);
  while (true) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot read '" + Printable(path) +
                             "': " + strerror(errno));
    }
    if (n == 0) break;
    total += n;
    EVP_DigestUpdate(sha256.get(), buf.data(), n);
    if (sha1) EVP_DigestUpdate(sha1.get(), buf.data(), n);
    if (md5) EVP_DigestUpdate(md5.get(), buf.data(), n);
    if (piece) {
      const unsigned char* p = buf.data();
      long long left = n;
      while (left > 0) {
        long long take = std::min(left, options.piece_size - in_piece);
        EVP_DigestUpdate(piece.get(), p, take);
        p += take;
        left -= take;
        in_piece += take;
        if (in_piece == options.piece_size) {
          h.piece_sha1 += Final(piece.get());
          EVP_DigestInit_ex(piece.get(), EVP_sha1(), nullptr);
          in_piece = 0;
        }
      }
    }
  }
  if (piece && in_piece > 0) h.piece_sha1 += Final(piece.get());
  struct stat after;
  if (fstat(fd, &after) != 0 || after.st_size != before.st_size ||
      MtimeUs(after) != MtimeUs(before) || total != before.st_size)
    return Status::IOError("'" + Printable(path) +
                           "' changed while being hashed");
  h.sha256 = Final(sha256.get());
  if (sha1) h.sha1 = Final(sha1.get());
  if (md5) h.md5 = Final(md5.get());
  h.size = before.st_size;
  h.mtime_us = MtimeUs(before);
  h.inode = static_cast<long long>(before.st_ino);
  *out = std::move(h);
  return Status::OK();
}

}  // namespace

}  // namespace waymark
