#include "tests/harness/scan_fixture.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "tests/harness/commands.h"
#include "tests/harness/postgres_cluster.h"

namespace waymark {
namespace test {

void ScanFixture::SetUp() {
  dsn_ = SharedCluster()->CreateDatabase();
  repo_ = dir_ / "repo";
  WriteConfig("");
  CommandResult r = RunWaymark({"-c", config_, "db", "init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

void ScanFixture::WriteConfig(const std::string& extra) {
  config_ = dir_ / "waymark.conf";
  WriteFile(config_, "[database]\ndsn = " + dsn_ + "\n[repository]\npath = " +
                         repo_ + "\n" + config_tail_ + extra);
}

void ScanFixture::Put(const std::string& root, const std::string& path,
                      const std::string& data, long long mtime) {
  WriteFile(root + "/" + path, data);
  struct timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(mtime), 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (root + "/" + path).c_str(), times,
                      AT_SYMLINK_NOFOLLOW),
            0)
      << root << "/" << path;
}

void ScanFixture::MirrorAdd(const std::string& name,
                            const std::vector<std::string>& options) {
  std::vector<std::string> args = {"-c",  config_, "mirror",
                                   "add", name,    "--no-geoip"};
  args.insert(args.end(), options.begin(), options.end());
  CommandResult r = RunWaymark(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

CommandResult ScanFixture::Scan(std::vector<std::string> args) {
  args.insert(args.begin(), {"-c", config_});
  return RunBinary("waymark-scan", args);
}

CommandResult ScanFixture::ScanRepository(
    const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--repository"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Scan(args);
}

std::string ScanFixture::Query(const std::string& sql) {
  return QueryRows(dsn_, sql);
}

std::string ScanFixture::Holds(const std::string& mirror) {
  return Query(
      "SELECT coalesce(string_agg(f.path, ',' ORDER BY f.path), '') FROM "
      "file_mirrors fm "
      "JOIN files f ON f.id = fm.file_id JOIN mirrors m ON m.id = fm.mirror_id "
      "WHERE m.name = '" +
      mirror + "'");
}

}  // namespace test
}  // namespace waymark
