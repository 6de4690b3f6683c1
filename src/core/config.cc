#include "core/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/strings.h"
#include "core/url.h"

namespace po = boost::program_options;

namespace waymark {

const OptionSpec* FindOption(const std::string& key) {
  for (const auto& spec : OptionTable()) {
    if (key == spec.key) return &spec;
  }
  return nullptr;
}

namespace {

const char kDefaultConfigPath[] = "/etc/waymark/waymark.conf";

std::vector<std::string> AllKeys() {
  std::vector<std::string> keys;
  for (const auto& spec : OptionTable()) keys.emplace_back(spec.key);
  return keys;
}

// A number followed by an optional unit letter from `units` with the given
// multipliers; used by durations and sizes.
bool ParseScaled(const std::string& value, const char* units,
                 const long long* factors, long long* out) {
  if (value.empty()) return false;
  std::string digits = value;
  long long factor = 1;
  char last = value.back();
  for (int i = 0; units[i]; ++i) {
    if (last == units[i] || last == std::tolower(units[i])) {
      factor = factors[i];
      digits.pop_back();
      break;
    }
  }
  long long n;
  if (!ParseInt64(digits, &n) || n < 0) return false;
  if (n > (1LL << 62) / factor) return false;
  *out = n * factor;
  return true;
}

bool ValidListen(const std::string& v) {
  if (StartsWith(v, "unix:")) return v.size() > 5 && v[5] == '/';
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = v.substr(0, colon);
  long long port;
  if (!ParseInt64(v.substr(colon + 1), &port) || port < 1 || port > 65535)
    return false;
  if (host.front() == '[') {
    return host.back() == ']' && IsValidHost(host.substr(1, host.size() - 2)) &&
           host.find(':') != std::string::npos;
  }
  return host.find(':') == std::string::npos && IsValidHost(host);
}

// One to four octal digits, at most 0777: permission bits only (no setuid,
// setgid or sticky bit, which mean nothing on a socket).
bool ValidFileMode(const std::string& v) {
  if (v.empty() || v.size() > 4) return false;
  for (char c : v)
    if (c < '0' || c > '7') return false;
  return std::strtoul(v.c_str(), nullptr, 8) <= 0777;
}

bool ValidFallback(const std::string& v) {
  auto parts = SplitWhitespace(v);
  if (parts.empty() || parts.size() > 3) return false;
  BaseUrl url;
  std::string scheme = StartsWith(parts[0], "https://") ? "https" : "http";
  if (!ParseBaseUrl(parts[0], scheme, "", &url).ok()) return false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() != 2 ||
        !std::isalpha(static_cast<unsigned char>(parts[i][0])) ||
        !std::isalpha(static_cast<unsigned char>(parts[i][1])))
      return false;
  }
  return true;
}

}  // namespace

long long ParseDurationSeconds(const std::string& value) {
  static const long long f[] = {1, 60, 3600, 86400};
  long long out = 0;
  ParseScaled(value, "SMHD", f, &out);
  return out;
}

long long ParseSizeBytes(const std::string& value) {
  static const long long f[] = {1LL << 10, 1LL << 20, 1LL << 30, 1LL << 40};
  long long out = 0;
  ParseScaled(value, "KMGT", f, &out);
  return out;
}

bool ParseBoolValue(const std::string& value) {
  std::string v = ToLower(value);
  return v == "true" || v == "yes" || v == "on" || v == "1";
}

unsigned ParseFileMode(const std::string& value) {
  return static_cast<unsigned>(std::strtoul(value.c_str(), nullptr, 8));
}

