#include "scan/repository_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "core/strings.h"
#include "scan/listing_parsers.h"

namespace waymark {

namespace {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) return "";
  return buf;
}

long long MtimeUs(const struct stat& st) {
  return static_cast<long long>(st.st_mtim.tv_sec) * 1000000 +
         st.st_mtim.tv_nsec / 1000;
}

class Walker {
 public:
  Walker(const std::string& root, const std::vector<std::string>& excludes,
         RepositoryTree* out)
      : root_(root), excludes_(excludes), out_(out) {}

  void Walk(const std::string& rel, int depth) {
    std::string dir = rel.empty() ? root_ : root_ + "/" + rel;
    if (depth > 256) {
      Warn("'" + Printable(rel) + "': deeper than 256 levels, not entered");
      out_->unreadable_dirs.push_back(rel);
      return;
    }
    DirHandle d(opendir(dir.c_str()));
    if (!d) {
      Warn("cannot read directory '" + Printable(rel) +
           "': " + strerror(errno));
      out_->unreadable_dirs.push_back(rel);
      return;
    }
    int dfd = dirfd(d.get());
    std::vector<std::string> subdirs;
    while (dirent* e = readdir(d.get())) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = rel.empty() ? name : rel + "/" + name;
      if (IsExcluded(path, excludes_)) continue;
      std::string bad = CheckListingPath(path);
      if (!bad.empty()) {
        Warn("skipped '" + Printable(path) + "': " + bad);
        continue;
      }
      struct stat st;
      if (fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;  // vanished
      if (S_ISDIR(st.st_mode)) {
        subdirs.push_back(path);
      } else if (S_ISREG(st.st_mode)) {
        out_->files.push_back({path, static_cast<long long>(st.st_size),
                               MtimeUs(st), static_cast<long long>(st.st_ino),
                               static_cast<long long>(st.st_dev)});
      } else if (S_ISLNK(st.st_mode)) {
        Link(path);
      }
    }
    d.reset();
    for (const auto& s : subdirs) Walk(s, depth + 1);
  }

  std::string real_root_;

 private:
  void Warn(std::string w) { out_->warnings.push_back(std::move(w)); }

  void Link(const std::string& path) {
    std::string real = RealPath(root_ + "/" + path);
    if (real.empty()) {
      Warn("skipped link '" + Printable(path) + "': dangling or looping");
      return;
    }
    if (real.size() <= real_root_.size() ||
        real.compare(0, real_root_.size(), real_root_) != 0 ||
        real[real_root_.size()] != '/') {
      Warn("skipped link '" + Printable(path) +
           "': it points outside the repository");
      return;
    }
    struct stat st;
    if (stat(real.c_str(), &st) != 0) return;
    std::string target = real.substr(real_root_.size() + 1);
    if (S_ISREG(st.st_mode)) {
      out_->links.push_back({path, target, false});
    } else if (S_ISDIR(st.st_mode)) {
      out_->links.push_back({path, target, true});
    }
  }

  std::string root_;
  const std::vector<std::string>& excludes_;
  RepositoryTree* out_;
};

}  // namespace

bool IsExcluded(const std::string& path,
                const std::vector<std::string>& excludes) {
  if (excludes.empty()) return false;
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  for (const auto& glob : excludes) {
    if (fnmatch(glob.c_str(), path.c_str(), 0) == 0) return true;
    if (fnmatch(glob.c_str(), base.c_str(), 0) == 0) return true;
  }
  return false;
}

Status WalkRepository(const std::string& root,
                      const std::vector<std::string>& excludes,
                      RepositoryTree* out) {
  RepositoryTree tree;
  std::string real_root = RealPath(root);
  struct stat st;
  if (real_root.empty() || stat(real_root.c_str(), &st) != 0 ||
      !S_ISDIR(st.st_mode))
    return Status::IOError("repository.path '" + Printable(root) +
                           "' is not a readable directory");
  Walker w(real_root, excludes, &tree);
  w.real_root_ = real_root;
  DirHandle probe(opendir(real_root.c_str()));
  if (!probe)
    return Status::IOError("cannot read repository.path '" + Printable(root) +
                           "': " + strerror(errno));
  probe.reset();
  w.Walk("", 0);
  std::sort(
      tree.files.begin(), tree.files.end(),
      [](const WalkedFile& a, const WalkedFile& b) { return a.path < b.path; });
  *out = std::move(tree);
  return Status::OK();
}

std::vector<std::pair<std::string, std::string>> ResolveAliases(
    const std::vector<WalkedFile>& files,
    const std::vector<WalkedLink>& links) {
  // `files` is sorted by path: a directory's files are one range.
  std::vector<std::pair<std::string, std::string>> out;
  auto has_file = [&](const std::string& p) {
    auto it = std::lower_bound(
        files.begin(), files.end(), p,
        [](const WalkedFile& f, const std::string& v) { return f.path < v; });
    return it != files.end() && it->path == p;
  };
  for (const auto& l : links) {
    if (!l.directory) {
      if (has_file(l.target)) out.emplace_back(l.path, l.target);
      continue;
    }
    std::string prefix = l.target + "/";
    auto it = std::lower_bound(
        files.begin(), files.end(), prefix,
        [](const WalkedFile& f, const std::string& v) { return f.path < v; });
    for (; it != files.end() && StartsWith(it->path, prefix); ++it) {
      std::string alias = l.path + "/" + it->path.substr(prefix.size());
      if (CheckListingPath(alias).empty()) out.emplace_back(alias, it->path);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) {
                          return a.first == b.first;
                        }),
            out.end());
  return out;
}

}  // namespace waymark
