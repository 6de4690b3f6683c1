// What the installed man pages and files say about where things are, for
// the tests of the two installs (InstallTest: `make install`;
// DebianPackageTest: the package), which check that each install's pages
// name its own paths and that those exist.
#ifndef WAYMARK_TESTS_HARNESS_INSTALLED_FILES_H_
#define WAYMARK_TESTS_HARNESS_INSTALLED_FILES_H_

#include <string>
#include <vector>

namespace waymark {
namespace test {

// The absolute paths `text` names (a man page's roff source, with its
// escaped hyphens, a unit file, a cron file, SQL comments) that lie in one
// of `dirs` (say "/usr/share/waymark"), each once, sorted, without the
// punctuation that ends a sentence.
std::vector<std::string> PathsNamed(const std::string& text,
                                    const std::vector<std::string>& dirs);

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_INSTALLED_FILES_H_
