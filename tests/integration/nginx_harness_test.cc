// The nginx and HTTP harness itself: a server starts from a snippet, serves
// files from its directory, reloads, and stops with its test.
#include <gtest/gtest.h>

#include "tests/harness/http_client.h"
#include "tests/harness/nginx_server.h"

namespace waymark {
namespace {

using test::HttpGet;
using test::NginxServer;

TEST(NginxHarness, ServesReloadsAndStops) {
  int port = test::FreePort();
  std::string conf =
      "server { listen 127.0.0.1:" + std::to_string(port) +
      "; root @DIR@/www; location /x { return 302 http://example.org/y; } }";
  std::unique_ptr<NginxServer> nginx;
  Status s = NginxServer::Start(conf, &nginx);
  ASSERT_TRUE(s.ok()) << s.message();
  test::WriteFile(nginx->dir() + "/www/hello.txt", "hello\n");
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto r = HttpGet(base + "/hello.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello\n");
  EXPECT_EQ(r.Header("content-length"), "6");
  r = HttpGet(base + "/x");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("Location"), "http://example.org/y");
  EXPECT_EQ(HttpGet(base + "/missing").status, 404);

  // Reload moves the redirect target.
  conf.replace(conf.find("/y"), 2, "/z");
  s = nginx->Reload(conf);
  ASSERT_TRUE(s.ok()) << s.message();
  bool moved = false;
  for (int i = 0; i < 100 && !moved; ++i) {
    moved = HttpGet(base + "/x").Header("location") == "http://example.org/z";
    if (!moved) usleep(20000);
  }
  EXPECT_TRUE(moved);

  nginx->Stop();
  EXPECT_EQ(HttpGet(base + "/hello.txt").status,
            0);  // refused: nothing listens
}

TEST(NginxHarness, BadConfigIsAClearError) {
  std::unique_ptr<NginxServer> nginx;
  Status s = NginxServer::Start(
      "server { listen 127.0.0.1:1; no_such_directive on; }", &nginx);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no_such_directive"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace waymark
