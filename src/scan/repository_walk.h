// Walking the origin repository: every regular file with its size, mtime
// and inode, every symbolic link with what it points to, under the
// repository.exclude globs. Reads the filesystem only; the database side
// is repository_scan.
#ifndef WAYMARK_SCAN_REPOSITORY_WALK_H_
#define WAYMARK_SCAN_REPOSITORY_WALK_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

struct WalkedFile {
  std::string path;  // relative to the root, '/'-separated
  long long size = 0;
  long long mtime_us = 0;  // microseconds since the epoch
  long long inode = 0;
  long long device = 0;  // with inode: which file the walk saw
};

// A symbolic link whose target (followed to the end) stays inside the tree.
struct WalkedLink {
  std::string path;    // the link, relative
  std::string target;  // the real file or directory it resolves to, relative
  bool directory = false;
};

struct RepositoryTree {
  std::vector<WalkedFile> files;  // sorted by path
  std::vector<WalkedLink> links;
  // Directories that could not be read: what the inventory holds under
  // them must be kept, not removed.
  std::vector<std::string> unreadable_dirs;
  // One line each: links leaving the tree, dangling links, names that
  // cannot be served (control bytes), unreadable directories.
  std::vector<std::string> warnings;
};

// True when `path` (relative) or its last segment matches one of the globs
// (fnmatch(3) without FNM_PATHNAME: '*' also matches '/'). An excluded
// directory is not entered.
bool IsExcluded(const std::string& path,
                const std::vector<std::string>& excludes);

// Walks `root`. kIOError when the root itself cannot be read.
Status WalkRepository(const std::string& root,
                      const std::vector<std::string>& excludes,
                      RepositoryTree* out);

// Aliases from links: alias path -> the file path it serves. A link to a
// file gives one alias; a link to a directory gives one per file below it
// (link/rest). Targets that are not files of `files` (excluded, say) give
// none.
std::vector<std::pair<std::string, std::string>> ResolveAliases(
    const std::vector<WalkedFile>& files, const std::vector<WalkedLink>& links);

}  // namespace waymark

#endif  // WAYMARK_SCAN_REPOSITORY_WALK_H_
