#include "redirector/routing.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

TEST(RouteRequest, PathQueryAndAcceptChooseTheOutput) {
  struct {
    const char* uri;
    const char* query;
    const char* accept;
    OutputMode mode;
    Output output;
    const char* file_uri;
    const char* from_ip;
  } cases[] = {
      {"/r/a.iso", "", "*/*", OutputMode::kAuto, Output::kRedirect, "/r/a.iso",
       ""},
      {"/r/a.iso", "cachebust=1", "", OutputMode::kAuto, Output::kRedirect,
       "/r/a.iso", ""},
      {"/r/a.iso.meta4", "", "", OutputMode::kAuto, Output::kMetalink,
       "/r/a.iso", ""},
      {"/r/a.iso", "metalink", "", OutputMode::kAuto, Output::kMetalink,
       "/r/a.iso", ""},
      {"/r/a.iso/mirrorlist", "", "", OutputMode::kAuto, Output::kMirrorList,
       "/r/a.iso", ""},
      {"/r/a.iso", "mirrorlist", "", OutputMode::kAuto, Output::kMirrorList,
       "/r/a.iso", ""},
      {"/r/a.iso", "mirrorlist&fromip=20.10.0.5", "", OutputMode::kAuto,
       Output::kMirrorList, "/r/a.iso", "20.10.0.5"},
      {"/r/a.iso", "fromip=2a01%3A1000%3A%3A5", "", OutputMode::kAuto,
       Output::kMirrorList, "/r/a.iso", "2a01:1000::5"},
      {"/r/a.iso", "json", "", OutputMode::kAuto, Output::kJson, "/r/a.iso",
       ""},
      {"/r/a.iso/mirrorlist", "json", "", OutputMode::kAuto, Output::kJson,
       "/r/a.iso", ""},
      {"/r/a.iso", "sha256", "", OutputMode::kAuto, Output::kSha256, "/r/a.iso",
       ""},
      {"/r/a.iso", "SHA1", "", OutputMode::kAuto, Output::kSha1, "/r/a.iso",
       ""},
      {"/r/a.iso", "md5", "", OutputMode::kAuto, Output::kMd5, "/r/a.iso", ""},
      {"/r/a.iso", "", "application/json", OutputMode::kAuto, Output::kJson,
       "/r/a.iso", ""},
      {"/r/a.iso", "", "application/json", OutputMode::kRedirect,
       Output::kRedirect, "/r/a.iso", ""},
      {"/r/a.iso", "", "application/json;q=0", OutputMode::kAuto,
       Output::kRedirect, "/r/a.iso", ""},
      // aria2c's Accept header.
      {"/r/a.iso", "", "*/*,application/metalink4+xml,application/metalink+xml",
       OutputMode::kAuto, Output::kMetalink, "/r/a.iso", ""},
      {"/r/a.iso", "", "Application/Metalink4+XML; q=0.9", OutputMode::kAuto,
       Output::kMetalink, "/r/a.iso", ""},
      {"/r/a.iso", "", "application/metalink4+xml", OutputMode::kRedirect,
       Output::kRedirect, "/r/a.iso", ""},
      {"/mirrorstats", "", "", OutputMode::kAuto, Output::kMirrorStats,
       "/mirrorstats", ""},
      {"/releases/mirrorstats", "", "", OutputMode::kAuto, Output::kMirrorStats,
       "/releases/mirrorstats", ""},
      {"/mirrorstats", "json", "", OutputMode::kAuto, Output::kMirrorStatsJson,
       "/mirrorstats", ""},
      {"/r/a.iso", "mirrorstats", "", OutputMode::kAuto, Output::kMirrorStats,
       "/r/a.iso", ""},
      {"/mirrorstats", "metrics", "", OutputMode::kAuto, Output::kMetrics,
       "/mirrorstats", ""},
      {"/r/a.iso", "x=1;json", "", OutputMode::kAuto, Output::kJson, "/r/a.iso",
       ""},
  };
  for (const auto& c : cases) {
    Route r;
    Status s = RouteRequest(c.uri, c.query, c.accept, c.mode, &r);
    ASSERT_TRUE(s.ok()) << c.uri << "?" << c.query << ": " << s.message();
    EXPECT_EQ(OutputName(r.output), std::string(OutputName(c.output)))
        << c.uri << "?" << c.query << " accept " << c.accept;
    EXPECT_EQ(r.uri, c.file_uri) << c.uri << "?" << c.query;
    EXPECT_EQ(r.from_ip, c.from_ip) << c.uri << "?" << c.query;
  }
}

TEST(RouteRequest, BadQueryEncodingIsRejected) {
  for (const char* q :
       {"fromip=%", "fromip=%4", "fromip=%zz", "json&fromip=1%2"}) {
    Route r;
    Status s = RouteRequest("/a.iso", q, "", OutputMode::kAuto, &r);
    EXPECT_TRUE(s.IsInvalidArgument()) << q;
  }
}

TEST(ParseOutputMode, AcceptsTheTwoModes) {
  OutputMode m;
  EXPECT_TRUE(ParseOutputMode("auto", &m));
  EXPECT_EQ(m, OutputMode::kAuto);
  EXPECT_TRUE(ParseOutputMode("redirect", &m));
  EXPECT_EQ(m, OutputMode::kRedirect);
  EXPECT_FALSE(ParseOutputMode("json", &m));
}

}  // namespace
}  // namespace waymark
