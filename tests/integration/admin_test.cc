// The `waymark` admin tool against a real PostgreSQL cluster: schema, mirror
// administration, validation errors with their exact texts and exit
// statuses, configuration errors, and the database roles.
#include <glob.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>

#include "core/store/db.h"
#include "core/store/inventory.h"
#include "tests/harness/commands.h"
#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/postgres_cluster.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::RunWaymark;
using test::SharedCluster;

// The schema version a fresh `db init` reaches: one per sql/migrations file.
int LatestVersion() {
  glob_t g;
  int n = 0;
  if (glob((test::SourceDir() + "/sql/migrations/*.sql").c_str(), 0, nullptr,
           &g) == 0)
    n = static_cast<int>(g.gl_pathc);
  globfree(&g);
  return n;
}

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = SharedCluster()->CreateDatabase();
    dsn_opt_ = "--database.dsn=" + dsn_;
  }

  // Runs `waymark --database.dsn=<test database> ARGS` (config keys may
  // come before the command in --key=value form).
  // `mirror add` runs with --no-geoip: these tests use example.org hosts,
  // and GeoIP filling is tested with crafted databases in geoip_test.cc.
  CommandResult Waymark(std::vector<std::string> args) {
    if (args.size() >= 2 && args[0] == "mirror" && args[1] == "add")
      args.insert(args.begin() + 2, "--no-geoip");
    args.insert(args.begin(), dsn_opt_);
    return RunWaymark(args);
  }

  void Init() {
    CommandResult r = Waymark({"db", "init"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  long long Count(const std::string& sql) {
    pqxx::connection c(dsn_);
    pqxx::read_transaction tx(c);
    return tx.exec(sql)[0][0].as<long long>();
  }

  std::string dsn_;
  std::string dsn_opt_;
};

TEST_F(AdminTest, DbInitTwiceIsHarmless) {
  CommandResult r = Waymark({"db", "status"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "database: primary\nschema: none (run 'waymark db init')\n");

  r = Waymark({"mirror", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.err,
      "waymark: cannot list mirrors: the database has no waymark schema; run "
      "'waymark db init'\n");

  r = Waymark({"db", "upgrade"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "waymark: the database has no waymark schema; run 'waymark db "
            "init' first\n");

  r = Waymark({"db", "init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int v = LatestVersion();
  const std::string vs = std::to_string(v);
  EXPECT_EQ(r.out, "created the waymark schema at version " + vs + " (" + vs +
                       " migrations applied, roles granted)\n");
  ASSERT_EQ(
      Waymark({"mirror", "add", "fra1", "--https", "https://fra1.example.org/"})
          .exit_code,
      0);

  r = Waymark({"db", "init"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "the database already has the waymark schema (version " +
                       vs + "); nothing changed\n");
  EXPECT_EQ(Count("SELECT count(*) FROM mirrors"), 1)
      << "a second init must keep the data";
  EXPECT_EQ(Count("SELECT count(*) FROM waymark_schema"), v);

  r = Waymark({"db", "upgrade"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "the schema is up to date (version " + vs + ")\n");

  r = Waymark({"db", "status", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["version"], v);
  EXPECT_EQ(j["up_to_date"], true);
  EXPECT_EQ(j["mirrors"], 1);
  EXPECT_EQ(j["mirrors_enabled"], 0);
  EXPECT_EQ(j["applied"][0]["name"], "initial");
}

TEST_F(AdminTest, ConcurrentInitsApplyTheSchemaOnce) {
  auto a = std::async(std::launch::async, [&] {
    return Waymark({"db", "init"});
  });
  auto b = std::async(std::launch::async, [&] {
    return Waymark({"db", "init"});
  });
  CommandResult ra = a.get(), rb = b.get();
  EXPECT_EQ(ra.exit_code, 0) << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_EQ(Count("SELECT count(*) FROM waymark_schema"), LatestVersion());
}

TEST_F(AdminTest, MirrorLifecycle) {
  Init();
  CommandResult r =
      Waymark({"mirror",
               "add",
               "fra1",
               "--https",
               "https://FRA1.mirror.example.org",
               "--http",
               "http://fra1.mirror.example.org/",
               "--rsync",
               "rsync://sync:s3cret@fra1.mirror.example.org/mirror",
               "--country",
               "de",
               "--asn",
               "14061",
               "--lat",
               "50.1109",
               "--lon",
               "8.6821",
               "--weight",
               "150",
               "--also-countries",
               "at,ch",
               "--exclude-countries",
               "RU",
               "--max-size",
               "4G",
               "--admin-email",
               "ops@example.org",
               "--comment",
               "Frankfurt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "added mirror 'fra1' (disabled; enable it with 'waymark mirror "
            "enable fra1' once it "
            "is scanned)\n");
  ASSERT_EQ(
      Waymark({"mirror", "add", "sgp1", "--http", "http://sgp1.example.org/pub",
               "--country", "SG", "--continent-only"})
          .exit_code,
      0);

  r = Waymark(
      {"mirror", "add", "fra1", "--https", "https://other.example.org/"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark: mirror 'fra1' already exists\n");

  r = Waymark({"mirror", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, row1, row2, extra;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header.substr(0, 16), "NAME  STATE     ");
  EXPECT_NE(header.find("COUNTRY  ASN    WEIGHT  URL"), std::string::npos)
      << header;
  EXPECT_EQ(row1.substr(0, 16), "fra1  disabled  ");
  EXPECT_NE(
      row1.find("DE/EU    14061  150     https://fra1.mirror.example.org/"),
      std::string::npos)
      << row1;
  EXPECT_NE(row2.find("SG/AS    -      100     http://sgp1.example.org/pub/"),
            std::string::npos)
      << row2;

  r = Waymark({"mirror", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "fra1");
  EXPECT_EQ(j[0]["enabled"], false);
  EXPECT_EQ(j[0]["state"], "disabled");
  EXPECT_EQ(j[0]["https_url"], "https://fra1.mirror.example.org/");
  EXPECT_EQ(j[0]["rsync_url"],
            "rsync://sync:***@fra1.mirror.example.org/mirror/");
  EXPECT_EQ(j[0]["country"], "DE");
  EXPECT_EQ(j[0]["continent"], "EU");
  EXPECT_EQ(j[0]["asn"], 14061);
  EXPECT_DOUBLE_EQ(j[0]["latitude"].get<double>(), 50.1109);
  EXPECT_EQ(j[0]["weight"], 150);
  EXPECT_EQ(j[0]["also_countries"], nlohmann::json({"AT", "CH"}));
  EXPECT_EQ(j[0]["exclude_countries"], nlohmann::json({"RU"}));
  EXPECT_EQ(j[0]["max_size"], 4LL << 30);
  EXPECT_EQ(j[1]["continent_only"], true);
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos) << "rsync password leaked";

  r = Waymark({"mirror", "show", "fra1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find(
          "rsync:         rsync://sync:***@fra1.mirror.example.org/mirror/\n"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("country:       DE (Germany)\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("restrictions:  also serves AT,CH; excludes RU; files "
                       "up to 4294967296 bytes\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos);

  r = Waymark({"mirror", "edit", "fra1", "--weight", "50", "--https", "",
               "--name", "fra2", "--country-only"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "updated mirror 'fra2': --name=fra2 --https= --weight=50 "
            "--country-only\n");
  r = Waymark({"mirror", "show", "fra2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["weight"], 50);
  EXPECT_TRUE(j["https_url"].is_null());
  EXPECT_EQ(j["http_url"], "http://fra1.mirror.example.org/");
  EXPECT_EQ(j["country_only"], true);

  r = Waymark({"mirror", "edit", "fra2", "--http", ""});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: mirror 'fra2' needs an --http or --https URL\n");
  r = Waymark({"mirror", "edit", "fra2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: mirror edit: nothing to change; give at least one "
            "--FIELD VALUE\n");
  r = Waymark({"mirror", "edit", "fra2", "--name", "sgp1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark: mirror 'sgp1' already exists\n");

  r = Waymark({"mirror", "enable", "fra2"});
  EXPECT_EQ(r.out, "enabled mirror 'fra2'\n");
  r = Waymark({"mirror", "enable", "fra2"});
  EXPECT_EQ(r.out, "mirror 'fra2' was already enabled\n");
  EXPECT_EQ(Count("SELECT count(*) FROM mirrors WHERE enabled"), 1);
  r = Waymark(
      {"mirror", "disable", "fra2", "--reason", "maintenance until Monday"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "disabled mirror 'fra2'\n");

  r = Waymark({"mirror", "log", "fra2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  std::vector<std::string> kinds;
  for (const auto& e : j) kinds.push_back(e["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"added", "edited", "enabled",
                                             "disabled"}));
  EXPECT_EQ(j[3]["message"], "maintenance until Monday");
  r = Waymark({"mirror", "log", "fra2", "--limit", "1"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("enabled "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("disabled"), std::string::npos) << r.out;

  r = Waymark({"mirror", "remove", "fra2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "removed mirror 'fra2'\n");
  r = Waymark({"mirror", "show", "fra2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "waymark: mirror 'fra2' not found\n");
  EXPECT_EQ(r.out, "");
  for (const char* cmd : {"remove", "enable", "disable", "log"}) {
    r = Waymark({"mirror", cmd, "fra1"});
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_EQ(r.err, "waymark: mirror 'fra1' not found\n") << cmd;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM mirror_events"), 1)
      << "the removed mirror's log goes too";
}

struct BadAdd {
  std::vector<std::string> args;
  std::string error;
};

// The audit log names the real actor: a SUDO_USER that sudo did not set
// (no matching SUDO_UID) is ignored; one that sudo set is believed.
TEST_F(AdminTest, TheLogNamesTheRealActorNotASpoofedSudoUser) {
  if (geteuid() != 0) GTEST_SKIP() << "runs as root, as sudo would";
  Init();
  // (Empty SUDO_* as well, in case the tests themselves run under sudo.)
  ASSERT_EQ(RunWaymark({dsn_opt_, "mirror", "add", "fra1", "--no-geoip",
                        "--https", "https://fra1.example.org/"},
                       {"SUDO_USER=", "SUDO_UID="})
                .exit_code,
            0);
  auto as = [&](std::vector<std::string> env, const char* cmd) {
    CommandResult r = RunWaymark({dsn_opt_, "mirror", cmd, "fra1"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  as({"SUDO_USER=someone"}, "enable");
  as({"SUDO_USER=nobody", "SUDO_UID=12345"}, "disable");
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  as({"SUDO_USER=nobody", "SUDO_UID=" + std::to_string(nobody->pw_uid)},
     "enable");
  pqxx::connection c(dsn_);
  pqxx::read_transaction tx(c);
  std::vector<std::string> actors;
  for (const auto& row :
       tx.exec("SELECT kind || ':' || actor FROM mirror_events ORDER BY id"))
    actors.push_back(row[0].as<std::string>());
  EXPECT_EQ(actors,
            (std::vector<std::string>{"added:root", "enabled:root",
                                      "disabled:root", "enabled:nobody"}));
}

// Passwords reach the database without ever being on a command line
// (ps shows those to every local user); one on the command line is
// accepted with a warning.
TEST_F(AdminTest, PasswordsFromAFileOrStandardInput) {
  Init();
  test::TempDir dir;
  test::WriteFile(dir / "rsync.pw", "s3cr:et@1\nignored second line\n");
  CommandResult r =
      Waymark({"mirror", "add", "fra1", "--https", "https://fra1.example.org/",
               "--rsync", "rsync://mirror@fra1.example.org/pub/",
               "--rsync-password-file", dir / "rsync.pw"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find("s3cr"), std::string::npos) << r.out;
  pqxx::connection c(dsn_);
  auto url = [&](const char* column) {
    pqxx::read_transaction tx(c);
    return tx
        .exec(std::string("SELECT ") + column +
              " FROM mirrors WHERE name = 'fra1'")[0][0]
        .as<std::string>();
  };
  EXPECT_EQ(url("rsync_url"), "rsync://mirror:s3cr:et@1@fra1.example.org/pub/");

  // From standard input, for a URL stored earlier.
  r = RunWaymark({dsn_opt_, "mirror", "edit", "fra1", "--ftp",
                  "ftp://anon@fra1.example.org/pub/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunWaymark(
      {dsn_opt_, "mirror", "edit", "fra1", "--ftp-password-file", "-"}, {},
      "from-stdin\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(url("ftp_url"), "ftp://anon:from-stdin@fra1.example.org/pub/");
  EXPECT_EQ(r.out.find("from-stdin"), std::string::npos) << r.out;

  // On the command line: accepted, with a warning that names the option.
  r = Waymark({"mirror", "edit", "fra1", "--rsync",
               "rsync://mirror:visible@fra1.example.org/pub/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--rsync: a password on the command line is visible to "
                       "every local user "
                       "(ps); use --rsync-password-file"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("visible"), std::string::npos) << r.out;

  // What cannot work is refused with the reason.
  r = Waymark({"mirror", "edit", "fra1", "--rsync",
               "rsync://fra1.example.org/pub/", "--rsync-password-file",
               dir / "rsync.pw"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: --rsync-password-file: the --rsync URL names no user "
            "(rsync://USER@HOST/...)\n");
  r = Waymark(
      {"mirror", "edit", "fra1", "--rsync-password-file", dir / "missing"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: --rsync-password-file: cannot read '" +
                       (dir / "missing") + "'\n");
  test::WriteFile(dir / "bad.pw", "has space\n");
  r = Waymark(
      {"mirror", "edit", "fra1", "--ftp-password-file", dir / "bad.pw"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the password has a space"), std::string::npos) << r.err;
  EXPECT_EQ(url("ftp_url"), "ftp://anon:from-stdin@fra1.example.org/pub/");
}

TEST_F(AdminTest, InvalidFieldsAreRejectedWithExactMessages) {
  Init();
  const BadAdd cases[] = {
      {{"--http", "ftp://x.org/"},
       "--http: 'ftp://x.org/' is not an http:// URL"},
      {{"--https", "http://x.org/"},
       "--https: 'http://x.org/' is not an https:// URL"},
      {{"--http", "http:///pub/"}, "--http: 'http:///pub/' has no host"},
      {{"--http", "http://bad_host/"},
       "--http: 'http://bad_host/' has an invalid host 'bad_host'"},
      {{"--http", "http://x.org:70000/"},
       "--http: 'http://x.org:70000/' has an invalid port '70000'"},
      {{"--http", "http://u:pw@x.org/"},
       "--http: 'http://u:***@x.org/' must not contain credentials"},
      {{"--https", "https://x.org/a?b=c"},
       "--https: 'https://x.org/a?b=c' must not have a query or fragment"},
      {{"--http", "http://x.org/", "--rsync", "rsync://x.org"},
       "--rsync: 'rsync://x.org' names no rsync module"},
      {{"--http", "http://x.org/", "--ftp", "http://x.org/"},
       "--ftp: 'http://x.org/' is not an ftp:// URL"},
      {{"--http", "http://x.org/", "--country", "XX"},
       "--country: 'XX' is not an ISO 3166-1 country code"},
      {{"--http", "http://x.org/", "--continent", "EA"},
       "--continent: 'EA' is not a continent code (AF AN AS EU NA OC SA)"},
      {{"--http", "http://x.org/", "--asn", "AS-1"},
       "--asn: 'AS-1' is not an AS number (0 to 4294967295)"},
      {{"--http", "http://x.org/", "--lat", "91", "--lon", "0"},
       "--lat: '91' is not a latitude (decimal degrees from -90 to 90)"},
      {{"--http", "http://x.org/", "--lat", "45"},
       "mirror 'bad' needs both --lat and --lon, or neither"},
      {{"--http", "http://x.org/", "--weight", "0"},
       "--weight: '0' is not a weight (an integer from 1 to 1000000)"},
      {{"--http", "http://x.org/", "--max-size", "lots"},
       "--max-size: 'lots' is not a size (bytes, or a number with K, M, G or "
       "T)"},
      {{"--http", "http://x.org/", "--also-countries", "AT,XX"},
       "--also-countries: 'XX' is not an ISO 3166-1 country code"},
      {{"--http", "http://x.org/", "--asn-only"},
       "mirror 'bad' is --asn-only but has no --asn"},
      {{"--http", "http://x.org/", "--admin-email", "nobody"},
       "--admin-email: 'nobody' is not an e-mail address"},
      {{"--country", "DE"}, "mirror 'bad' needs an --http or --https URL"},
      {{"--http", "http://x.org/", "--wieght", "5"},
       "mirror add: unknown option '--wieght' (did you mean '--weight'?)"},
      {{"--http", "http://x.org/", "--weight"},
       "mirror add: the required argument for option '--weight' is missing"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"mirror", "add", "bad"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CommandResult r = Waymark(args);
    EXPECT_EQ(r.exit_code, 2) << c.error;
    EXPECT_EQ(r.err, "waymark: " + c.error + "\n");
    EXPECT_EQ(r.out, "");
  }
  CommandResult r =
      Waymark({"mirror", "add", "bad mirror", "--http", "http://x.org/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: mirror name 'bad mirror' is invalid: use up to 63 "
            "letters, digits, '.', '_' "
            "or '-', starting with a letter or digit\n");
  r = Waymark({"mirror", "add", "x'); DROP TABLE mirrors; --", "--http",
               "http://x.org/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Count("SELECT count(*) FROM mirrors"), 0)
      << "nothing invalid may be stored";

  // Values reach the database as parameters, never as SQL text.
  r = Waymark({"mirror", "add", "quote", "--http", "http://x.org/", "--comment",
               "it's'); DROP TABLE mirrors; --"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Waymark({"mirror", "show", "quote", "--json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["comment"],
            "it's'); DROP TABLE mirrors; --");
}

TEST_F(AdminTest, CommandLineMistakes) {
  CommandResult r = Waymark({"mirorr", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: unknown command 'mirorr' (did you mean 'mirror'?); see "
            "'waymark help'\n");
  r = Waymark({"mirror", "lst"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: unknown command 'mirror lst' (did you mean 'mirror "
            "list'?); see 'waymark help'\n");
  r = Waymark({"mirror", "show"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "waymark: missing arguments; usage: waymark mirror show NAME [--json]\n");
  r = Waymark({"mirror", "show", "a", "b"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: too many arguments; usage: waymark mirror show NAME "
            "[--json]\n");
}

class ConfigErrorTest : public ::testing::Test {
 protected:
  std::string WriteConfig(const std::string& text) {
    char path[] = "/tmp/waymark-conf-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
  }
  std::vector<std::string> files_;
};

TEST_F(ConfigErrorTest, BadConfigFileGivesOneLineAndExit2) {
  std::string path = WriteConfig(
      "# test\n[database]\ndsn = dbname=x\n\n[redirector]\nworkers = "
      "4\nwrokers = 5\n");
  CommandResult r = RunWaymark({"-c", path, "mirror", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: " + path +
                       ":7: unknown key 'redirector.wrokers' (did you mean "
                       "'redirector.workers'?)\n");

  path = WriteConfig("[redirector]\nworkers = many\n");
  r = RunWaymark({"mirror", "list", "--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "waymark: " + path +
                       ":2: bad value 'many' for 'redirector.workers': "
                       "expected an integer from 1 "
                       "to 1024\n");

  // $WAYMARK_CONFIG is read when -c is not given.
  r = RunWaymark({"mirror", "list"}, {"WAYMARK_CONFIG=" + path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, 9 + path.size() + 3), "waymark: " + path + ":2:");

  r = RunWaymark({"-c", "/nonexistent/waymark.conf", "mirror", "list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: /nonexistent/waymark.conf: cannot open the config file: "
            "No such file or "
            "directory\n");
}

TEST_F(ConfigErrorTest, BadCommandLineValueGivesOneLineAndExit2) {
  CommandResult r = RunWaymark({"mirror", "list", "--redirector.workers=0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: --redirector.workers: bad value '0': expected an integer "
            "from 1 to 1024\n");
  r = RunWaymark({"mirror", "list", "--redirector.listen=nowhere"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "waymark: --redirector.listen: bad value 'nowhere': expected "
            "unix:/path/to/socket or "
            "host:port\n");
  r = RunWaymark({"mirror", "list", "--database.dsm=x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "waymark: mirror list: unknown option '--database.dsm' (did you mean "
      "'--database.dsn'?)\n");
}

TEST_F(ConfigErrorTest, CommandLineBeatsConfigFile) {
  std::string dsn = SharedCluster()->CreateDatabase();
  std::string path =
      WriteConfig("[database]\ndsn = host=/nonexistent dbname=nothing\n");
  CommandResult r =
      RunWaymark({"-c", path, "db", "init", "--database.dsn=" + dsn});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunWaymark({"-c", path, "db", "status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("waymark: cannot connect to PostgreSQL: ", 0), 0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
      << "one line: " << r.err;
}

// The redirector's role reads the inventory and writes statistics, and can
// change neither mirrors nor files, nor read the secrets (rsync/FTP
// credentials, the admin's contact) that only the scanner and admin roles
// may read.
TEST_F(AdminTest, RedirectorRoleCannotChangeMirrors) {
  Init();
  ASSERT_EQ(
      Waymark({"mirror", "add", "fra1", "--https", "https://fra1.example.org/",
               "--rsync", "rsync://scan:s3cret@fra1.example.org/mirror/",
               "--ftp", "ftp://scan:s3cret@fra1.example.org/pub/",
               "--admin-name", "Ops", "--admin-email", "ops@example.org",
               "--sponsor", "Example"})
          .exit_code,
      0);
  {
    pqxx::connection c(dsn_);
    pqxx::work tx(c);
    tx.exec(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        "'wm_test_redirector') "
        "THEN CREATE ROLE wm_test_redirector LOGIN IN ROLE waymark_redirector; "
        "END IF; END $$");
    tx.commit();
  }
  std::string as_redirector = dsn_;
  size_t user = as_redirector.find("user=postgres");
  ASSERT_NE(user, std::string::npos) << dsn_;
  as_redirector.replace(user, 13, "user=wm_test_redirector");
  pqxx::connection c(as_redirector);
  {
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM mirrors")[0][0].as<int>(), 1);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM file_mirrors")[0][0].as<int>(), 0);
  }
  auto must_fail = [&](const std::string& sql) {
    pqxx::work tx(c);
    try {
      tx.exec(sql);
      ADD_FAILURE() << "the redirector role may not run: " << sql;
    } catch (const pqxx::insufficient_privilege&) {
    }
  };
  must_fail("UPDATE mirrors SET enabled = true");
  must_fail("DELETE FROM mirrors");
  for (const char* secret :
       {"rsync_url", "ftp_url", "admin_name", "admin_email"}) {
    must_fail(std::string("SELECT ") + secret + " FROM mirrors");
  }
  must_fail("SELECT * FROM mirrors");
  must_fail("SELECT m FROM mirrors m");  // a whole row holds every column
  must_fail("SELECT 1 FROM mirrors WHERE rsync_url LIKE '%s3cret%'");
  // What a mirror answered to a failed trace check is the admin's only.
  must_fail("SELECT trace_detail FROM mirrors");
  must_fail("SELECT detail FROM mirror_health");
  must_fail("SELECT * FROM mirror_health");
  {
    pqxx::read_transaction tx(c);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM mirror_health WHERE up OR NOT "
                      "offered OR reason IS NULL")[0][0]
                  .as<int>(),
              0);
  }
  must_fail(
      "INSERT INTO files (id, path, size, mtime) VALUES (1, 'a', 1, now())");
  must_fail("DELETE FROM mirror_files");
  // Download counts: appended only; merging them is cron's job.
  must_fail("INSERT INTO download_paths (path) VALUES ('releases/a.deb')");
  must_fail(
      "INSERT INTO downloads_daily (day, path_id, mirror_id, country, "
      "downloads) "
      "VALUES (current_date, 1, 1, 'DE', 1)");
  must_fail("DELETE FROM downloads_pending");
  {
    pqxx::work tx(c);
    tx.exec(
        "INSERT INTO downloads_pending (day, path, mirror_id, country, "
        "downloads) "
        "VALUES (current_date, 'releases/a.deb', 1, 'DE', 2)");
    tx.commit();
  }
  EXPECT_EQ(Count("SELECT sum(downloads) FROM download_counts"), 2);

  // What the redirector loads, as that role: the mirror without secrets.
  std::unique_ptr<Database> db;
  ASSERT_TRUE(Database::Connect(as_redirector, &db).ok());
  std::vector<MirrorStatus> mirrors;
  Status s = LoadMirrorStatuses(db.get(), &mirrors);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(mirrors.size(), 1u);
  EXPECT_EQ(mirrors[0].mirror.https_url, "https://fra1.example.org/");
  EXPECT_EQ(mirrors[0].mirror.sponsor_name, "Example");
  EXPECT_EQ(mirrors[0].mirror.rsync_url, "");
  EXPECT_EQ(mirrors[0].mirror.admin_email, "");
  InventoryGens gens;
  s = LoadInventoryGens(db.get(), &gens);
  EXPECT_TRUE(s.ok()) << s.message();

  // The trace checker and reports do not read the secrets either; the
  // scanner reads the credentials it logs in with, the admin tool all.
  auto as_role = [&](const std::string& role, const std::string& sql) {
    pqxx::connection pc(dsn_);
    pqxx::work tx(pc);
    tx.exec("SET LOCAL ROLE " + role);
    try {
      auto r = tx.exec(sql);
      return r.empty() || r[0][0].is_null() ? std::string()
                                            : r[0][0].as<std::string>();
    } catch (const pqxx::insufficient_privilege&) {
      return std::string("denied");
    }
  };
  EXPECT_EQ(as_role("waymark_reader", "SELECT trace_detail FROM mirrors"),
            "denied");
  EXPECT_EQ(as_role("waymark_reader", "SELECT detail FROM mirror_health"),
            "denied");
  EXPECT_EQ(as_role("waymark_trace", "SELECT trace_detail FROM mirrors"), "");
  EXPECT_EQ(as_role("waymark_trace", "SELECT detail FROM mirror_health"), "");
  EXPECT_EQ(as_role("waymark_admin", "SELECT trace_detail FROM mirrors"), "");
  for (const char* role : {"waymark_trace", "waymark_reader"}) {
    EXPECT_EQ(as_role(role, "SELECT rsync_url FROM mirrors"), "denied") << role;
    EXPECT_EQ(as_role(role, "SELECT admin_email FROM mirrors"), "denied")
        << role;
    EXPECT_EQ(as_role(role, "SELECT name FROM mirrors"), "fra1") << role;
  }
  EXPECT_EQ(as_role("waymark_scanner", "SELECT rsync_url FROM mirrors"),
            "rsync://scan:s3cret@fra1.example.org/mirror/");
  EXPECT_EQ(as_role("waymark_scanner", "SELECT ftp_url FROM mirrors"),
            "ftp://scan:s3cret@fra1.example.org/pub/");
  EXPECT_EQ(as_role("waymark_admin", "SELECT admin_email FROM mirrors"),
            "ops@example.org");
  // roles.sql runs again on every `db upgrade`: the column grants stay.
  ASSERT_EQ(Waymark({"db", "upgrade"}).exit_code, 0);
  EXPECT_EQ(as_role("waymark_redirector", "SELECT rsync_url FROM mirrors"),
            "denied");
  EXPECT_EQ(as_role("waymark_redirector", "SELECT detail FROM mirror_health"),
            "denied");
  EXPECT_EQ(as_role("waymark_redirector",
                    "SELECT sponsor_url, files_gen FROM mirrors"),
            "");
}

TEST_F(AdminTest, UnreachableDatabaseIsOneLineExit1) {
  CommandResult r = RunWaymark(
      {"mirror", "list", "--database.dsn=host=/nonexistent dbname=x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("waymark: cannot connect to PostgreSQL: ", 0), 0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
      << "one line: " << r.err;
}

// A file name that is not UTF-8 (Latin-1 "café.iso") in an inventory whose
// database takes any bytes (SQL_ASCII, what a cluster made under LANG=C
// gets): --json replaces the byte with U+FFFD and stays valid JSON. It
// used to end in "waymark: internal error: [json.exception.type_error.316]".
TEST_F(AdminTest, FileListJsonSurvivesNonUtf8Names) {
  const std::string db = "wmtest_sql_ascii_" + std::to_string(getpid());
  ASSERT_TRUE(SharedCluster()
                  ->ExecSql(SharedCluster()->Dsn("postgres"),
                            "CREATE DATABASE " + db +
                                " TEMPLATE template0 ENCODING 'SQL_ASCII'")
                  .ok());
  dsn_ = SharedCluster()->Dsn(db);
  dsn_opt_ = "--database.dsn=" + dsn_;
  Init();
  ASSERT_TRUE(
      SharedCluster()
          ->ExecSql(dsn_,
                    "INSERT INTO files (id, path, size, mtime) VALUES "
                    "(1, E'rel/caf\\xe9.iso', 4, '2026-11-01 10:00:00+00'), "
                    "(2, 'rel/plain.iso', 5, '2026-11-01 10:00:00+00')")
          .ok());
  const std::string kFffd = "\xEF\xBF\xBD";

  CommandResult r = Waymark({"file", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  nlohmann::json j = nlohmann::json::parse(r.out);  // throws (fails) if invalid
  ASSERT_EQ(j.size(), 2u) << r.out;
  EXPECT_EQ(j[0]["path"], "rel/caf" + kFffd + ".iso");
  EXPECT_EQ(j[0]["size"], 4);
  EXPECT_EQ(j[1]["path"], "rel/plain.iso");

  r = Waymark({"file", "show", "rel/caf\xE9.iso", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["path"], "rel/caf" + kFffd + ".iso");
}

}  // namespace
}  // namespace waymark
