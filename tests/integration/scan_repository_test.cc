// waymark-scan --repository against a real PostgreSQL inventory and a real
// directory tree: hashes (checked against OpenSSL's own tools' answers),
// changed and removed files, lowest free ids, excludes, symlink aliases,
// no writes when nothing changed, bits cleared for changed files, and the
// advisory lock refusing a second scan.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "core/strings.h"
#include "scan/file_hashes.h"
#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/scan_fixture.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::RunBinary;
using test::SharedCluster;
using test::WriteFile;

class ScanRepositoryTest : public test::ScanFixture {
 protected:
  ScanRepositoryTest() : ScanFixture("piece_size = 1K\n") {}

  long long Gen() {
    return std::stoll(Query("SELECT files_gen FROM inventory_state"));
  }
};

TEST_F(ScanRepositoryTest, RecordsFilesWithHashesAndIsIdleWhenNothingChanged) {
  WriteFile(repo_ + "/a.txt", "hello\n");
  WriteFile(repo_ + "/pub/big.iso", std::string(2500, 'x'));
  WriteFile(repo_ + "/pub/empty", "");
  CommandResult r = ScanRepository();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "repository: 3 files (3 new, 0 changed, 0 removed), 0 aliases (0 "
            "changed), 3 hashed "
            "(0 MiB)\n");
  // sha256sum/sha1sum/md5sum of "hello\n".
  EXPECT_EQ(
      Query(
          "SELECT id, path, size, encode(sha256, 'hex'), encode(sha1, 'hex'), "
          "encode(md5, 'hex') FROM files WHERE path = 'a.txt'"),
      "0|a.txt|6|"
      "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03|"
      "f572d396fae9206628714fb2ce00f72e94f2258f|"
      "b1946ac92492d2347c6235b4d2611184\n");
  // Pieces of 1 KiB: three SHA-1s for 2500 bytes.
  EXPECT_EQ(
      Query(
          "SELECT piece_size, octet_length(piece_sha1) FROM files WHERE path = "
          "'pub/big.iso'"),
      "1024|60\n");
  HashOptions ho;
  ho.piece_size = 1024;
  FileHashes h;
  ASSERT_TRUE(HashFile(repo_ + "/pub/big.iso", ho, &h).ok());
  EXPECT_EQ(Query("SELECT encode(piece_sha1, 'hex') FROM files WHERE path = "
                  "'pub/big.iso'"),
            Hex(h.piece_sha1) + "\n");
  EXPECT_EQ(
      Query("SELECT encode(sha256, 'hex') FROM files WHERE path = 'pub/empty'"),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
  EXPECT_EQ(Query("SELECT string_agg(id::text, ',' ORDER BY id) FROM files"),
            "0,1,2\n");

  long long gen = Gen();
  r = ScanRepository();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "repository: 3 files (0 new, 0 changed, 0 removed), 0 aliases (0 "
            "changed), 0 hashed "
            "(0 MiB), inventory unchanged\n");
  EXPECT_EQ(Gen(), gen) << "a scan that found nothing new must not touch files";
}

