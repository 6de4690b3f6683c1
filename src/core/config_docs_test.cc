// Keeps the documentation of waymark.conf true, and pins the exact error
// texts of the config parser.
//
// man/waymark.conf.5 and man/waymark.conf.example must list every key of
// OptionTable(), in table order, with the table's defaults; these tests fail
// when they drift apart. The files are found under $WAYMARK_SOURCE_DIR, else
// the current directory (tests/run starts from the repository root).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::TempDir;
using Values = std::map<std::string, std::vector<std::string>>;

std::string SourcePath(const std::string& relative) {
  const char* dir = std::getenv("WAYMARK_SOURCE_DIR");
  std::string base = (dir && *dir) ? dir : ".";
  return base + "/" + relative;
}

// Reads a file of the source tree into `text`; false if it cannot be read.
bool ReadSourceFile(const std::string& relative, std::string* text) {
  std::ifstream in(SourcePath(relative));
  if (!in) return false;
  std::stringstream buf;
  buf << in.rdbuf();
  *text = buf.str();
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> TableKeys() {
  std::vector<std::string> keys;
  for (const auto& spec : OptionTable()) keys.emplace_back(spec.key);
  return keys;
}

// ---------------------------------------------------------------------------
// (a) man/waymark.conf.5

// Undoes the roff escapes the key entries use: \- and \(hy become '-', \e
// becomes '\', \& vanishes, font changes (\fB, \fR, \fI, \fP, \f(CW) go.
std::string Unroff(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char c = s[i + 1];
    if (c == '-') {
      out += '-';
      ++i;
    } else if (c == 'e') {
      out += '\\';
      ++i;
    } else if (c == '&') {
      ++i;
    } else if (c == '(' && s.compare(i + 2, 2, "hy") == 0) {
      out += '-';
      i += 3;
    } else if (c == 'f' && i + 2 < s.size()) {
      i += (s[i + 2] == '(') ? 4 : 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct ManEntry {
  std::string key;
  std::string default_value;  // "" for "Default: none."
  std::string section_title;  // the .SS line the entry sits under
  std::string text;           // the description after the Default line
};

// Finds every key entry: ".TP", ".B section.key", "Default: VALUE." (or
// "Default: none."). A ".TP"/".B" pair naming something shaped like a key
// but not followed by a Default line is reported in `errors`.
std::vector<ManEntry> ParseManEntries(const std::string& text,
                                      std::vector<std::string>* errors) {
  static const std::regex kKeyShape(R"(^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$)");
  std::vector<ManEntry> entries;
  std::vector<std::string> lines = Lines(text);
  std::string section_title;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(".SS", 0) == 0 || lines[i].rfind(".SH", 0) == 0)
      section_title = lines[i];
    if (lines[i] != ".TP" || i + 1 >= lines.size()) continue;
    const std::string& b = lines[i + 1];
    if (b.rfind(".B ", 0) != 0) continue;
    std::string key = Unroff(b.substr(3));
    bool has_default =
        i + 2 < lines.size() && lines[i + 2].rfind("Default: ", 0) == 0;
    if (!has_default) {
      if (std::regex_match(key, kKeyShape))
        errors->push_back("entry '" + key + "' has no 'Default:' line");
      continue;
    }
    std::string value = lines[i + 2].substr(std::string("Default: ").size());
    if (value.empty() || value.back() != '.') {
      errors->push_back("entry '" + key +
                        "': the Default line must end with '.'");
      continue;
    }
    value.pop_back();
    if (value == "none") {
      value.clear();
    } else {
      if (value.rfind("\\fB", 0) != 0 || value.size() < 6 ||
          value.compare(value.size() - 3, 3, "\\fR") != 0) {
        errors->push_back("entry '" + key +
                          "': write the default as \\fBvalue\\fR or 'none'");
      }
      value = Unroff(value);
    }
    ManEntry e{key, value, section_title, ""};
    for (size_t j = i + 3; j < lines.size(); ++j) {
      const std::string& l = lines[j];
      if (l == ".TP" || l.rfind(".SS", 0) == 0 || l.rfind(".SH", 0) == 0) break;
      e.text += Unroff(l) + "\n";
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

class ConfigDocsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ReadSourceFile("man/waymark.conf.5", &man_))
        << "cannot read " << SourcePath("man/waymark.conf.5")
        << " (run from the repository root or set WAYMARK_SOURCE_DIR)";
    ASSERT_TRUE(ReadSourceFile("man/waymark.conf.example", &example_))
        << "cannot read " << SourcePath("man/waymark.conf.example");
  }
  std::string man_;
  std::string example_;
};

TEST_F(ConfigDocsTest, ManPageListsEveryKeyInTableOrderWithItsDefault) {
  std::vector<std::string> errors;
  std::vector<ManEntry> entries = ParseManEntries(man_, &errors);
  EXPECT_EQ(errors, std::vector<std::string>{});

  std::vector<std::string> documented;
  for (const auto& e : entries) documented.push_back(e.key);
  EXPECT_EQ(documented, TableKeys())
      << "man/waymark.conf.5 must document every key of OptionTable() "
         "(src/core/config_options.inc), once each, in table order";

  for (const auto& e : entries) {
    const OptionSpec* spec = FindOption(e.key);
    if (!spec) continue;  // reported above
    EXPECT_EQ(e.default_value, spec->default_value)
        << "default of " << e.key << " in man/waymark.conf.5";
  }
}

TEST_F(ConfigDocsTest, ManPageSaysHowEachKeyReloadsAndRepeats) {
  std::vector<std::string> errors;
  for (const auto& e : ParseManEntries(man_, &errors)) {
    const OptionSpec* spec = FindOption(e.key);
    if (!spec) continue;
    bool says_reload = e.text.find("Reloaded on SIGHUP") != std::string::npos;
    bool says_restart = e.text.find("Needs a restart") != std::string::npos;
    if (spec->reloadable) {
      EXPECT_TRUE(says_reload && !says_restart)
          << e.key
          << " is reloadable: its entry must say \"Reloaded on SIGHUP.\"";
    } else {
      EXPECT_TRUE(says_restart && !says_reload)
          << e.key
          << " is not reloadable: its entry must say \"Needs a restart.\"";
    }
    bool says_repeat = e.text.find("may be repeated") != std::string::npos;
    EXPECT_EQ(says_repeat, spec->multi)
        << e.key << ": only keys marked multi say \"may be repeated\"";
    std::string section = std::string(e.key).substr(0, e.key.find('.'));
    EXPECT_NE(e.section_title.find(section), std::string::npos)
        << e.key << " is documented under '" << e.section_title << "'";
  }
}

// ---------------------------------------------------------------------------
// (b) man/waymark.conf.example

// A key line of the example: "# name = value", "#name = value" or
// "name = value". Examples inside comments are indented ("#   name = ...") so
// that they do not count.
const std::regex& ExampleKeyLine() {
  static const std::regex re(R"(^(# ?)?([A-Za-z_][A-Za-z0-9_]*) =(?: (.*))?$)");
  return re;
}

struct ExampleKey {
  std::string key;
  std::string value;
  int line;
};

std::vector<ExampleKey> ParseExample(const std::string& text) {
  static const std::regex kSection(R"(^\[([A-Za-z0-9_.]+)\]\s*$)");
  std::vector<ExampleKey> keys;
  std::string section;
  int lineno = 0;
  for (const std::string& line : Lines(text)) {
    ++lineno;
    std::smatch m;
    if (std::regex_match(line, m, kSection)) {
      section = m[1];
    } else if (std::regex_match(line, m, ExampleKeyLine())) {
      std::string name = m[2];
      std::string value = m[3];
      keys.push_back(
          {section.empty() ? name : section + "." + name, value, lineno});
    }
  }
  return keys;
}

TEST_F(ConfigDocsTest, ExampleShowsEveryKeyOnceInTableOrderWithItsDefault) {
  std::vector<ExampleKey> keys = ParseExample(example_);
  std::vector<std::string> shown;
  std::map<std::string, int> first_line;
  for (const auto& k : keys) {
    shown.push_back(k.key);
    auto [it, inserted] = first_line.emplace(k.key, k.line);
    EXPECT_TRUE(inserted) << "man/waymark.conf.example:" << k.line << ": '"
                          << k.key << "' is shown twice (first at line "
                          << it->second << ")";
  }
  EXPECT_EQ(shown, TableKeys())
      << "man/waymark.conf.example must show every key of OptionTable() as "
         "'# name = default', in table order";
  for (const auto& k : keys) {
    const OptionSpec* spec = FindOption(k.key);
    if (!spec) continue;
    EXPECT_EQ(k.value, spec->default_value)
        << "man/waymark.conf.example:" << k.line << ": value of " << k.key;
  }
}

// ---------------------------------------------------------------------------
// (c) the example loads, commented and uncommented

// The example with its "# name = value" lines uncommented. Lines of keys that
// have no default ("# mmdb =") stay commented: an empty value is not a
// setting.
std::string UncommentExample(const std::string& text) {
  std::string out;
  for (const std::string& line : Lines(text)) {
    std::smatch m;
    if (line.rfind("# ", 0) == 0 &&
        std::regex_match(line, m, ExampleKeyLine()) && m[1].length() > 0 &&
        m[3].length() > 0) {
      out += line.substr(2) + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

void ExpectDefaults(const Config& config) {
  Config defaults = Config::Defaults();
  // Every key's raw values: a ListKey of each id reads them whatever the type.
  for (size_t i = 0; i < OptionTable().size(); ++i) {
    ListKey key{static_cast<OptionId>(i)};
    EXPECT_EQ(config.GetList(key), defaults.GetList(key))
        << OptionTable()[i].key;
  }
}

TEST_F(ConfigDocsTest, ExampleLoadsAsIs) {
  Values values;
  Status s = ParseConfigText(example_, "man/waymark.conf.example", &values);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(values, Values{});

  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Config config;
  s = LoadConfig({dir.Write("waymark.conf", example_), true}, {}, &config);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectDefaults(config);
}

TEST_F(ConfigDocsTest, UncommentedExampleLoadsAndYieldsTheDefaults) {
  std::string text = UncommentExample(example_);
  ASSERT_NE(text, example_) << "no '# name = value' line to uncomment";
  Values values;
  Status s = ParseConfigText(text, "uncommented example", &values);
  ASSERT_TRUE(s.ok()) << s.message();
  Values expected;
  for (const auto& spec : OptionTable())
    if (*spec.default_value) expected[spec.key] = {spec.default_value};
  EXPECT_EQ(values, expected);

  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Config config;
  s = LoadConfig({dir.Write("waymark.conf", text), true}, {}, &config);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectDefaults(config);
}

// ---------------------------------------------------------------------------
// (d) parser errors and accepted values, exact texts

struct BadText {
  const char* what;
  const char* text;
  const char* error;
};

TEST(ConfigParseTest, RejectsWithExactMessages) {
  const BadText kCases[] = {
      {"unknown key with suggestion", "[redirector]\nworkerz = 3\n",
       "/x.conf:2: unknown key 'redirector.workerz' (did you mean "
       "'redirector.workers'?)"},
      {"unknown key without suggestion", "[mirrors]\nlist = x\n",
       "/x.conf:2: unknown key 'mirrors.list'"},
      {"unknown key in a known section", "# c\n[redirector]\nfrobnicate = 1\n",
       "/x.conf:3: unknown key 'redirector.frobnicate'"},
      {"bad int", "[redirector]\nworkers = abc\n",
       "/x.conf:2: bad value 'abc' for 'redirector.workers': expected an "
       "integer from 1 to 1024"},
      {"int below range", "[redirector]\nworkers = 0\n",
       "/x.conf:2: bad value '0' for 'redirector.workers': expected an "
       "integer from 1 to 1024"},
      {"int above range", "[redirector]\n\nworkers = 1025\n",
       "/x.conf:3: bad value '1025' for 'redirector.workers': expected an "
       "integer from 1 to 1024"},
      {"empty int", "[redirector]\nworkers =\n",
       "/x.conf:2: bad value '' for 'redirector.workers': expected an "
       "integer from 1 to 1024"},
      {"bad listen", "[redirector]\nlisten = localhost\n",
       "/x.conf:2: bad value 'localhost' for 'redirector.listen': expected "
       "unix:/path/to/socket or host:port"},
      {"bad listen port", "[redirector]\nlisten = 127.0.0.1:70000\n",
       "/x.conf:2: bad value '127.0.0.1:70000' for 'redirector.listen': "
       "expected unix:/path/to/socket or host:port"},
      {"relative unix socket", "[redirector]\nlisten = unix:run/x.sock\n",
       "/x.conf:2: bad value 'unix:run/x.sock' for 'redirector.listen': "
       "expected unix:/path/to/socket or host:port"},
      {"bad fallback scheme", "[redirector]\nfallback = ftp://x.org/ CA\n",
       "/x.conf:2: bad value 'ftp://x.org/ CA' for 'redirector.fallback': "
       "expected an http(s) URL, optionally followed by a country and a "
       "continent code"},
      {"bad fallback country", "[redirector]\nfallback = https://x.org/ CAN\n",
       "/x.conf:2: bad value 'https://x.org/ CAN' for 'redirector.fallback': "
       "expected an http(s) URL, optionally followed by a country and a "
       "continent code"},
      {"bad log level", "[log]\nlevel = loud\n",
       "/x.conf:2: bad value 'loud' for 'log.level': expected error, warning, "
       "info or debug"},
      {"key given twice", "[database]\ndsn = a\n\n[database]\ndsn = b\n",
       "/x.conf:5: key 'database.dsn' is given twice (first at /x.conf:2)"},
      {"junk line", "[redirector]\nworkers = 2\njunk\n",
       "/x.conf:3: expected 'key = value' or '[section]', got 'junk'"},
      {"line without a key", "[redirector]\n= 2\n",
       "/x.conf:2: expected 'key = value' or '[section]', got '= 2'"},
      {"bad section header", "[redirector\nworkers = 2\n",
       "/x.conf:1: bad section header '[redirector'"},
      {"empty section header", "[]\n", "/x.conf:1: bad section header '[]'"},
      {"key outside any section", "workers = 4\n",
       "/x.conf:1: unknown key 'workers' (did you mean 'redirector.workers'?)"},
      {"key in the wrong section", "[redirector]\nlevel = debug\n",
       "/x.conf:2: unknown key 'redirector.level' (did you mean 'log.level'?)"},
      {"doubled bracket", "[redirector]]\nworkers = 2\n",
       "/x.conf:1: bad section header '[redirector]]'"},
      {"dotted section", "[redirector.]\nworkers = 2\n",
       "/x.conf:1: bad section header '[redirector.]'"},
      {"IPv6 listen without brackets", "[redirector]\nlisten = ::1:9000\n",
       "/x.conf:2: bad value '::1:9000' for 'redirector.listen': expected "
       "unix:/path/to/socket or host:port"},
      {"fallback without host", "[redirector]\nfallback = https://\n",
       "/x.conf:2: bad value 'https://' for 'redirector.fallback': "
       "expected an http(s) URL, optionally followed by a country and a "
       "continent code"},
      {"control bytes stay on one line", "[log]\nlevel = a\x01z\n",
       "/x.conf:2: bad value 'a\\x01z' for 'log.level': expected error, "
       "warning, info or debug"},
  };
  for (const auto& c : kCases) {
    Values values;
    Status s = ParseConfigText(c.text, "/x.conf", &values);
    EXPECT_FALSE(s.ok()) << c.what;
    EXPECT_TRUE(s.IsInvalidArgument()) << c.what;
    EXPECT_EQ(s.ExitCode(), 2) << c.what;
    EXPECT_EQ(s.message(), c.error) << c.what;
  }
}

struct GoodText {
  const char* text;
  const char* key;
  std::vector<std::string> values;
};

TEST(ConfigParseTest, AcceptsValidValues) {
  const GoodText kCases[] = {
      {"[redirector]\nlisten = unix:/run/x.sock\n",
       "redirector.listen",
       {"unix:/run/x.sock"}},
      {"[redirector]\nlisten = 127.0.0.1:9000\n",
       "redirector.listen",
       {"127.0.0.1:9000"}},
      {"[redirector]\nlisten = [::1]:9000\n",
       "redirector.listen",
       {"[::1]:9000"}},
      {"[redirector]\nlisten = localhost:9000\n",
       "redirector.listen",
       {"localhost:9000"}},
      {"[redirector]\nfallback = https://x.org/m/ CA NA\n",
       "redirector.fallback",
       {"https://x.org/m/ CA NA"}},
      {"[redirector]\nfallback = http://x.org/m/\nfallback = https://y.org/ "
       "DE\n",
       "redirector.fallback",
       {"http://x.org/m/", "https://y.org/ DE"}},
      {"[redirector]\nworkers = 1024\n", "redirector.workers", {"1024"}},
      {"[redirector]\n  workers=1   # one is enough\n",
       "redirector.workers",
       {"1"}},
      {"# only a comment\n\n[database]\ndsn = host=db dbname=waymark\n",
       "database.dsn",
       {"host=db dbname=waymark"}},
      {"[database]\r\ndsn = dbname=w\r\n", "database.dsn", {"dbname=w"}},
      {"[geoip]\nmmdb = /a.mmdb\nmmdb = /b.mmdb\n",
       "geoip.mmdb",
       {"/a.mmdb", "/b.mmdb"}},
      {"[log]\nlevel = debug\n", "log.level", {"debug"}},
  };
  for (const auto& c : kCases) {
    Values values;
    Status s = ParseConfigText(c.text, "/x.conf", &values);
    ASSERT_TRUE(s.ok()) << c.text << ": " << s.message();
    EXPECT_EQ(values, (Values{{c.key, c.values}})) << c.text;
  }
}

// Types no key of the table uses yet are checked on a stand-in key, and
// through the file parser on the first table key of that type, if any.
struct TypedValue {
  OptionType type;
  const char* value;
  const char* why;  // "" when the value is valid
};

TEST(ConfigParseTest, ValidatesEveryValueType) {
  const char kDuration[] = "expected a duration such as 90, 90s, 15m, 2h or 1d";
  const char kSize[] =
      "expected a size in bytes such as 1048576, 512K, 100M or 2G";
  const char kMode[] = "expected an octal mode from 0000 to 0777 such as 0660";
  const TypedValue kCases[] = {
      {OptionType::kBool, "yes", ""},
      {OptionType::kBool, "Off", ""},
      {OptionType::kBool, "0", ""},
      {OptionType::kBool, "maybe", "expected true or false"},
      {OptionType::kBool, "", "expected true or false"},
      {OptionType::kDuration, "90", ""},
      {OptionType::kDuration, "90s", ""},
      {OptionType::kDuration, "15m", ""},
      {OptionType::kDuration, "2h", ""},
      {OptionType::kDuration, "1d", ""},
      {OptionType::kDuration, "soon", kDuration},
      {OptionType::kDuration, "15x", kDuration},
      {OptionType::kDuration, "1.5h", kDuration},
      {OptionType::kDuration, "-5m", kDuration},
      {OptionType::kDuration, "m", kDuration},
      {OptionType::kSize, "1048576", ""},
      {OptionType::kSize, "512K", ""},
      {OptionType::kSize, "100M", ""},
      {OptionType::kSize, "2G", ""},
      {OptionType::kSize, "1T", ""},
      {OptionType::kSize, "big", kSize},
      {OptionType::kSize, "2GB", kSize},
      {OptionType::kSize, "99999999999T", kSize},
      {OptionType::kFileMode, "0660", ""},
      {OptionType::kFileMode, "660", ""},
      {OptionType::kFileMode, "0", ""},
      {OptionType::kFileMode, "0777", ""},
      {OptionType::kFileMode, "0666x", kMode},
      {OptionType::kFileMode, "0680", kMode},
      {OptionType::kFileMode, "4755", kMode},
      {OptionType::kFileMode, "00660", kMode},
      {OptionType::kFileMode, "", kMode},
  };
  for (const auto& c : kCases) {
    OptionSpec stand_in{"test.key", c.type, "", false, true, "", 0, 0};
    std::string why;
    bool ok = ValidateOptionValue(stand_in, c.value, &why);
    EXPECT_EQ(ok, *c.why == '\0') << c.value;
    if (!ok) {
      EXPECT_EQ(why, c.why) << c.value;
    }

    const OptionSpec* real = nullptr;
    for (const auto& spec : OptionTable())
      if (spec.type == c.type && !real) real = &spec;
    if (!real) continue;
    std::string key = real->key;
    std::string text = "[" + key.substr(0, key.find('.')) + "]\n" +
                       key.substr(key.find('.') + 1) + " = " + c.value + "\n";
    Values values;
    Status s = ParseConfigText(text, "/x.conf", &values);
    if (*c.why == '\0') {
      EXPECT_TRUE(s.ok()) << text << s.message();
    } else {
      EXPECT_EQ(s.message(), "/x.conf:2: bad value '" + std::string(c.value) +
                                 "' for '" + key + "': " + c.why);
    }
  }
}

TEST(ConfigParseTest, ParsesDurationsAndSizes) {
  EXPECT_EQ(ParseDurationSeconds("90"), 90);
  EXPECT_EQ(ParseDurationSeconds("90s"), 90);
  EXPECT_EQ(ParseDurationSeconds("15m"), 900);
  EXPECT_EQ(ParseDurationSeconds("2h"), 7200);
  EXPECT_EQ(ParseDurationSeconds("1d"), 86400);
  EXPECT_EQ(ParseSizeBytes("1048576"), 1048576);
  EXPECT_EQ(ParseSizeBytes("512K"), 512 * 1024);
  EXPECT_EQ(ParseSizeBytes("100M"), 100LL * 1024 * 1024);
  EXPECT_EQ(ParseSizeBytes("2G"), 2LL * 1024 * 1024 * 1024);
  EXPECT_TRUE(ParseBoolValue("yes"));
  EXPECT_TRUE(ParseBoolValue("ON"));
  EXPECT_FALSE(ParseBoolValue("off"));
  EXPECT_EQ(ParseFileMode("0660"), 0660u);
  EXPECT_EQ(ParseFileMode("750"), 0750u);
}

// ---------------------------------------------------------------------------
// LoadConfig: where the file comes from, and the command line on top of it

TEST(ConfigLoadTest, CommandLineBeatsTheFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string file =
      dir.Write("waymark.conf",
                "[redirector]\nworkers = 8\nfallback = https://a.org/ CA NA\n"
                "fallback = https://b.org/\n[log]\nlevel = debug\n");
  Config config;
  Status s = LoadConfig({file, true},
                        {{"redirector.workers", {"16"}},
                         {"redirector.fallback", {"https://c.org/ DE EU"}}},
                        &config);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(config.file(), file);
  EXPECT_EQ(config.GetInt(keys::kRedirectorWorkers), 16);
  // A multi key given on the command line replaces the file's whole list.
  EXPECT_EQ(config.GetList(keys::kRedirectorFallback),
            std::vector<std::string>{"https://c.org/ DE EU"});
  // Keys not on the command line keep the file's value, or the default.
  EXPECT_EQ(config.GetString(keys::kLogLevel), "debug");
  EXPECT_EQ(config.GetString(keys::kDatabaseDsn), "dbname=waymark");
  EXPECT_EQ(config.GetList(keys::kGeoipMmdb), std::vector<std::string>{});
}

TEST(ConfigLoadTest, FileValuesReplaceDefaults) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string file = dir.Write(
      "waymark.conf",
      "[geoip]\nmmdb = /a.mmdb\nmmdb = /b.mmdb\n[redirector]\nworkers = 2\n");
  Config config;
  Status s = LoadConfig({file, true}, {}, &config);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(config.GetList(keys::kGeoipMmdb),
            (std::vector<std::string>{"/a.mmdb", "/b.mmdb"}));
  EXPECT_EQ(config.GetInt(keys::kRedirectorWorkers), 2);
  EXPECT_EQ(config.GetString(keys::kRedirectorListen),
            "unix:/run/waymark/redirector.sock");
}

// A key an older version read loads with a warning naming what replaced
// it, and changes nothing.
TEST(ConfigLoadTest, ARetiredKeyLoadsWithAWarning) {
  TempDir dir;
  std::string file = dir.Write(
      "waymark.conf", "[redirector]\nworkers = 2\nstats_max_pending = 5\n");
  Config config;
  Status s = LoadConfig({file, true}, {}, &config);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(config.GetInt(keys::kRedirectorWorkers), 2);
  EXPECT_EQ(config.GetSizeBytes(keys::kRedirectorStatsMaxPendingBytes),
            32 << 20);
  EXPECT_EQ(
      config.warnings(),
      (std::vector<std::string>{
          file + ":3: redirector.stats_max_pending is retired and ignored; "
                 "pending download counts are bounded in bytes now: "
                 "redirector.stats_max_pending_bytes"}));
  // Only in the file: on the command line it is unknown, as any other.
  s = LoadConfig({file, true}, {{"redirector.stats_max_pending", {"5"}}},
                 &config);
  EXPECT_FALSE(s.ok());
}

TEST(ConfigLoadTest, ReadsTypedValues) {
  Config config;
  Status s = LoadConfig({"/nonexistent/waymark.conf", false},
                        {{"redirector.max_lag", {"2h"}},
                         {"redirector.min_size", {"3M"}},
                         {"redirector.http_to_https", {"no"}}},
                        &config);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(config.GetDurationSeconds(keys::kRedirectorMaxLag), 7200);
  EXPECT_EQ(config.GetSizeBytes(keys::kRedirectorMinSize), 3 << 20);
  EXPECT_FALSE(config.GetBool(keys::kRedirectorHttpToHttps));
  EXPECT_EQ(config.GetString(keys::kRedirectorLocalLocation), "");
  EXPECT_EQ(config.GetSizeBytes(keys::kRepositoryPieceSize), 4 << 20)
      << "the default";
}

// A reload keeps what needs a restart and names what it kept.
TEST(ConfigLoadTest, KeepRestartOnlyValuesNamesWhatItKept) {
  Config running;
  ASSERT_TRUE(LoadConfig({"/nonexistent/waymark.conf", false},
                         {{"log.file", {"/var/log/a.log"}}}, &running)
                  .ok());
  Config next;
  ASSERT_TRUE(LoadConfig({"/nonexistent/waymark.conf", false},
                         {{"redirector.listen", {"127.0.0.1:9000"}},
                          {"redirector.workers", {"9"}},
                          {"log.file", {"/var/log/a.log"}}},
                         &next)
                  .ok());
  std::vector<Config::Kept> kept = next.KeepRestartOnlyValues(running);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].key, "redirector.listen");
  EXPECT_EQ(kept[0].running, "unix:/run/waymark/redirector.sock");
  EXPECT_EQ(next.GetString(keys::kRedirectorListen),
            "unix:/run/waymark/redirector.sock");
  EXPECT_EQ(next.GetInt(keys::kRedirectorWorkers), 9)
      << "reloadable: the new value";
  EXPECT_EQ(next.GetString(keys::kLogFile), "/var/log/a.log");
  EXPECT_TRUE(next.KeepRestartOnlyValues(running).empty())
      << "nothing left to keep";
}

TEST(ConfigLoadTest, ReportsErrorsWithExactMessages) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string good = dir.Write("good.conf", "[redirector]\nworkers = 8\n");
  std::string bad = dir.Write("bad.conf", "[redirector]\n\nworkers = many\n");
  struct Case {
    const char* what;
    ConfigSource source;
    Values cli;
    std::string error;
  };
  const Case kCases[] = {
      {"bad value in the file",
       {bad, true},
       {},
       bad + ":3: bad value 'many' for 'redirector.workers': expected an "
             "integer from 1 to 1024"},
      {"bad value on the command line",
       {good, true},
       {{"redirector.workers", {"x"}}},
       "--redirector.workers: bad value 'x': expected an integer from 1 to "
       "1024"},
      {"bad multi value on the command line",
       {good, true},
       {{"redirector.fallback", {"https://a.org/", "nope"}}},
       "--redirector.fallback: bad value 'nope': expected an http(s) URL, "
       "optionally followed by a country and a continent code"},
      {"single key given twice on the command line",
       {good, true},
       {{"redirector.workers", {"2", "3"}}},
       "--redirector.workers: given 2 times; it takes one value"},
      {"unknown key on the command line",
       {good, true},
       {{"redirector.workerz", {"2"}}},
       "--redirector.workerz: unknown key 'redirector.workerz' (did you mean "
       "'--redirector.workers'?)"},
      {"missing required file",
       {dir.path() + "/absent.conf", true},
       {},
       dir.path() + "/absent.conf: cannot open the config file: No such file "
                    "or directory"},
  };
  for (const auto& c : kCases) {
    Config config;
    Status s = LoadConfig(c.source, c.cli, &config);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.what;
    EXPECT_EQ(s.ExitCode(), 2) << c.what;
    EXPECT_EQ(s.message(), c.error) << c.what;
  }
}

