#include "core/program.h"

#include <iostream>

#include <boost/program_options/value_semantic.hpp>

#include "core/command_line.h"

namespace po = boost::program_options;

namespace waymark {

std::string VersionLine(const std::string& program) {
  return program + " " + WAYMARK_VERSION;
}

int ReportError(const std::string& program, const Status& s) {
  std::cerr << program << ": " << s.message() << "\n";
  return s.ExitCode();
}

int RunUnavailableProgram(const std::string& program, const std::string& usage,
                          const std::string& summary, int argc, char** argv) {
  po::options_description own;
  own.add_options()("help,h", "show this help and exit")(
      "version,V", "show the version and exit");
  CommandLine cl;
  std::vector<std::string> args(argv + 1, argv + argc);
  Status s = ParseCommandLine(args, own, -1, &cl);
  if (!s.ok()) return ReportError(program, s);
  if (cl.Has("help")) {
    std::cout << HelpText("Usage: " + usage + "\n" + summary, own);
    return 0;
  }
  if (cl.Has("version")) {
    std::cout << VersionLine(program) << "\n";
    return 0;
  }
  return ReportError(program, Status::FailedPrecondition(
                                  "not available in this version of waymark "
                                  "(only --help and --version work)"));
}

}  // namespace waymark
