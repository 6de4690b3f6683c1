#include "tests/harness/readme.h"

#include <sstream>

#include "tests/harness/geoip_fixtures.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace test {

namespace {

// The level of a markdown heading line ("### x" is 3), 0 for other lines.
size_t HeadingLevel(const std::string& line) {
  size_t n = line.find_first_not_of('#');
  if (n == 0 || n == std::string::npos || line[n] != ' ') return 0;
  return n;
}

}  // namespace

std::string ReadmeText() { return ReadFile(SourceDir() + "/README.md"); }

std::string ReadmeSection(const std::string& readme,
                          const std::string& heading) {
  std::istringstream in(readme);
  std::string line, out;
  size_t level = 0;
  bool in_fence = false;
  while (std::getline(in, line)) {
    // A '#' line inside a fence is a shell comment, not a heading.
    if (line.rfind("```", 0) == 0) in_fence = !in_fence;
    size_t h = in_fence ? 0 : HeadingLevel(line);
    if (level == 0) {
      if (h > 0 && line.rfind(heading, 0) == 0) level = h;
      continue;
    }
    if (h > 0 && h <= level) break;
    out += line + "\n";
  }
  return out;
}

std::vector<std::string> FencedBlocks(const std::string& text,
                                      const std::string& info) {
  std::vector<std::string> blocks;
  std::istringstream in(text);
  std::string line, block;
  bool in_fence = false, wanted = false;
  while (std::getline(in, line)) {
    if (!in_fence && line.rfind("```", 0) == 0) {
      in_fence = true;
      wanted = line.substr(3) == info;
      block.clear();
    } else if (in_fence && line == "```") {
      in_fence = false;
      if (wanted) blocks.push_back(block);
    } else if (in_fence) {
      block += line + "\n";
    }
  }
  return blocks;
}

std::vector<std::string> InlineCode(const std::string& text) {
  std::vector<std::string> spans;
  std::istringstream in(text);
  std::string line, prose;
  bool in_fence = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      in_fence = !in_fence;
      continue;
    }
    if (!in_fence) prose += line + "\n";
  }
  size_t pos = 0;
  while ((pos = prose.find('`', pos)) != std::string::npos) {
    size_t end = prose.find('`', pos + 1);
    if (end == std::string::npos) break;
    std::string span = prose.substr(pos + 1, end - pos - 1);
    // A span may wrap onto the next line.
    for (char& c : span) {
      if (c == '\n') c = ' ';
    }
    spans.push_back(span);
    pos = end + 1;
  }
  return spans;
}

std::vector<std::string> CommandLines(const std::string& block) {
  std::vector<std::string> lines;
  std::istringstream in(block);
  std::string line;
  while (std::getline(in, line)) {
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

}  // namespace test
}  // namespace waymark
