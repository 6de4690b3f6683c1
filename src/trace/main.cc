// waymark-trace: trace-file freshness and mirror health (not yet built).
#include "core/program.h"

int main(int argc, char** argv) {
  return waymark::RunUnavailableProgram(
      "waymark-trace", "waymark-trace [OPTIONS] (--stamp | --all | NAME...)",
      "Checks each mirror's trace file and health; stamps the origin's trace file.",
      argc, argv);
}
