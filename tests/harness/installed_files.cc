#include "tests/harness/installed_files.h"

#include <regex>
#include <set>

namespace waymark {
namespace test {

std::vector<std::string> PathsNamed(const std::string& text,
                                    const std::vector<std::string>& dirs) {
  const std::string plain = std::regex_replace(text, std::regex(R"(\\-)"), "-");
  static const std::regex path(R"((^|[^A-Za-z0-9_./-])(/[A-Za-z0-9_.+/-]+))");
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(plain.begin(), plain.end(), path);
       it != std::sregex_iterator(); ++it) {
    std::string p = (*it)[2];
    while (p.size() > 1 && (p.back() == '.' || p.back() == ',')) p.pop_back();
    for (const std::string& dir : dirs) {
      if (p == dir || p.rfind(dir + "/", 0) == 0) found.insert(p);
    }
  }
  return {found.begin(), found.end()};
}

}  // namespace test
}  // namespace waymark