TEST(ConfigLoadTest, AbsentDefaultFileIsFine) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Config config;
  Status s = LoadConfig({dir.path() + "/absent.conf", false},
                        {{"log.level", {"warning"}}}, &config);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(config.file(), "");
  EXPECT_EQ(config.GetString(keys::kLogLevel), "warning");
  EXPECT_EQ(config.GetInt(keys::kRedirectorWorkers), 4);
}

// Sets or unsets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::string old_;
  bool had_ = false;
};

TEST(ConfigLoadTest, ResolvesTheConfigFile) {
  {
    ScopedEnv env("WAYMARK_CONFIG", nullptr);
    ConfigSource s = ResolveConfigSource("");
    EXPECT_EQ(s.path, "/etc/waymark/waymark.conf");
    EXPECT_FALSE(s.required);
    s = ResolveConfigSource("/a.conf");
    EXPECT_EQ(s.path, "/a.conf");
    EXPECT_TRUE(s.required);
  }
  {
    ScopedEnv env("WAYMARK_CONFIG", "/env.conf");
    ConfigSource s = ResolveConfigSource("");
    EXPECT_EQ(s.path, "/env.conf");
    EXPECT_TRUE(s.required);
    s = ResolveConfigSource("/a.conf");  // -c beats the environment
    EXPECT_EQ(s.path, "/a.conf");
    EXPECT_TRUE(s.required);
  }
  {
    ScopedEnv env("WAYMARK_CONFIG", "");  // empty counts as unset
    EXPECT_EQ(ResolveConfigSource("").path, "/etc/waymark/waymark.conf");
  }
}