bool ValidateOptionValue(const OptionSpec& spec, const std::string& value,
                         std::string* why) {
  long long n;
  switch (spec.type) {
    case OptionType::kString:
      if (value.find_first_of(std::string("\0\r\n", 3)) != std::string::npos) {
        *why = "control characters are not allowed";
        return false;
      }
      return true;
    case OptionType::kInt:
      if (!ParseInt64(value, &n) || n < spec.min || n > spec.max) {
        *why = "expected an integer from " + std::to_string(spec.min) + " to " +
               std::to_string(spec.max);
        return false;
      }
      return true;
    case OptionType::kBool: {
      std::string v = ToLower(value);
      for (const char* ok :
           {"true", "false", "yes", "no", "on", "off", "1", "0"})
        if (v == ok) return true;
      *why = "expected true or false";
      return false;
    }
    case OptionType::kDuration: {
      static const long long f[] = {1, 60, 3600, 86400};
      if (!ParseScaled(value, "SMHD", f, &n)) {
        *why = "expected a duration such as 90, 90s, 15m, 2h or 1d";
        return false;
      }
      return true;
    }
    case OptionType::kSize: {
      static const long long f[] = {1LL << 10, 1LL << 20, 1LL << 30, 1LL << 40};
      if (!ParseScaled(value, "KMGT", f, &n)) {
        *why = "expected a size in bytes such as 1048576, 512K, 100M or 2G";
        return false;
      }
      return true;
    }
    case OptionType::kListen:
      if (!ValidListen(value)) {
        *why = "expected unix:/path/to/socket or host:port";
        return false;
      }
      return true;
    case OptionType::kFallback:
      if (!ValidFallback(value)) {
        *why =
            "expected an http(s) URL, optionally followed by a country and a "
            "continent code";
        return false;
      }
      return true;
    case OptionType::kLogLevel:
      for (const char* ok : {"error", "warning", "info", "debug"})
        if (value == ok) return true;
      *why = "expected error, warning, info or debug";
      return false;
    case OptionType::kFileMode:
      if (!ValidFileMode(value)) {
        *why = "expected an octal mode from 0000 to 0777 such as 0660";
        return false;
      }
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Config

const char* KeyName(OptionId id) {
  return OptionTable()[static_cast<size_t>(id)].key;
}

namespace {

size_t IndexOf(const OptionSpec* spec) {
  return static_cast<size_t>(spec - OptionTable().data());
}

}  // namespace

const std::vector<std::string>& Config::Values(OptionId id) const {
  return values_.at(static_cast<size_t>(id));
}

const std::string& Config::GetString(StringKey key) const {
  static const std::string kEmpty;
  const auto& v = Values(key.id);
  return v.empty() ? kEmpty : v.back();
}

long long Config::GetInt(IntKey key) const {
  long long n = 0;
  ParseInt64(GetString(StringKey{key.id}), &n);
  return n;
}

bool Config::GetBool(BoolKey key) const {
  return ParseBoolValue(GetString(StringKey{key.id}));
}

long long Config::GetDurationSeconds(DurationKey key) const {
  return ParseDurationSeconds(GetString(StringKey{key.id}));
}

long long Config::GetSizeBytes(SizeKey key) const {
  return ParseSizeBytes(GetString(StringKey{key.id}));
}

const std::vector<std::string>& Config::GetList(ListKey key) const {
  return Values(key.id);
}

std::vector<Config::Kept> Config::KeepRestartOnlyValues(const Config& running) {
  std::vector<Kept> changed;
  const auto& table = OptionTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].reloadable || values_[i] == running.values_[i]) continue;
    values_[i] = running.values_[i];
    changed.push_back({table[i].key, Join(running.values_[i], ", ")});
  }
  return changed;
}

Config::Config() {
  for (const auto& spec : OptionTable()) {
    auto& v = values_.emplace_back();
    if (*spec.default_value) v.emplace_back(spec.default_value);
  }
}

Config Config::Defaults() { return Config(); }

class ConfigLoader {
 public:
  static void Set(Config* c, const std::string& key,
                  std::vector<std::string> values) {
    c->values_[IndexOf(FindOption(key))] = std::move(values);
  }
  static void SetFile(Config* c, const std::string& file) { c->file_ = file; }
  static void AddWarning(Config* c, std::string w) {
    c->warnings_.push_back(std::move(w));
  }
};

// ---------------------------------------------------------------------------
// Loading

void AddConfigOptions(po::options_description* desc) {
  for (const auto& spec : OptionTable()) {
    std::string help = spec.help;
    if (*spec.default_value)
      help += std::string(" [") + spec.default_value + "]";
    if (spec.multi) help += " (may repeat)";
    desc->add_options()(spec.key, po::value<std::vector<std::string>>(),
                        help.c_str());
  }
}

