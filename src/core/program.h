// What every binary's main() shares: its name in messages, the start of
// its command line (-h/--help and -V/--version answered the same way
// everywhere), and the error line.
#ifndef WAYMARK_CORE_PROGRAM_H_
#define WAYMARK_CORE_PROGRAM_H_

#include <boost/program_options/options_description.hpp>
#include <optional>
#include <string>

#include "core/command_line.h"
#include "core/status.h"

namespace waymark {

// "waymark-scan 0.2.0"
std::string VersionLine(const std::string& program);

// Logs "<program>: <message>" as an error (core/log.h) and returns the exit
// code for s.
int ReportError(const std::string& program, const Status& s);

// The options every binary has, -h/--help and -V/--version; a binary adds
// its own to what this returns, so that --help lists these two first.
boost::program_options::options_description ProgramOptions();

// Parses the command line (argv without argv[0]) against `own`, which
// began as ProgramOptions(), allowing up to `max_positional` positionals
// (-1: any), and answers --help (HelpText(help_head, own)) and --version
// on stdout. Returns the exit code when main() is done: 0 after either,
// ReportError's for a bad command line; nullopt to go on with *cl.
std::optional<int> StartProgram(
    const std::string& program, const std::string& help_head,
    const boost::program_options::options_description& own, int max_positional,
    int argc, char** argv, CommandLine* cl);

}  // namespace waymark

#endif  // WAYMARK_CORE_PROGRAM_H_
