#include "admin/command.h"

#include <gtest/gtest.h>

#include <sstream>

namespace waymark {
namespace {

struct AdminRun {
  int code;
  std::string out;
};

AdminRun Admin(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunAdmin(args, out, err);
  return {code, out.str()};
}

TEST(AdminCommandTest, HelpListsEveryCommandOfTheTable) {
  AdminRun r = Admin({"help"});
  EXPECT_EQ(r.code, 0);
  for (const char* name : {"db init", "db upgrade", "db status", "mirror add", "mirror edit",
                           "mirror remove", "mirror list", "mirror show", "mirror enable",
                           "mirror disable", "mirror log", "version"}) {
    EXPECT_NE(r.out.find(std::string("  ") + name + " "), std::string::npos) << name;
  }
}

TEST(AdminCommandTest, NoCommandPrintsHelpAndExits2) {
  AdminRun r = Admin({});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("Commands:"), std::string::npos);
}

TEST(AdminCommandTest, VersionAndCommandHelpNeedNoDatabase) {
  AdminRun r = Admin({"version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("waymark ") + WAYMARK_VERSION + "\n");
  r = Admin({"mirror", "add", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--also-countries"), std::string::npos);
  EXPECT_NE(r.out.find("Usage: waymark [-c FILE] mirror add NAME"), std::string::npos);
  r = Admin({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("waymark ") + WAYMARK_VERSION + "\n");
  r = Admin({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Commands:"), std::string::npos);
  r = Admin({"help", "mirror", "edit"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--no-country-only"), std::string::npos);
}

}  // namespace
}  // namespace waymark