ConfigSource ResolveConfigSource(const std::string& cli_path) {
  if (!cli_path.empty()) return {cli_path, true};
  const char* env = std::getenv("WAYMARK_CONFIG");
  if (env && *env) return {env, true};
  return {kDefaultConfigPath, false};
}

namespace {

// Where each key occurrence sits in the file. Boost's parser reports no line
// numbers, so this scan mirrors its rules (sections, '#' comments, key =
// value) only to point error messages at a line, and to report lines Boost
// would reject with a line number.
struct LineIndex {
  std::map<std::string, std::vector<int>> key_lines;
  // The text handed to Boost: section headers trimmed ("[ log ]" -> "[log]"),
  // which Boost would otherwise take literally.
  std::string normalised;
};

bool ValidSectionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

Status IndexLines(const std::string& text, const std::string& name,
                  LineIndex* index) {
  std::istringstream in(text);
  std::string raw, section;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    std::string line(raw);
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::string_view t = Trim(line);
    if (t.empty()) {
      index->normalised += "\n";
      continue;
    }
    if (t.front() == '[') {
      std::string_view inner = t.back() == ']' && t.size() >= 2
                                   ? Trim(t.substr(1, t.size() - 2))
                                   : "";
      if (!ValidSectionName(inner)) {
        return Status::InvalidArgument(name + ":" + std::to_string(lineno) +
                                       ": bad section header '" + Printable(t) +
                                       "'");
      }
      section = std::string(inner);
      index->normalised += "[" + section + "]\n";
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string_view::npos || Trim(t.substr(0, eq)).empty()) {
      return Status::InvalidArgument(
          name + ":" + std::to_string(lineno) +
          ": expected 'key = value' or '[section]', got '" + Printable(t) +
          "'");
    }
    std::string key(Trim(t.substr(0, eq)));
    if (!section.empty()) key = section + "." + key;
    index->key_lines[key].push_back(lineno);
    index->normalised += raw + "\n";
  }
  return Status::OK();
}

std::string UnknownKeyMessage(const std::string& where, const std::string& key,
                              const std::string& dash) {
  std::string msg = where + ": unknown key '" + Printable(key) + "'";
  // A known name in the wrong section ("workers" before any section,
  // "redirector.level") points at where it lives; else the closest spelling.
  std::string hint;
  std::string leaf = key.substr(key.rfind('.') + 1);
  for (const auto& k : AllKeys()) {
    if (k.substr(k.find('.') + 1) == leaf) hint = k;
  }
  if (hint.empty()) hint = SuggestClosest(key, AllKeys());
  if (!hint.empty()) msg += " (did you mean '" + dash + hint + "'?)";
  return msg;
}

}  // namespace

namespace {

// Keys older versions read and this one does not: a file that still sets
// one loads, with a warning that says what took its place.
struct RetiredKey {
  const char* key;
  const char* instead;
};
constexpr RetiredKey kRetiredKeys[] = {
    {"redirector.stats_max_pending",
     "pending download counts are bounded in bytes now: "
     "redirector.stats_max_pending_bytes"},
};

const RetiredKey* FindRetired(const std::string& key) {
  for (const RetiredKey& r : kRetiredKeys)
    if (key == r.key) return &r;
  return nullptr;
}

}  // namespace

Status ParseConfigText(
    const std::string& text, const std::string& name,
    std::map<std::string, std::vector<std::string>>* values) {
  return ParseConfigText(text, name, values, nullptr);
}

