// Plain-text tables for terminal output: a header row and left-aligned
// columns separated by two spaces. Cells are made printable (no control
// bytes), so a hostile value cannot break the layout or the terminal.
#ifndef WAYMARK_CORE_TEXT_TABLE_H_
#define WAYMARK_CORE_TEXT_TABLE_H_

#include <ostream>
#include <string>
#include <vector>

namespace waymark {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);
  void AddRow(std::vector<std::string> cells);
  // Header, then rows; trailing spaces trimmed.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_TEXT_TABLE_H_
