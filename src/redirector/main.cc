// waymark-redirector: the prefork FastCGI redirector behind nginx.
#include <boost/program_options/value_semantic.hpp>
#include <exception>
#include <iostream>

#include "core/command_line.h"
#include "core/log.h"
#include "core/program.h"
#include "redirector/server.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  const std::string kName = "waymark-redirector";
  waymark::InitLog(kName, waymark::LogStyle::kTool);
  try {
    po::options_description own = waymark::ProgramOptions();
    own.add_options()("foreground,f",
                      "stay in the foreground (as under systemd)")(
        "test-config,t",
        "check the configuration, database and GeoIP files, then exit");
    waymark::CommandLine cl;
    if (std::optional<int> done = waymark::StartProgram(
            kName,
            "Usage: waymark-redirector [-c FILE] [-f] [-t]\n"
            "Prefork FastCGI daemon that redirects each download to the best "
            "mirror.",
            own, 0, argc, argv, &cl))
      return *done;
    waymark::Config config;
    waymark::Status s = waymark::LoadConfigFor(cl, &config);
    if (!s.ok()) return waymark::ReportError(kName, s);
    if (cl.Has("test-config")) {
      std::string report;
      s = waymark::TestConfig(config, &report);
      std::cout << report;
      if (!s.ok()) return waymark::ReportError(kName, s);
      std::cout << kName << ": the configuration is ok\n";
      return 0;
    }
    waymark::ServerOptions options;
    options.command_line = cl;
    options.foreground = cl.Has("foreground");
    options.pidfile = config.GetString(waymark::keys::kRedirectorPidfile);
    return waymark::RunServer(options, config);
  } catch (const std::exception& e) {
    waymark::LogError(std::string("internal error: ") + e.what());
    return 1;
  }
}
