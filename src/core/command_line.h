// Command-line parsing shared by the binaries: a binary's own options, plus
// -c/--config FILE and one --section.key option per waymark.conf key, plus
// positional arguments. Boost exceptions stay in command_line.cc.
#ifndef WAYMARK_CORE_COMMAND_LINE_H_
#define WAYMARK_CORE_COMMAND_LINE_H_

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace waymark {

struct CommandLine {
  boost::program_options::variables_map options;  // the binary's own options
  std::vector<std::string> positional;
  std::string config_path;  // -c/--config, "" when not given
  std::map<std::string, std::vector<std::string>> config_values;

  bool Has(const std::string& name) const { return options.count(name) > 0; }
  std::string Get(const std::string& name) const;
};

// Parses `args` (without the program name). `own` holds the binary's
// options; positionals are allowed up to `max_positional` (-1: any).
// Errors are one line: "unknown option '--fo' (did you mean '--foo'?)".
Status ParseCommandLine(const std::vector<std::string>& args,
                        const boost::program_options::options_description& own,
                        int max_positional, CommandLine* out);

// ParseCommandLine's result turned into a Config (file + command line).
Status LoadConfigFor(const CommandLine& cl, Config* config);

// --help text for a binary: usage line, its own options and all config keys.
std::string HelpText(const std::string& usage,
                     const boost::program_options::options_description& own);

}  // namespace waymark

#endif  // WAYMARK_CORE_COMMAND_LINE_H_
