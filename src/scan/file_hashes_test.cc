#include "scan/file_hashes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "core/strings.h"

namespace waymark {
namespace {

// A repository and a directory outside it, removed afterwards.
class HashRepositoryFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/waymark-hash-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = top_ + "/repo";
    outside_ = top_ + "/outside";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir((root_ + "/pub").c_str(), 0755), 0);
    ASSERT_EQ(mkdir(outside_.c_str(), 0755), 0);
    Write(root_ + "/pub/a.iso", "release\n");
    Write(outside_ + "/a.iso", "secret\n");
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(top_, ec);
  }

  static void Write(const std::string& path, const std::string& data) {
    std::ofstream(path) << data;
  }
  // What the walk would have recorded for `rel`.
  FileIdentity Seen(const std::string& rel) {
    struct stat st;
    EXPECT_EQ(lstat((root_ + "/" + rel).c_str(), &st), 0);
    return {static_cast<long long>(st.st_dev),
            static_cast<long long>(st.st_ino)};
  }
  Status Hash(const std::string& rel, const FileIdentity& seen, FileHashes* h) {
    return HashRepositoryFile(root_, rel, seen, HashOptions(), h);
  }

  std::string top_, root_, outside_;
};

TEST_F(HashRepositoryFileTest, HashesTheFileTheWalkSaw) {
  FileHashes h, plain;
  ASSERT_TRUE(Hash("pub/a.iso", Seen("pub/a.iso"), &h).ok());
  ASSERT_TRUE(HashFile(root_ + "/pub/a.iso", HashOptions(), &plain).ok());
  EXPECT_EQ(Hex(h.sha256), Hex(plain.sha256));
  EXPECT_EQ(h.size, 8);
}

TEST_F(HashRepositoryFileTest, AFileSwappedForALinkOutOfTheTreeIsNotFollowed) {
  FileIdentity seen = Seen("pub/a.iso");
  ASSERT_EQ(unlink((root_ + "/pub/a.iso").c_str()), 0);
  ASSERT_EQ(
      symlink((outside_ + "/a.iso").c_str(), (root_ + "/pub/a.iso").c_str()),
      0);
  FileHashes h;
  Status s = Hash("pub/a.iso", seen, &h);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot open 'pub/a.iso': a symbolic link now, not followed");
  EXPECT_TRUE(h.sha256.empty());
}

TEST_F(HashRepositoryFileTest,
       ADirectorySwappedForALinkOutOfTheTreeIsNotFollowed) {
  FileIdentity seen = Seen("pub/a.iso");
  ASSERT_EQ(system(("rm -rf '" + root_ + "/pub'").c_str()), 0);
  ASSERT_EQ(symlink(outside_.c_str(), (root_ + "/pub").c_str()), 0);
  FileHashes h;
  Status s = Hash("pub/a.iso", seen, &h);
  EXPECT_EQ(
      s.message(),
      "cannot open 'pub/a.iso': 'pub' is no longer a directory (a link now?)");
}

TEST_F(HashRepositoryFileTest, AFileSwappedForAFifoIsRefusedWithoutWaiting) {
  FileIdentity seen = Seen("pub/a.iso");
  std::string path = root_ + "/pub/a.iso";
  ASSERT_EQ(unlink(path.c_str()), 0);
  ASSERT_EQ(mkfifo(path.c_str(), 0644), 0);
  auto result = std::async(std::launch::async, [&] {
    FileHashes h;
    return Hash("pub/a.iso", seen, &h);
  });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // Release the open that waits for a writer, then fail.
    int w = open(path.c_str(), O_WRONLY | O_NONBLOCK);
    if (w >= 0) close(w);
    FAIL() << "hashing a FIFO waited for a writer";
  }
  EXPECT_EQ(
      result.get().message(),
      "cannot open 'pub/a.iso': not a regular file now (a FIFO or device?)");
}

TEST_F(HashRepositoryFileTest, AFileReplacedByAnotherIsNotTheOneTheWalkSaw) {
  FileIdentity seen = Seen("pub/a.iso");
  Write(root_ + "/pub/b.iso", "another\n");
  ASSERT_EQ(
      rename((root_ + "/pub/b.iso").c_str(), (root_ + "/pub/a.iso").c_str()),
      0);
  FileHashes h;
  EXPECT_EQ(Hash("pub/a.iso", seen, &h).message(),
            "cannot open 'pub/a.iso': another file than the walk found "
            "(replaced meanwhile)");
}

}  // namespace
}  // namespace waymark