TEST_F(ScanRepositoryTest,
       ChangedAndRemovedFilesLoseTheirMirrorBitsAndIdsAreReused) {
  WriteFile(repo_ + "/a", "1");
  WriteFile(repo_ + "/b", "22");
  WriteFile(repo_ + "/c", "333");
  ASSERT_EQ(ScanRepository().exit_code, 0);
  ASSERT_EQ(
      Query("SELECT string_agg(path || '=' || id, ',' ORDER BY id) FROM files"),
      "a=0,b=1,c=2\n");
  // A mirror holds all three; another holds only c.
  ASSERT_TRUE(SharedCluster()
                  ->ExecSql(dsn_, R"SQL(
      INSERT INTO mirrors (name, http_url) VALUES ('m1', 'http://m1.example.org/'),
                                                  ('m2', 'http://m2.example.org/');
      INSERT INTO mirror_files (chunk, mirror_id, bits)
        SELECT 0, id, set_bit(set_bit(set_bit(decode(repeat('00', 1024), 'hex'), 0, 1), 1, 1), 2, 1)
          FROM mirrors WHERE name = 'm1';
      INSERT INTO mirror_files (chunk, mirror_id, bits)
        SELECT 0, id, set_bit(decode(repeat('00', 1024), 'hex'), 2, 1) FROM mirrors WHERE name = 'm2';
      INSERT INTO mirror_file_problems (mirror_id, file_id, problem, mirror_size)
        SELECT id, 1, 'wrong_size', 5 FROM mirrors WHERE name = 'm2';
  )SQL")
                  .ok());
  std::string m2_gen = Query("SELECT files_gen FROM mirrors WHERE name = 'm2'");
  // a vanishes, b grows, d is new and takes a's id 0.
  unlink((repo_ + "/a").c_str());
  WriteFile(repo_ + "/b", "22 and more");
  WriteFile(repo_ + "/d", "4444");
  CommandResult r = ScanRepository();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "repository: 3 files (1 new, 1 changed, 1 removed), 0 aliases (0 "
            "changed), 2 hashed "
            "(0 MiB)\n");
  EXPECT_EQ(Query("SELECT string_agg(path || '=' || id || ':' || size, ',' "
                  "ORDER BY id) FROM files"),
            "d=0:4,b=1:11,c=2:3\n");
  EXPECT_EQ(Query("SELECT m.name, get_bit(bits, 0), get_bit(bits, 1), "
                  "get_bit(bits, 2) FROM "
                  "mirror_files f JOIN mirrors m ON m.id = f.mirror_id ORDER "
                  "BY m.name"),
            "m1|0|0|1\nm2|0|0|1\n");
  EXPECT_EQ(Query("SELECT count(*) FROM mirror_file_problems"), "0\n");
  // m2's bitmap did not change: its counter did not move.
  EXPECT_EQ(Query("SELECT files_gen FROM mirrors WHERE name = 'm2'"), m2_gen);
}

TEST_F(ScanRepositoryTest, ExcludesAndSymlinkAliases) {
  WriteConfig("exclude = *unstable*\nexclude = *.tmp\n");
  WriteFile(repo_ + "/releases/10.9/jellyfin.deb", "deb");
  WriteFile(repo_ + "/releases/10.9/notes.txt", "notes");
  WriteFile(repo_ + "/unstable/nightly.deb", "nightly");
  WriteFile(repo_ + "/releases/partial.tmp", "x");
  WriteFile(dir_ / "outside.txt", "secret");
  ASSERT_EQ(
      symlink("10.9/jellyfin.deb", (repo_ + "/releases/latest.deb").c_str()),
      0);
  ASSERT_EQ(symlink("10.9", (repo_ + "/releases/current").c_str()), 0);
  ASSERT_EQ(
      symlink((dir_ / "outside.txt").c_str(), (repo_ + "/escape.txt").c_str()),
      0);
  ASSERT_EQ(symlink("../unstable/nightly.deb",
                    (repo_ + "/releases/nightly.deb").c_str()),
            0);
  ASSERT_EQ(symlink("missing", (repo_ + "/dangling").c_str()), 0);
  CommandResult r = ScanRepository();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Query("SELECT string_agg(path, ',' ORDER BY path) FROM files"),
            "releases/10.9/jellyfin.deb,releases/10.9/notes.txt\n");
  EXPECT_EQ(Query("SELECT a.path || '->' || f.path FROM file_aliases a JOIN "
                  "files f ON f.id = "
                  "a.file_id ORDER BY a.path"),
            "releases/current/jellyfin.deb->releases/10.9/jellyfin.deb\n"
            "releases/current/notes.txt->releases/10.9/notes.txt\n"
            "releases/latest.deb->releases/10.9/jellyfin.deb\n");
  EXPECT_NE(r.err.find("waymark-scan: warning: skipped link 'escape.txt': it "
                       "points outside the "
                       "repository\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("skipped link 'dangling': dangling or looping"),
            std::string::npos)
      << r.err;

  // Retargeting a link updates the alias; removing one removes it.
  unlink((repo_ + "/releases/latest.deb").c_str());
  ASSERT_EQ(symlink("10.9/notes.txt", (repo_ + "/releases/latest.deb").c_str()),
            0);
  unlink((repo_ + "/releases/current").c_str());
  r = ScanRepository();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Query("SELECT a.path || '->' || f.path FROM file_aliases a JOIN "
                  "files f ON f.id = "
                  "a.file_id ORDER BY a.path"),
            "releases/latest.deb->releases/10.9/notes.txt\n");
}

