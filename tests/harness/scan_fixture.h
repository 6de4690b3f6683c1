// The fixture the waymark-scan integration tests share
// (tests/integration/scan_*_test.cc): a fresh database of the shared
// PostgreSQL cluster with the schema in it, a config naming a repository
// directory in a temporary directory, and the commands and queries those
// tests repeat: add a mirror, run a scan, which files a mirror holds.
#ifndef WAYMARK_TESTS_HARNESS_SCAN_FIXTURE_H_
#define WAYMARK_TESTS_HARNESS_SCAN_FIXTURE_H_

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/subprocess.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

class ScanFixture : public ::testing::Test {
 protected:
  // 2026-01-01 00:00:00 UTC, the mtime the tests give their files.
  static constexpr long long kT = 1767225600;

  // `config_tail` follows the repository path in every config WriteConfig()
  // writes: the settings of one test file, such as a [scan] section.
  explicit ScanFixture(std::string config_tail)
      : config_tail_(std::move(config_tail)) {}

  // A new database, the config (WriteConfig("")) and `waymark db init`.
  // A subclass's SetUp() calls it first and returns if HasFatalFailure().
  void SetUp() override;

  // (Re)writes config_: [database] dsn, [repository] path = repo_, the
  // config tail, then `extra` (lines of the section the tail ends in).
  void WriteConfig(const std::string& extra);

  // Writes root/path with `data` (creating directories) and sets its mtime.
  static void Put(const std::string& root, const std::string& path,
                  const std::string& data, long long mtime);

  // `waymark -c CONFIG mirror add NAME --no-geoip OPTIONS...`; must succeed.
  void MirrorAdd(const std::string& name,
                 const std::vector<std::string>& options);

  // `waymark-scan -c CONFIG ARGS...`.
  CommandResult Scan(std::vector<std::string> args);
  // `waymark-scan -c CONFIG --repository EXTRA...`.
  CommandResult ScanRepository(const std::vector<std::string>& extra = {});

  std::string Query(const std::string& sql);

  // Paths the mirror holds, by the bitmaps, sorted and joined by ','.
  std::string Holds(const std::string& mirror);

  TempDir dir_;
  std::string dsn_, repo_, config_;

 private:
  const std::string config_tail_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_SCAN_FIXTURE_H_