// Known bugs in config.cc, kept here as regression tests to enable once fixed.

// Boost does not trim the name inside "[ redirector ]", while the line index
// does: the key becomes " redirector .workers" and the error has no line.
TEST(ConfigParseTest, SectionNameWithSpacesIsTrimmed) {
  Values values;
  Status s =
      ParseConfigText("[ redirector ]\nworkers = 3\n", "/x.conf", &values);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(values, (Values{{"redirector.workers", {"3"}}}));
}

// A directory opens as a stream and reads as an empty file, so `-c /etc`
// silently runs on the defaults.
TEST(ConfigLoadTest, DirectoryAsConfigFileIsAnError) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  Config config;
  Status s = LoadConfig({dir.path(), true}, {}, &config);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message().rfind(dir.path() + ": ", 0), 0u) << s.message();
}

// ---------------------------------------------------------------------------
// (d) Every key is read by some program

// The constant of each key, from the same list the table is made of.
std::vector<std::pair<std::string, std::string>> KeyConstants() {
  return {
#define WAYMARK_OPTION(constant, key, ...) {#constant, key},
#define WAYMARK_INT_OPTION(constant, key, ...) {#constant, key},
#include "core/config_options.inc"
#undef WAYMARK_OPTION
#undef WAYMARK_INT_OPTION
  };
}

