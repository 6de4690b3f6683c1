// waymark: the admin tool. Thin main: everything is in the command table.
#include <exception>
#include <iostream>

#include "admin/command.h"
#include "core/log.h"

int main(int argc, char** argv) {
  waymark::InitLog("waymark", waymark::LogStyle::kTool);
  try {
    return waymark::RunAdmin(std::vector<std::string>(argv + 1, argv + argc),
                             std::cout, std::cerr);
  } catch (const std::exception& e) {
    waymark::LogError(std::string("internal error: ") + e.what());
    return 1;
  }
}
