#include "scan/repository_walk.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(IsExcludedTest, Table) {
  const std::vector<std::string> globs = {"*unstable*", "*.tmp", "archive"};
  struct Case {
    const char* path;
    bool excluded;
  };
  for (const Case& c : std::vector<Case>{
           {"pub/unstable/x.deb", true},
           {"dists/unstable", true},
           {"pub/x.tmp", true},
           {"archive", true},
           {"pub/archive", true},     // last segment
           {"pub/archive/x", false},  // the directory itself is pruned
           {"pub/stable/x.deb", false},
           {"pub/x.tmpl", false}}) {
    EXPECT_EQ(IsExcluded(c.path, globs), c.excluded) << c.path;
  }
  EXPECT_FALSE(IsExcluded("anything", {}));
}

TEST(ResolveAliasesTest, FileAndDirectoryLinks) {
  std::vector<WalkedFile> files = {{"a/1", 1, 0, 0},
                                   {"a/2", 1, 0, 0},
                                   {"a/b/3", 1, 0, 0},
                                   {"ab/x", 1, 0, 0},
                                   {"c", 1, 0, 0}};
  std::vector<WalkedLink> links = {{"latest", "c", false},
                                   {"cur", "a", true},
                                   {"gone", "nothing", false},
                                   {"latest", "c", false}};  // listed twice
  auto aliases = ResolveAliases(files, links);
  std::vector<std::pair<std::string, std::string>> want = {{"cur/1", "a/1"},
                                                           {"cur/2", "a/2"},
                                                           {"cur/b/3", "a/b/3"},
                                                           {"latest", "c"}};
  EXPECT_EQ(aliases, want);
}

}  // namespace
}  // namespace waymark
