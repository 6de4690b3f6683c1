// waymark.conf: the one configuration shared by every waymark binary.
//
// Every key is declared once, in the option table (config_options.cc), with
// its type, default, help text and whether SIGHUP may change it in a running
// redirector. From that table come: the INI file parser (Boost
// .Program_options), the `--section.key=value` command-line options, --help,
// and the tests that keep man/waymark.conf.5 and man/waymark.conf.example
// true.
//
// The file is found at -c/--config FILE, else $WAYMARK_CONFIG, else
// /etc/waymark/waymark.conf (which may be absent; the other two may not).
// A key on the command line beats the same key in the file.
#ifndef WAYMARK_CORE_CONFIG_H_
#define WAYMARK_CORE_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include <boost/program_options/options_description.hpp>

#include "core/status.h"

namespace waymark {

enum class OptionType {
  kString,
  kInt,       // decimal integer within [min, max]
  kBool,      // true/false, yes/no, on/off, 1/0
  kDuration,  // seconds, or a number with s, m, h or d: "90", "15m", "1d"
  kSize,      // bytes, or a number with K, M, G or T (powers of 1024)
  kListen,    // "unix:/path" or "host:port" ("[v6addr]:port" for IPv6)
  kFallback,  // "URL [COUNTRY [CONTINENT]]"
  kLogLevel,  // error, warning, info, debug
};

struct OptionSpec {
  const char* key;            // "section.name"
  OptionType type;
  const char* default_value;  // as written in the file; "" means no default
  bool multi;                 // the key may be given more than once
  bool reloadable;            // SIGHUP applies a change without a restart
  const char* help;           // one sentence for --help
  long long min = 0;          // kInt bounds
  long long max = 0;
};

// The option table, in the order of man/waymark.conf.5.
const std::vector<OptionSpec>& OptionTable();
const OptionSpec* FindOption(const std::string& key);

// Checks one value against its key's type. On failure `why` says what was
// expected ("expected an integer from 1 to 1024").
bool ValidateOptionValue(const OptionSpec& spec, const std::string& value,
                         std::string* why);

// Parsed forms of the typed values (the value must have passed validation).
long long ParseDurationSeconds(const std::string& value);
long long ParseSizeBytes(const std::string& value);
bool ParseBoolValue(const std::string& value);

// The effective configuration: every key of the table with its value(s),
// defaults filled in.
class Config {
 public:
  // Accessors abort on a key that is not in the table (a programming error).
  const std::string& GetString(const std::string& key) const;
  long long GetInt(const std::string& key) const;
  bool GetBool(const std::string& key) const;
  long long GetDurationSeconds(const std::string& key) const;
  long long GetSizeBytes(const std::string& key) const;
  const std::vector<std::string>& GetList(const std::string& key) const;

  // The file the values came from, "" when none was read.
  const std::string& file() const { return file_; }

  // A Config holding only the defaults.
  static Config Defaults();

 private:
  friend class ConfigLoader;
  const std::vector<std::string>& Values(const std::string& key) const;

  std::map<std::string, std::vector<std::string>> values_;
  std::string file_;
};

// Adds one `--section.key` option per table entry to `desc` (used for both
// command-line parsing and --help).
void AddConfigOptions(boost::program_options::options_description* desc);

// Where the config file comes from.
struct ConfigSource {
  std::string path;      // resolved path
  bool required = true;  // false only for the built-in default path
};
// -c/--config value if non-empty, else $WAYMARK_CONFIG, else the default.
ConfigSource ResolveConfigSource(const std::string& cli_path);

// Reads `source` (if present) and overlays `cli_values` (key -> values given
// on the command line). Errors are one line:
//   "/etc/waymark/waymark.conf:12: unknown key 'redirector.foo' (did you mean 'redirector.workers'?)"
//   "--redirector.workers: bad value 'x': expected an integer from 1 to 1024"
Status LoadConfig(const ConfigSource& source,
                  const std::map<std::string, std::vector<std::string>>& cli_values,
                  Config* out);

// Parses INI text (the file at `name`) without touching the filesystem; used
// by LoadConfig and by tests.
Status ParseConfigText(const std::string& text, const std::string& name,
                       std::map<std::string, std::vector<std::string>>* values);

}  // namespace waymark

#endif  // WAYMARK_CORE_CONFIG_H_
