// waymark-trace: stamps the origin's trace file, and checks every mirror's
// trace file and health (see src/trace/trace_checker.h). Exit status: 0 all
// checks passed and every mirror is fresh, 1 a check failed or a mirror is
// stale, 2 bad command line or configuration, 3 the check could not run.
#include <boost/program_options/value_semantic.hpp>
#include <exception>
#include <iostream>
#include <memory>

#include "core/clock.h"
#include "core/command_line.h"
#include "core/log.h"
#include "core/program.h"
#include "core/store/db.h"
#include "trace/trace_checker.h"
#include "trace/trace_file.h"
#include "trace/trace_report.h"

namespace po = boost::program_options;

namespace {

const char kName[] = "waymark-trace";

int Fail(const waymark::Status& s, int code) {
  waymark::ReportError(kName, s);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  waymark::InitLog(kName, waymark::LogStyle::kTool);
  try {
    po::options_description own = waymark::ProgramOptions();
    own.add_options()("all", "check every enabled mirror")(
        "stamp", "write the current time to the origin's trace file")(
        "json", "print the results as JSON")(
        "quiet,q", "print only changes of state (for cron mail)");
    waymark::CommandLine cl;
    if (std::optional<int> done =
            waymark::StartProgram(kName,
                                  "Usage: waymark-trace [-c FILE] [--json | "
                                  "-q] (--stamp | --all | NAME...)\n"
                                  "Stamps the origin's trace file; checks each "
                                  "mirror's trace file and health.",
                                  own, -1, argc, argv, &cl))
      return *done;
    bool check = cl.Has("all") || !cl.positional.empty();
    if (cl.Has("all") && !cl.positional.empty())
      return waymark::ReportError(kName,
                                  waymark::Status::InvalidArgument(
                                      "give --all or mirror names, not both"));
    if (!check && !cl.Has("stamp"))
      return waymark::ReportError(
          kName,
          waymark::Status::InvalidArgument(
              "say what to do: --stamp, --all, or mirror names (see --help)"));
    waymark::Config config;
    waymark::Status s = waymark::LoadConfigFor(cl, &config);
    if (!s.ok()) return waymark::ReportError(kName, s);
    waymark::SetLogLevel(config);

    waymark::SystemClock clock;
    waymark::TraceOptions options;
    s = waymark::TraceOptions::FromConfig(config, &options);
    if (!s.ok()) return waymark::ReportError(kName, s);
    if (cl.Has("stamp")) {
      s = waymark::StampTraceFile(options.trace_path, clock.Now());
      if (!s.ok()) return waymark::ReportError(kName, s);
      if (!check) return 0;
    }

    std::unique_ptr<waymark::Database> db;
    s = waymark::OpenForWriting(config, &db);
    if (!s.ok()) return Fail(s, 3);
    waymark::TraceChecker checker(db.get(), options, &clock);
    waymark::TraceReport report;
    s = checker.Run(cl.positional, &report);
    if (!s.ok())
      return Fail(s, s.IsInvalidArgument() ? 2 : s.IsNotFound() ? 2 : 3);
    if (cl.Has("json")) {
      waymark::PrintTraceJson(report, std::cout);
    } else if (cl.Has("quiet")) {
      waymark::PrintTraceChanges(report, std::cout);
    } else {
      waymark::PrintTraceSummary(report, std::cout);
    }
    return report.AnyFailed() ? 1 : 0;
  } catch (const std::exception& e) {
    waymark::LogError(std::string("internal error: ") + e.what());
    return 3;
  }
}
