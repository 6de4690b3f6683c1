// README.md as tests read it: its sections and their fenced and inline code,
// so that the tests run the very text a reader follows (DemoTest,
// ReadmeProductionTest) and README and tests cannot drift apart.
#ifndef WAYMARK_TESTS_HARNESS_README_H_
#define WAYMARK_TESTS_HARNESS_README_H_

#include <string>
#include <vector>

namespace waymark {
namespace test {

// SourceDir()/README.md.
std::string ReadmeText();

// The text under the first heading line that starts with `heading` (say
// "### 3." or "## Upgrading"), up to the next heading of the same or a higher
// level; "" when there is no such heading.
std::string ReadmeSection(const std::string& readme,
                          const std::string& heading);

// The contents of the fenced blocks of `text` whose info string is `info`
// ("console", "sh", "ini"; "" for a fence without one), in order, without
// the fences.
std::vector<std::string> FencedBlocks(const std::string& text,
                                      const std::string& info);

// The inline code spans of `text` outside fenced blocks (`like this`), in
// order.
std::vector<std::string> InlineCode(const std::string& text);

// The command lines of a console or sh block: blank lines and lines that
// hold only a comment are left out; a line's trailing comment stays (the
// shell ignores it).
std::vector<std::string> CommandLines(const std::string& block);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_README_H_
