// waymark-scan: scans the origin repository (--repository) or mirrors
// (--all, NAME...). Parses the command line and the configuration, runs
// the scans beside it (repository_scan, mirror_scan) and maps the
// result to an exit status (waymark-scan(8)).
#include <unistd.h>

#include <boost/program_options/value_semantic.hpp>
#include <iostream>

#include "core/command_line.h"
#include "core/log.h"
#include "core/program.h"
#include "core/store/db.h"
#include "core/strings.h"
#include "scan/mirror_scan.h"
#include "scan/repository_scan.h"
#include "scan/scan_output.h"

namespace po = boost::program_options;

namespace waymark {
namespace {

constexpr char kProgram[] = "waymark-scan";

int RunRepository(const Config& config, const CommandLine& cl,
                  ScanOutput* out) {
  RepositoryScanOptions o;
  o.root = config.GetString(keys::kRepositoryPath);
  o.excludes = config.GetList(keys::kRepositoryExclude);
  o.hashes.piece_size = config.GetSizeBytes(keys::kRepositoryPieceSize);
  Status s =
      ParseHashList(config.GetString(keys::kRepositoryHashes), &o.hashes);
  if (!s.ok()) return ReportError(kProgram, s);
  if (o.hashes.piece_size > 0 &&
      (o.hashes.piece_size < 1024 || o.hashes.piece_size > (1LL << 30)))
    return ReportError(
        kProgram, Status::InvalidArgument(
                      "repository.piece_size: expected a size from 1K to 1G"));
  o.rehash = cl.Has("rehash");
  o.jobs = cl.Has("jobs") ? std::stoi(cl.Get("jobs"))
                          : static_cast<int>(config.GetInt(keys::kScanJobs));
  o.progress = [out](size_t done, size_t total, long long bytes) {
    out->Progress("repository", "hashed " + std::to_string(done) + "/" +
                                    std::to_string(total) + " files, " +
                                    std::to_string(bytes >> 20) + " MiB");
  };
  std::unique_ptr<Database> db;
  s = OpenForWriting(config, &db);
  if (!s.ok()) return ReportError(kProgram, s);
  RepositoryScanResult r;
  s = ScanRepository(db.get(), o, &r);
  out->Done("repository");
  if (!s.ok()) return ReportError(kProgram, s);
  std::cout << "repository: " << r.files << " files (" << r.added << " new, "
            << r.changed << " changed, " << r.removed << " removed), "
            << r.aliases << " aliases (" << r.aliases_changed << " changed), "
            << r.hashed << " hashed (" << (r.hashed_bytes >> 20) << " MiB)"
            << (r.warnings ? ", " + std::to_string(r.warnings) + " warnings"
                           : "")
            << (r.wrote ? "" : ", inventory unchanged") << "\n";
  return 0;
}

int RunMirrors(const Config& config, const CommandLine& cl, ScanOutput* out) {
  MirrorScanOptions o;
  Status s = MirrorScanOptionsFromConfig(config, &o);
  if (!s.ok()) return ReportError(kProgram, s);
  if (cl.Has("jobs")) o.jobs = std::stoi(cl.Get("jobs"));
  if (cl.Has("protocol")) {
    std::string p = cl.Get("protocol");
    if (p != "rsync" && p != "ftp" && p != "http")
      return ReportError(
          kProgram, Status::InvalidArgument("--protocol: '" + Printable(p) +
                                            "' is not rsync, ftp or http"));
    o.only_protocol = p;
  }
  o.enable = cl.Has("enable");
  if (cl.Has("listing")) {
    if (cl.Has("all") || cl.positional.size() != 1)
      return ReportError(
          kProgram,
          Status::InvalidArgument("--listing FILE goes with one mirror NAME"));
    o.listing_file = cl.Get("listing");
  }
  o.output = out;
  std::vector<MirrorScanReport> reports;
  s = ScanMirrors(WriteDsn(config),
                  cl.Has("all") ? std::vector<std::string>{} : cl.positional, o,
                  &reports);
  if (!s.ok()) return ReportError(kProgram, s);
  int failed = 0;
  for (const auto& r : reports) {
    std::cout << SummaryLine(r) << "\n";
    if (!r.ok) ++failed;
  }
  return failed ? 1 : 0;
}

int Run(int argc, char** argv) {
  InitLog(kProgram, LogStyle::kTool);
  po::options_description own = ProgramOptions();
  own.add_options()("repository",
                    "scan the origin repository (repository.path) and hash new "
                    "and changed files")(
      "rehash", "with --repository: hash every file again")(
      "all", "scan every mirror")(
      "jobs,j", po::value<std::string>(),
      "scans (or hashing threads) in parallel; default scan.jobs")(
      "protocol", po::value<std::string>(),
      "scan mirrors over this protocol only: rsync, ftp or http")(
      "enable", "enable each mirror whose scan succeeded")(
      "listing", po::value<std::string>(),
      "with one NAME: read saved 'rsync --list-only' output from FILE");
  CommandLine cl;
  if (std::optional<int> done = StartProgram(
          kProgram,
          "Usage: waymark-scan [OPTIONS] (--repository | --all | NAME...)\n"
          "Scans the origin repository (with hashes) and mirrors over rsync, "
          "FTP and HTTP.",
          own, -1, argc, argv, &cl))
    return *done;
  if (cl.Has("jobs")) {
    long long j;
    if (!ParseInt64(cl.Get("jobs"), &j) || j < 1 || j > 64)
      return ReportError(
          kProgram,
          Status::InvalidArgument("--jobs: expected an integer from 1 to 64"));
  }
  bool repo = cl.Has("repository");
  bool mirrors = cl.Has("all") || !cl.positional.empty();
  if (repo == mirrors || (cl.Has("all") && !cl.positional.empty()))
    return ReportError(
        kProgram, Status::InvalidArgument(
                      "give --repository, --all or mirror names (one of them); "
                      "see 'waymark-scan --help'"));
  if (cl.Has("rehash") && !repo)
    return ReportError(
        kProgram, Status::InvalidArgument("--rehash goes with --repository"));
  if ((cl.Has("protocol") || cl.Has("enable") || cl.Has("listing")) && repo)
    return ReportError(
        kProgram,
        Status::InvalidArgument(
            "--protocol, --enable and --listing go with mirror scans"));
  Config config;
  Status s = LoadConfigFor(cl, &config);
  if (!s.ok()) return ReportError(kProgram, s);
  SetLogLevel(config);
  ScanOutput out(isatty(2));
  return repo ? RunRepository(config, cl, &out) : RunMirrors(config, cl, &out);
}

}  // namespace
}  // namespace waymark

int main(int argc, char** argv) {
  try {
    return waymark::Run(argc, argv);
  } catch (const std::exception& e) {
    waymark::LogError(e.what());
    return 1;
  }
}