TEST_F(ScanRepositoryTest, RehashAndTouchedFiles) {
  WriteFile(repo_ + "/a", "same");
  ASSERT_EQ(ScanRepository().exit_code, 0);
  long long gen = Gen();
  CommandResult r = ScanRepository({"--rehash"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "repository: 1 files (0 new, 0 changed, 0 removed), 0 aliases (0 "
            "changed), 0 hashed "
            "(0 MiB), inventory unchanged\n");
  EXPECT_EQ(Gen(), gen);
  // A new mtime is a change (the mirrors' copies may be older).
  struct timespec times[2] = {{0, UTIME_OMIT}, {1700000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (repo_ + "/a").c_str(), times, 0), 0);
  r = ScanRepository();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(0 new, 1 changed, 0 removed)"), std::string::npos)
      << r.out;
  EXPECT_EQ(Query("SELECT extract(epoch FROM mtime)::bigint FROM files"),
            "1700000000\n");
}

TEST_F(ScanRepositoryTest, SecondConcurrentScanIsRefused) {
  WriteFile(repo_ + "/a", "1");
  // Hold the repository scan's advisory lock as another scan would.
  pqxx::connection holder(dsn_);
  pqxx::nontransaction tx(holder);
  ASSERT_TRUE(
      tx.exec("SELECT pg_try_advisory_lock(1465470257, 0)")[0][0].as<bool>());
  CommandResult r = ScanRepository();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "waymark-scan: another repository scan is running (its advisory "
            "lock is held); not "
            "scanning\n");
  EXPECT_EQ(Query("SELECT count(*) FROM files"), "0\n");
  tx.exec("SELECT pg_advisory_unlock(1465470257, 0)");
  r = ScanRepository();
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ScanRepositoryTest, BadUsageAndMissingRepository) {
  CommandResult r = RunBinary("waymark-scan", {"-c", config_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark-scan: give --repository, --all or mirror names (one of "
            "them); see "
            "'waymark-scan --help'\n");
  r = ScanRepository();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark-scan: repository.path '" + repo_ +
                       "' is not a readable directory\n");
  WriteConfig("hashes = sha1,crc32\n");
  WriteFile(repo_ + "/a", "1");
  r = ScanRepository();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark-scan: repository.hashes: unknown hash 'crc32' (expected "
            "sha256, sha1, md5 or "
            "pieces)\n");
}

}  // namespace
}  // namespace waymark

namespace waymark {
namespace {

TEST_F(ScanRepositoryTest, AnEmptyRepositoryDoesNotWipeTheInventory) {
  WriteFile(repo_ + "/a", "1");
  WriteFile(repo_ + "/b", "2");
  ASSERT_EQ(ScanRepository().exit_code, 0);
  unlink((repo_ + "/a").c_str());
  unlink((repo_ + "/b").c_str());
  CommandResult r = ScanRepository();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark-scan: repository.path '" + repo_ +
                       "' has no files but the inventory has 2; not removing "
                       "them all (is the "
                       "repository mounted?)\n");
  EXPECT_EQ(Query("SELECT count(*) FROM files"), "2\n");
  WriteFile(repo_ + "/c", "3");
  r = ScanRepository({"--repository.piece_size=100"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "waymark-scan: repository.piece_size: expected a size from 1K to 1G\n");
}

}  // namespace
}  // namespace waymark
