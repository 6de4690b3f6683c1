#include "trace/trace_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace waymark {
namespace {

TEST(TraceFileTest, Accepted) {
  const std::pair<std::string, long long> cases[] = {
      // date +%s, as the reference article's cron job wrote it
      {"1795074768\n", 1795074768},
      {"1795074768", 1795074768},
      {"  1795074768  \n", 1795074768},
      {"1795074768 origin.example.org\nmore lines\n", 1795074768},
      {"1\n", 1},
      {"253402300799\n", 253402300799},
      // the Debian archive's trace format (date -u)
      {"Thu Nov 19 07:52:48 UTC 2026\n", 1795074768},
      {"Thu Nov 19 07:52:48 UTC 2026\nDate: Thu, 19 Nov 2026 07:52:48 +0000\n"
       "Archive serial: 2026111901\n",
       1795074768},
      {"Thu Nov 19 07:52:48 GMT 2026", 1795074768},
      {"thu nov 19 07:52:48 utc 2026", 1795074768},
      {"Thu Feb 29 00:00:00 UTC 2024", 1709164800},
      {"Sun Mar  1 12:00:00 UTC 2026", 1772366400},
      // RFC 2822, with and without the weekday, with an offset
      {"Thu, 19 Nov 2026 07:52:48 +0000", 1795074768},
      {"19 Nov 2026 07:52:48 +0000", 1795074768},
      {"Thu, 19 Nov 2026 08:52:48 +0100", 1795074768},
      {"Thu, 19 Nov 2026 02:52:48 -0500", 1795074768},
      {"\r\n1795074768\r\n", 1795074768},
  };
  for (const auto& [in, want] : cases) {
    long long got = 0;
    Status s = ParseTraceFile(in, &got);
    ASSERT_TRUE(s.ok()) << "'" << in << "': " << s.message();
    EXPECT_EQ(got, want) << in;
  }
}

TEST(TraceFileTest, Rejected) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty trace file"},
      {"\n\n  \n", "empty trace file"},
      {"garbage", "not a trace file: 'garbage'"},
      {"<html><body>404 Not Found</body></html>",
       "not a trace file: '<html><body>404 Not Found</body></html>'"},
      {std::string(60, 'x'),
       "not a trace file: '" + std::string(40, 'x') + "...'"},
      {"0\n", "not a trace file: '0'"},
      {"-1795074768", "not a trace file: '-1795074768'"},
      {"1795074768abc", "not a trace file: '1795074768abc'"},
      {"17950747.68", "not a trace file: '17950747.68'"},
      {"9999999999999", "not a trace file: '9999999999999'"},
      {"253402300800", "not a trace file: '253402300800'"},
      {"Thu Nov 31 07:52:48 UTC 2026",
       "not a trace file: 'Thu Nov 31 07:52:48 UTC 2026'"},
      {"Thu Feb 29 07:52:48 UTC 2026",
       "not a trace file: 'Thu Feb 29 07:52:48 UTC 2026'"},
      {"Thu Nov 19 24:00:00 UTC 2026",
       "not a trace file: 'Thu Nov 19 24:00:00 UTC 2026'"},
      {"Thu Nov 19 7:52:48 UTC 2026",
       "not a trace file: 'Thu Nov 19 7:52:48 UTC 2026'"},
      {"Thu Nov 19 07:52:48 CET 2026",
       "not a trace file: 'Thu Nov 19 07:52:48 CET 2026'"},
      {"Thu Foo 19 07:52:48 UTC 2026",
       "not a trace file: 'Thu Foo 19 07:52:48 UTC 2026'"},
      {"Xyz Nov 19 07:52:48 UTC 2026",
       "not a trace file: 'Xyz Nov 19 07:52:48 UTC 2026'"},
      {"Thu Nov 19 07:52:48 UTC 26",
       "not a trace file: 'Thu Nov 19 07:52:48 UTC 26'"},
      {"Thu, 19 Nov 2026 07:52:48 +2500",
       "not a trace file: 'Thu, 19 Nov 2026 07:52:48 +2500'"},
      {"Thu, 19 Nov 2026 07:52:48",
       "not a trace file: 'Thu, 19 Nov 2026 07:52:48'"},
      {std::string("17950\x01") + "4768", "not a trace file: '17950\\x014768'"},
      {"\x1b[31mred", "not a trace file: '\\x1B[31mred'"},
  };
  for (const auto& [in, want] : cases) {
    long long got = 42;
    Status s = ParseTraceFile(in, &got);
    ASSERT_FALSE(s.ok()) << "'" << in << "' gave " << got;
    EXPECT_TRUE(s.IsInvalidArgument());
    EXPECT_EQ(s.message(), want) << in;
    EXPECT_EQ(got, 42) << "output changed on error for " << in;
  }
}

TEST(TraceFileTest, StampWritesAtomicallyAndReadsBack) {
  char tmpl[] = "/tmp/waymark-test-trace-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, path = dir + "/mirrorsync";
  ASSERT_TRUE(StampTraceFile(path, 1795074768).ok());
  long long t = 0;
  ASSERT_TRUE(ReadTraceFile(path, &t).ok());
  EXPECT_EQ(t, 1795074768);
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), "1795074768\n");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // Stamping again replaces it, and leaves no temporary file behind.
  ASSERT_TRUE(StampTraceFile(path, 1795074800).ok());
  ASSERT_TRUE(ReadTraceFile(path, &t).ok());
  EXPECT_EQ(t, 1795074800);
  EXPECT_EQ(std::system(("test \"$(ls -A " + dir + ")\" = mirrorsync").c_str()),
            0);

  Status s = StampTraceFile(dir + "/missing/mirrorsync", 1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(
      s.message().find("cannot create a temporary file in " + dir + "/missing"),
      std::string::npos)
      << s.message();
  s = ReadTraceFile(dir + "/nothing", &t);
  EXPECT_EQ(s.message(), "cannot read trace file " + dir +
                             "/nothing: No such file or directory");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace waymark
