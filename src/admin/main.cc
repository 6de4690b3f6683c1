// waymark: the admin tool. Thin main: everything is in the command table.
#include <exception>
#include <iostream>

#include "admin/command.h"

int main(int argc, char** argv) {
  try {
    return waymark::RunAdmin(std::vector<std::string>(argv + 1, argv + argc),
                             std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "waymark: internal error: " << e.what() << "\n";
    return 1;
  }
}
