#include "admin/command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "version.h"  // build/gen, from the Makefile's VERSION

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
  for (const char* name :
       {"db init", "db upgrade", "db status", "mirror add", "mirror edit",
        "mirror remove", "mirror list", "mirror show", "mirror enable",
        "mirror disable", "mirror log", "version"}) {
    EXPECT_NE(r.out.find(std::string("  ") + name + " "), std::string::npos)
        << name;
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
  EXPECT_NE(r.out.find("Usage: waymark [-c FILE] mirror add NAME"),
            std::string::npos);
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

// The audit log's actor: SUDO_USER is believed only from root and only
// when sudo's SUDO_UID names the same account.
TEST(ActorFor, SudoUserOnlyUnderRealSudo) {
  // alice (uid 1000) ran `sudo waymark ...`.
  EXPECT_EQ(ActorFor(0, "alice", "1000", 1000, "root"), "alice");
  // Root without sudo, or a SUDO_USER that sudo did not set.
  EXPECT_EQ(ActorFor(0, nullptr, nullptr, -1, "root"), "root");
  EXPECT_EQ(ActorFor(0, "someone", nullptr, 1001, "root"), "root");
  EXPECT_EQ(ActorFor(0, "someone", "1000", 1001, "root"), "root");
  EXPECT_EQ(ActorFor(0, "ghost", "1000", -1, "root"), "root");
  EXPECT_EQ(ActorFor(0, "alice", "x1000", 1000, "root"), "root");
  // bob (uid 1002) spoofing: his own name whatever he sets.
  EXPECT_EQ(ActorFor(1002, "someone", "1001", 1001, "bob"), "bob");
  EXPECT_EQ(ActorFor(1002, "alice", "1000", 1000, "bob"), "bob");
}

}  // namespace
}  // namespace waymark
