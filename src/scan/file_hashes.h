// Hashing repository files with OpenSSL: SHA-256 always, SHA-1, MD5 and
// SHA-1 piece hashes (Metalink <pieces>) when asked, all in one read.
#ifndef WAYMARK_SCAN_FILE_HASHES_H_
#define WAYMARK_SCAN_FILE_HASHES_H_

#include <string>

#include "core/status.h"

namespace waymark {

struct HashOptions {
  bool sha1 = false;
  bool md5 = false;
  long long piece_size = 0;  // > 0: SHA-1 of each piece
};

// Raw digests; empty when not asked for.
struct FileHashes {
  std::string sha256, sha1, md5;
  std::string piece_sha1;  // 20 bytes per piece, concatenated
  // What the file looked like while it was read (fstat before and after):
  // a file that changed under us is an error, not a wrong hash.
  long long size = 0;
  long long mtime_us = 0;
  long long inode = 0;
};

// Hashes the regular file at `path`. kIOError when it cannot be read or
// changed while it was read ("changed while being hashed").
Status HashFile(const std::string& path, const HashOptions& options,
                FileHashes* out);

// Which file the repository walk saw at a path.
struct FileIdentity {
  long long device = 0;
  long long inode = 0;
};

// Hashes `rel` below `root` only if it is still the regular file `expect`
// that the walk saw there. No symbolic link is followed, in the path's
// directories or at its end, and nothing blocks on a FIFO or device: a
// file swapped between the walk and its hashing for a link out of the
// tree or a FIFO is refused with a one-line reason, never read.
Status HashRepositoryFile(const std::string& root, const std::string& rel,
                          const FileIdentity& expect,
                          const HashOptions& options, FileHashes* out);

// Parses repository.hashes: a comma or space separated list of sha1, md5,
// pieces (sha256 is always computed and may be named).
Status ParseHashList(const std::string& value, HashOptions* options);

}  // namespace waymark

#endif  // WAYMARK_SCAN_FILE_HASHES_H_
