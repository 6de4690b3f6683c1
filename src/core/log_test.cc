#include "core/log.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace waymark {
namespace {

// Captures the lines of the process's log; restores it afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitLog("waymark-test", LogStyle::kTool);
    SetLogSink([this](const std::string& line) { lines_ += line; });
  }
  void TearDown() override {
    SetLogSink(nullptr);
    SetLogLevel(LogLevel::kInfo);
    InitLog("waymark", LogStyle::kTool);
  }
  void LogEachLevel() {
    LogError("e");
    LogWarning("w");
    LogInfo("i");
    LogDebug("d");
  }
  std::string lines_;
};

TEST_F(LogTest, EachLevelLogsItselfAndWhatIsMoreSevere) {
  const std::pair<LogLevel, std::string> kCases[] = {
      {LogLevel::kError, "waymark-test: e\n"},
      {LogLevel::kWarning, "waymark-test: e\nwaymark-test: warning: w\n"},
      {LogLevel::kInfo,
       "waymark-test: e\nwaymark-test: warning: w\nwaymark-test: i\n"},
      {LogLevel::kDebug,
       "waymark-test: e\nwaymark-test: warning: w\nwaymark-test: "
       "i\nwaymark-test: debug: d\n"},
  };
  for (const auto& [level, want] : kCases) {
    lines_.clear();
    SetLogLevel(level);
    LogEachLevel();
    EXPECT_EQ(lines_, want) << "level " << static_cast<int>(level);
  }
}

TEST_F(LogTest, InfoIsTheDefault) {
  Config defaults;
  SetLogLevel(LogLevel::kDebug);
  SetLogLevel(defaults);
  EXPECT_EQ(CurrentLogLevel(), LogLevel::kInfo);
  EXPECT_TRUE(LogEnabled(LogLevel::kInfo));
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
}

TEST_F(LogTest, HonoursLogLevelOfTheConfig) {
  Config config;
  ASSERT_TRUE(LoadConfig({"/nonexistent/waymark.conf", false},
                         {{"log.level", {"warning"}}}, &config)
                  .ok());
  SetLogLevel(config);
  LogEachLevel();
  EXPECT_EQ(lines_, "waymark-test: e\nwaymark-test: warning: w\n");
}

TEST_F(LogTest, ParsesEveryLevelTheConfigAccepts) {
  const OptionSpec* spec = FindOption("log.level");
  ASSERT_NE(spec, nullptr);
  for (const char* name : {"error", "warning", "info", "debug"}) {
    std::string why;
    EXPECT_TRUE(ValidateOptionValue(*spec, name, &why)) << name;
    LogLevel level;
    EXPECT_TRUE(ParseLogLevel(name, &level)) << name;
  }
  LogLevel level;
  for (const char* bad : {"", "Info", "warn", "trace"})
    EXPECT_FALSE(ParseLogLevel(bad, &level)) << bad;
}

TEST_F(LogTest, DaemonLinesCarryTimeAndPid) {
  InitLog("waymark-redirector", LogStyle::kDaemon);
  LogWarning("redirector.listen changed");
  std::regex want(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ waymark-redirector\[\d+\]: warning: redirector\.listen changed\n)");
  EXPECT_TRUE(std::regex_match(lines_, want)) << lines_;
}

TEST_F(LogTest, LogAsNamesAnotherProgram) {
  LogAs("waymark-scan", LogLevel::kError, "mirror 'x' not found");
  EXPECT_EQ(lines_, "waymark-scan: mirror 'x' not found\n");
}

}  // namespace
}  // namespace waymark
