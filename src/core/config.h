// waymark.conf: the one configuration shared by every waymark binary.
//
// Every key is declared once, in the option table (config_options.inc), with
// its type, default, help text and whether SIGHUP may change it in a running
// redirector. From that table come: the INI file parser (Boost
// .Program_options), the `--section.key=value` command-line options, --help,
// one typed constant per key in namespace `keys` (the only way code reads a
// value, so a misspelt key or a wrong type does not compile), and the tests
// that keep man/waymark.conf.5 and man/waymark.conf.example true.
//
// Any code may include this header and read the Config it is handed; the
// binaries load one (LoadConfigFor in core/command_line.h).
//
// The file is found at -c/--config FILE, else $WAYMARK_CONFIG, else
// /etc/waymark/waymark.conf (which may be absent; the other two may not).
// A key on the command line beats the same key in the file.
#ifndef WAYMARK_CORE_CONFIG_H_
#define WAYMARK_CORE_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

// Declared, not included: only the command line (command_line.cc) hands
// Boost an options_description, and code that just reads a Config, pure
// code among it, compiles without Boost.
namespace boost::program_options {
class options_description;
}  // namespace boost::program_options

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
  kFileMode,  // octal permission bits, "0660" (at most 0777)
};

// Whether a key may be given more than once.
enum class Repeat { kOnce, kMulti };
// What SIGHUP does to a changed key in a running redirector.
enum class OnHup { kReload, kRestart };

// One id per key, in table order: OptionTable()[static_cast<int>(id)].
enum class OptionId : int {
#define WAYMARK_OPTION(constant, ...) constant,
#define WAYMARK_INT_OPTION(constant, ...) constant,
#include "core/config_options.inc"
#undef WAYMARK_OPTION
#undef WAYMARK_INT_OPTION
};

struct OptionSpec {
  const char* key;  // "section.name"
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
// "section.key", for messages about a key.
const char* KeyName(OptionId id);

// Checks one value against its key's type. On failure `why` says what was
// expected ("expected an integer from 1 to 1024").
bool ValidateOptionValue(const OptionSpec& spec, const std::string& value,
                         std::string* why);

// Parsed forms of the typed values (the value must have passed validation).
long long ParseDurationSeconds(const std::string& value);
long long ParseSizeBytes(const std::string& value);
bool ParseBoolValue(const std::string& value);
// The permission bits of a kFileMode value: "0660" -> 0660.
unsigned ParseFileMode(const std::string& value);

// A key as code names it, typed by what reading it yields. Use the constants
// in namespace `keys`, never an id of your own: the constant's type follows
// the table, so GetInt(keys::kDatabaseDsn) does not compile.
struct StringKey {
  OptionId id;
};  // kString, kListen, kLogLevel, kFileMode
struct IntKey {
  OptionId id;
};  // kInt
struct BoolKey {
  OptionId id;
};  // kBool
struct DurationKey {
  OptionId id;
};  // kDuration, read in seconds
struct SizeKey {
  OptionId id;
};  // kSize, read in bytes
struct ListKey {
  OptionId id;
};  // any key that may repeat

namespace config_internal {
template <OptionType kType, Repeat kRepeat>
struct KeyOf {
  using Type = StringKey;
};
template <OptionType kType>
struct KeyOf<kType, Repeat::kMulti> {
  using Type = ListKey;
};
template <>
struct KeyOf<OptionType::kInt, Repeat::kOnce> {
  using Type = IntKey;
};
template <>
struct KeyOf<OptionType::kBool, Repeat::kOnce> {
  using Type = BoolKey;
};
template <>
struct KeyOf<OptionType::kDuration, Repeat::kOnce> {
  using Type = DurationKey;
};
template <>
struct KeyOf<OptionType::kSize, Repeat::kOnce> {
  using Type = SizeKey;
};
}  // namespace config_internal

// keys::kRedirectorWorkers for redirector.workers, and so on: one constant
// per entry of config_options.inc.
namespace keys {
#define WAYMARK_OPTION(constant, key, option_type, default_value, repeat, ...) \
  inline constexpr config_internal::KeyOf<OptionType::option_type,             \
                                          Repeat::repeat>::Type constant{      \
      OptionId::constant};
#define WAYMARK_INT_OPTION(constant, key, default_value, repeat, ...)     \
  inline constexpr config_internal::KeyOf<OptionType::kInt,               \
                                          Repeat::repeat>::Type constant{ \
      OptionId::constant};
#include "core/config_options.inc"
#undef WAYMARK_OPTION
#undef WAYMARK_INT_OPTION
}  // namespace keys

// The effective configuration: every key of the table with its value(s),
// defaults filled in.
class Config {
 public:
  // Only the defaults, as Defaults().
  Config();

  // The value of a key; GetString of a key without a value is "".
  const std::string& GetString(StringKey key) const;
  long long GetInt(IntKey key) const;
  bool GetBool(BoolKey key) const;
  long long GetDurationSeconds(DurationKey key) const;
  long long GetSizeBytes(SizeKey key) const;
  const std::vector<std::string>& GetList(ListKey key) const;

  // For a reload: gives every key that needs a restart (OnHup::kRestart) the
  // value(s) it has in `running`, and returns those whose value that changed,
  // in table order, for a warning.
  struct Kept {
    std::string key;      // "redirector.listen"
    std::string running;  // its running value(s), ", " between; "" for none
  };
  std::vector<Kept> KeepRestartOnlyValues(const Config& running);

  // The file the values came from, "" when none was read.
  const std::string& file() const { return file_; }
  // What the file set that this version ignores (retired keys), one line
  // each with the file and line: LoadConfigFor() logs them.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // A Config holding only the defaults.
  static Config Defaults();

 private:
  friend class ConfigLoader;
  const std::vector<std::string>& Values(OptionId id) const;

  // Indexed by OptionId.
  std::vector<std::vector<std::string>> values_;
  std::string file_;
  std::vector<std::string> warnings_;
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
//   "/etc/waymark/waymark.conf:12: unknown key 'redirector.foo' (did you mean
//   'redirector.workers'?)"
//   "--redirector.workers: bad value 'x': expected an integer from 1 to 1024"
Status LoadConfig(
    const ConfigSource& source,
    const std::map<std::string, std::vector<std::string>>& cli_values,
    Config* out);

// Parses INI text (the file at `name`) without touching the filesystem; used
// by LoadConfig and by tests.
Status ParseConfigText(const std::string& text, const std::string& name,
                       std::map<std::string, std::vector<std::string>>* values);
// The same; a retired key (one an older version read) is skipped with a
// line in `warnings` rather than refused.
Status ParseConfigText(const std::string& text, const std::string& name,
                       std::map<std::string, std::vector<std::string>>* values,
                       std::vector<std::string>* warnings);

}  // namespace waymark

#endif  // WAYMARK_CORE_CONFIG_H_