// The code of the programs: src/ without tests and without the config
// module itself (which names every key).
std::string ProgramSources() {
  namespace fs = std::filesystem;
  std::string code;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(SourcePath("src"), ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool source =
        name.size() > 3 && (name.compare(name.size() - 3, 3, ".cc") == 0 ||
                            name.compare(name.size() - 2, 2, ".h") == 0);
    if (!source || name.find("_test.") != std::string::npos ||
        name.rfind("config", 0) == 0)
      continue;
    std::ifstream in(it->path());
    std::stringstream buf;
    buf << in.rdbuf();
    code += buf.str();
  }
  return code;
}

// Whether `code` holds `word` not followed by another identifier character.
bool HasWord(const std::string& code, const std::string& word) {
  for (size_t at = code.find(word); at != std::string::npos;
       at = code.find(word, at + 1)) {
    size_t end = at + word.size();
    if (end == code.size() ||
        !(std::isalnum(static_cast<unsigned char>(code[end])) ||
          code[end] == '_'))
      return true;
  }
  return false;
}

TEST(ConfigKeysTest, EveryKeyIsReadByAProgram) {
  std::string code = ProgramSources();
  ASSERT_NE(code.find("keys::kDatabaseDsn"), std::string::npos)
      << "cannot read the sources under " << SourcePath("src")
      << " (run from the repository root or set WAYMARK_SOURCE_DIR)";
  std::vector<std::pair<std::string, std::string>> constants = KeyConstants();
  ASSERT_EQ(constants.size(), OptionTable().size());
  std::vector<std::string> unread;
  for (const auto& [constant, key] : constants) {
    if (!HasWord(code, "keys::" + constant)) unread.push_back(key);
  }
  EXPECT_EQ(unread, std::vector<std::string>{})
      << "keys of the option table that no program reads: read them, or drop "
         "them from "
         "src/core/config_options.inc, man/waymark.conf.5 and "
         "man/waymark.conf.example";
}

}  // namespace
}  // namespace waymark
