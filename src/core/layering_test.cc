// Keeps the layers of src/ (README, Layout) apart, by reading the #include
// lines of every source file, followed through the headers of src/:
//   - only core/store/, the binaries' folders (admin, redirector, scan,
//     trace) and tests reach libpqxx;
//   - core/model/ is pure: it reaches no store, no network (core/net,
//     libcurl), no GeoIP reader (core/geo/geoip.h, libmaxminddb, libloc),
//     no Boost and no libpqxx;
//   - nothing in core/ reaches a binary's folder;
//   - the base helpers (src/core/*.h, *.cc) reach no store.
// A failure names the file, the offending include and the headers it came
// through. The sources are found under $WAYMARK_SOURCE_DIR, else the
// current directory (tests/run starts from the repository root).
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace waymark {
namespace {

// Each file ("src/core/x.h") with its includes as written: "\"core/y.h\""
// or "<pqxx/pqxx>".
using SourceTree = std::map<std::string, std::vector<std::string>>;

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> IncludesOf(std::istream& in) {
  static const std::regex kInclude(R"re(^\s*#\s*include\s*([<"][^>"]+[>"]))re");
  std::vector<std::string> out;
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, m, kInclude)) out.push_back(m[1]);
  return out;
}

SourceTree ReadSourceTree() {
  namespace fs = std::filesystem;
  const char* dir = std::getenv("WAYMARK_SOURCE_DIR");
  fs::path root = (dir && *dir) ? dir : ".";
  SourceTree tree;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root / "src", ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    std::ifstream in(it->path());
    tree[it->path().lexically_relative(root).generic_string()] = IncludesOf(in);
  }
  return tree;
}

struct Rule {
  std::string files;  // a prefix of the files it applies to, under src/
  bool base_only;     // only files directly in that folder
  std::vector<std::string> allowed;    // prefixes of files it exempts
  std::vector<std::string> forbidden;  // prefixes of includes as written
  std::string why;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = {
      {"src/",
       false,
       {"src/core/store/", "src/admin/", "src/redirector/", "src/scan/",
        "src/trace/"},
       {"<pqxx/"},
       "only core/store/ and the binaries' folders use libpqxx"},
      {"src/core/model/",
       false,
       {},
       {"\"core/store/", "\"core/net/", "\"core/geo/geoip.h\"", "<maxminddb",
        "<libloc/", "<curl/", "<boost/", "<pqxx/"},
       "core/model/ is pure: no database, network, GeoIP reader or Boost"},
      {"src/core/",
       false,
       {},
       {"\"scan/", "\"trace/", "\"redirector/", "\"admin/"},
       "core/ serves the binaries and includes none of their folders"},
      {"src/core/",
       true,
       {},
       {"\"core/store/"},
       "the base helpers of core/ do not talk to PostgreSQL"},
  };
  return kRules;
}

bool Applies(const Rule& rule, const std::string& file) {
  if (!StartsWith(file, rule.files)) return false;
  if (rule.base_only && file.find('/', rule.files.size()) != std::string::npos)
    return false;
  for (const auto& a : rule.allowed)
    if (StartsWith(file, a)) return false;
  return true;
}

// Every include `file` reaches through the headers of the tree, each with
// the headers it came through ("" when `file` includes it itself).
std::map<std::string, std::string> Reach(const SourceTree& tree,
                                         const std::string& file) {
  std::map<std::string, std::string> reached;
  std::deque<std::pair<std::string, std::string>> todo{{file, ""}};
  std::set<std::string> seen{file};
  while (!todo.empty()) {
    auto [at, via] = todo.front();
    todo.pop_front();
    auto it = tree.find(at);
    if (it == tree.end()) continue;
    for (const auto& inc : it->second) {
      reached.emplace(inc, via);
      if (inc[0] != '"') continue;
      std::string header = "src/" + inc.substr(1, inc.size() - 2);
      if (seen.insert(header).second) {
        std::string name = header.substr(4);
        todo.emplace_back(header, via.empty() ? name : via + " -> " + name);
      }
    }
  }
  return reached;
}