Status ParseConfigText(const std::string& text, const std::string& name,
                       std::map<std::string, std::vector<std::string>>* values,
                       std::vector<std::string>* warnings) {
  LineIndex index;
  Status s = IndexLines(text, name, &index);
  if (!s.ok()) return s;
  auto where = [&](const std::string& key, size_t occurrence) {
    auto it = index.key_lines.find(key);
    if (it == index.key_lines.end() || it->second.empty()) return name;
    size_t i = std::min(occurrence, it->second.size() - 1);
    return name + ":" + std::to_string(it->second[i]);
  };

  po::options_description desc;
  for (const auto& spec : OptionTable())
    desc.add_options()(spec.key, po::value<std::vector<std::string>>());
  for (const RetiredKey& r : kRetiredKeys)
    desc.add_options()(r.key, po::value<std::vector<std::string>>());
  po::parsed_options parsed(&desc);
  try {
    std::istringstream in(index.normalised);
    parsed = po::parse_config_file(in, desc, /*allow_unregistered=*/false);
  } catch (const po::unknown_option& e) {
    return Status::InvalidArgument(UnknownKeyMessage(
        where(e.get_option_name(), 0), e.get_option_name(), ""));
  } catch (const po::error& e) {
    return Status::InvalidArgument(name + ": " + e.what());
  }

  std::map<std::string, size_t> seen;
  for (const auto& opt : parsed.options) {
    const std::string& key = opt.string_key;
    const OptionSpec* spec = FindOption(key);
    size_t occurrence = seen[key]++;
    if (const RetiredKey* r = FindRetired(key)) {
      if (warnings)
        warnings->push_back(where(key, occurrence) + ": " + key +
                            " is retired and ignored; " + r->instead);
      continue;
    }
    if (!spec)
      return Status::InvalidArgument(
          UnknownKeyMessage(where(key, occurrence), key, ""));
    std::string value = opt.value.empty() ? "" : opt.value.front();
    if (!spec->multi && occurrence > 0) {
      return Status::InvalidArgument(where(key, occurrence) + ": key '" + key +
                                     "' is given twice (first at " +
                                     where(key, 0) + ")");
    }
    std::string why;
    if (!ValidateOptionValue(*spec, value, &why)) {
      return Status::InvalidArgument(where(key, occurrence) + ": bad value '" +
                                     Printable(value) + "' for '" + key +
                                     "': " + why);
    }
    (*values)[key].push_back(value);
  }
  return Status::OK();
}

Status LoadConfig(
    const ConfigSource& source,
    const std::map<std::string, std::vector<std::string>>& cli_values,
    Config* out) {
  Config config = Config::Defaults();
  std::map<std::string, std::vector<std::string>> file_values;
  struct stat st;
  bool exists = stat(source.path.c_str(), &st) == 0;
  int stat_errno = errno;
  if (exists && S_ISDIR(st.st_mode))
    return Status::InvalidArgument(
        source.path + ": cannot read the config file: Is a directory");
  // Only the built-in default path may be absent; anything else that cannot
  // be read is an error, so a typo never silently runs on defaults.
  if (!exists && (source.required || stat_errno != ENOENT)) {
    return Status::InvalidArgument(
        source.path +
        ": cannot open the config file: " + std::strerror(stat_errno));
  }
  std::ifstream in(source.path);
  if (exists && !in) {
    return Status::InvalidArgument(
        source.path + ": cannot open the config file: " + std::strerror(errno));
  }
  if (exists) {
    std::stringstream buf;
    buf << in.rdbuf();
    if (in.bad())
      return Status::InvalidArgument(source.path + ": cannot read the file");
    std::vector<std::string> warnings;
    Status s = ParseConfigText(buf.str(), source.path, &file_values, &warnings);
    if (!s.ok()) return s;
    ConfigLoader::SetFile(&config, source.path);
    for (std::string& w : warnings)
      ConfigLoader::AddWarning(&config, std::move(w));
  }
  for (auto& [key, values] : file_values)
    ConfigLoader::Set(&config, key, values);

  for (const auto& [key, values] : cli_values) {
    const OptionSpec* spec = FindOption(key);
    if (!spec)
      return Status::InvalidArgument(UnknownKeyMessage("--" + key, key, "--"));
    if (!spec->multi && values.size() > 1) {
      return Status::InvalidArgument("--" + key + ": given " +
                                     std::to_string(values.size()) +
                                     " times; it takes one value");
    }
    for (const auto& value : values) {
      std::string why;
      if (!ValidateOptionValue(*spec, value, &why)) {
        return Status::InvalidArgument("--" + key + ": bad value '" +
                                       Printable(value) + "': " + why);
      }
    }
    ConfigLoader::Set(&config, key, values);
  }
  *out = std::move(config);
  return Status::OK();
}

}  // namespace waymark
