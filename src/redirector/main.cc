// waymark-redirector: the prefork FastCGI redirector (not yet built).
#include "core/program.h"

int main(int argc, char** argv) {
  return waymark::RunUnavailableProgram(
      "waymark-redirector", "waymark-redirector [OPTIONS]",
      "Prefork FastCGI daemon that redirects each download to the best mirror.",
      argc, argv);
}