// One line per broken rule: "FILE includes INCLUDE (via A -> B): WHY".
std::vector<std::string> Violations(const SourceTree& tree) {
  std::vector<std::string> out;
  for (const auto& [file, includes] : tree) {
    if (file.find("_test.") != std::string::npos &&
        !StartsWith(file, "src/core/model/"))
      continue;  // tests may set up what they test with anything
    std::map<std::string, std::string> reached;
    for (const Rule& rule : Rules()) {
      if (!Applies(rule, file)) continue;
      if (reached.empty()) reached = Reach(tree, file);
      for (const auto& [inc, via] : reached)
        for (const auto& bad : rule.forbidden)
          if (StartsWith(inc, bad))
            out.push_back(file + " includes " + inc +
                          (via.empty() ? "" : " (via " + via + ")") + ": " +
                          rule.why);
    }
  }
  return out;
}

TEST(LayeringTest, TheSourceTreeKeepsItsLayers) {
  SourceTree tree = ReadSourceTree();
  ASSERT_TRUE(tree.count("src/core/store/db.h"))
      << "cannot read the sources (run from the repository root or set "
         "WAYMARK_SOURCE_DIR)";
  ASSERT_GT(tree.size(), 100u);
  for (const auto& v : Violations(tree)) ADD_FAILURE() << v;
}

// The checks can fail, with the message that names the culprit.
TEST(LayeringTest, NamesTheFileTheIncludeAndTheWay) {
  SourceTree tree = {
      {"src/core/model/pure.h", {"<string>", "\"core/model/near.h\""}},
      {"src/core/model/near.h", {"\"core/store/db.h\""}},
      {"src/core/store/db.h", {"<pqxx/pqxx>"}},
      {"src/core/model/pure_test.cc",
       {"\"core/model/pure.h\"", "<gtest/gtest.h>"}},
      {"src/core/geo/where.cc", {"<maxminddb.h>", "\"redirector/handler.h\""}},
      {"src/core/strings.cc", {"\"core/store/db.h\""}},
      {"src/redirector/handler.h", {"<pqxx/pqxx>", "\"core/store/db.h\""}},
      {"src/scan/scan_test.cc", {"<pqxx/pqxx>"}},
  };
  EXPECT_EQ(
      Violations(tree),
      (std::vector<std::string>{
          "src/core/geo/where.cc includes <pqxx/pqxx> (via "
          "redirector/handler.h): "
          "only core/store/ and the binaries' folders use libpqxx",
          "src/core/geo/where.cc includes \"redirector/handler.h\": "
          "core/ serves the binaries and includes none of their folders",
          "src/core/model/near.h includes <pqxx/pqxx> (via core/store/db.h): "
          "only core/store/ and the binaries' folders use libpqxx",
          "src/core/model/near.h includes \"core/store/db.h\": "
          "core/model/ is pure: no database, network, GeoIP reader or Boost",
          "src/core/model/near.h includes <pqxx/pqxx> (via core/store/db.h): "
          "core/model/ is pure: no database, network, GeoIP reader or Boost",
          "src/core/model/pure.h includes <pqxx/pqxx> (via core/model/near.h "
          "-> "
          "core/store/db.h): only core/store/ and the binaries' folders use "
          "libpqxx",
          "src/core/model/pure.h includes \"core/store/db.h\" (via "
          "core/model/near.h): "
          "core/model/ is pure: no database, network, GeoIP reader or Boost",
          "src/core/model/pure.h includes <pqxx/pqxx> (via core/model/near.h "
          "-> "
          "core/store/db.h): core/model/ is pure: no database, network, GeoIP "
          "reader or "
          "Boost",
          "src/core/model/pure_test.cc includes <pqxx/pqxx> (via "
          "core/model/pure.h -> "
          "core/model/near.h -> core/store/db.h): only core/store/ and the "
          "binaries' "
          "folders use libpqxx",
          "src/core/model/pure_test.cc includes \"core/store/db.h\" (via "
          "core/model/pure.h "
          "-> core/model/near.h): core/model/ is pure: no database, network, "
          "GeoIP reader "
          "or Boost",
          "src/core/model/pure_test.cc includes <pqxx/pqxx> (via "
          "core/model/pure.h -> "
          "core/model/near.h -> core/store/db.h): core/model/ is pure: no "
          "database, "
          "network, GeoIP reader or Boost",
          "src/core/strings.cc includes <pqxx/pqxx> (via core/store/db.h): "
          "only "
          "core/store/ and the binaries' folders use libpqxx",
          "src/core/strings.cc includes \"core/store/db.h\": the base helpers "
          "of core/ do "
          "not talk to PostgreSQL",
      }));
}

}  // namespace
}  // namespace waymark
