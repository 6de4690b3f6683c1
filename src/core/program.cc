#include "core/program.h"

#include <iostream>

#include "core/log.h"
#include "version.h"  // build/gen, from the Makefile's VERSION

namespace waymark {

std::string VersionLine(const std::string& program) {
  return program + " " + WAYMARK_VERSION;
}

int ReportError(const std::string& program, const Status& s) {
  LogAs(program, LogLevel::kError, s.message());
  return s.ExitCode();
}

boost::program_options::options_description ProgramOptions() {
  boost::program_options::options_description own;
  own.add_options()("help,h", "show this help and exit")(
      "version,V", "show the version and exit");
  return own;
}

std::optional<int> StartProgram(
    const std::string& program, const std::string& help_head,
    const boost::program_options::options_description& own, int max_positional,
    int argc, char** argv, CommandLine* cl) {
  Status s = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc),
                              own, max_positional, cl);
  if (!s.ok()) return ReportError(program, s);
  if (cl->Has("help")) {
    std::cout << HelpText(help_head, own);
    return 0;
  }
  if (cl->Has("version")) {
    std::cout << VersionLine(program) << "\n";
    return 0;
  }
  return std::nullopt;
}

}  // namespace waymark
