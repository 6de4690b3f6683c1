// waymark-scan: scans the repository and the mirrors (not yet built).
#include "core/program.h"

int main(int argc, char** argv) {
  return waymark::RunUnavailableProgram(
      "waymark-scan", "waymark-scan [OPTIONS] (--repository | --all | NAME...)",
      "Scans the local repository (with hashes) and mirrors over rsync, FTP and HTTP.",
      argc, argv);
}
