// What nginx/origin.conf itself guarantees, through the real nginx running
// the shipped file in front of the real redirector: nothing outside the
// repository is served through a symlink, and ?metrics answers only the
// addresses the file allows (loopback as shipped).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using test::HttpResponse;
using test::RedirectorStack;

constexpr char kDe[] = "20.10.0.5";  // a client in Germany (geoip-networks.tsv)

class OriginConfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::StackOptions options;
    options.workers = 1;
    options.https = false;
    options.redirector_config = {"min_size = 1M", "local_location = /_origin/"};
    Status s = RedirectorStack::Create(options, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void Serve() {
    Status s = stack_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::string Repo(const std::string& path) const {
    return stack_->repository() + "/" + path;
  }

  std::unique_ptr<RedirectorStack> stack_;
};

// A symlink that leaves the repository (releases/etc -> a directory
// outside) published what it points to through `location /`, and through
// the redirector's X-Accel-Redirect for large types.
TEST_F(OriginConfTest, SymlinksOutOfTheRepositoryAreNotServed) {
  test::TempDir outside;
  test::WriteFile(outside / "secret.txt", "top secret text\n");
  test::WriteFile(outside / "secret.deb", "top secret package\n");
  // In the repository: a release and a symlink to its directory, which the
  // inventory knows as an alias (waymark-scan records in-tree symlinks so).
  test::WriteFile(Repo("releases/v1/small.deb"), "small release\n");
  test::WriteFile(Repo("releases/v1/notes.txt"), "release notes\n");
  ASSERT_EQ(symlink("v1", Repo("releases/latest").c_str()), 0);
  ASSERT_EQ(symlink(outside.path().c_str(), Repo("releases/etc").c_str()), 0);
  ASSERT_EQ(symlink((outside / "secret.txt").c_str(),
                    Repo("releases/passwd.txt").c_str()),
            0);
  ASSERT_TRUE(stack_
                  ->Sql("INSERT INTO files (id, path, size, mtime) VALUES "
                        "(1, 'releases/v1/small.deb', 14, now());"
                        "INSERT INTO file_aliases (path, file_id) VALUES "
                        "('releases/latest/small.deb', 1)")
                  .ok());
  Serve();

  for (const char* path : {"/releases/etc/secret.txt", "/releases/passwd.txt",
                           "/releases/etc/secret.deb", "/releases/etc/"}) {
    HttpResponse r = stack_->Request(path, kDe);
    EXPECT_NE(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("secret.txt"), std::string::npos)
        << path << " lists the directory";
  }

  // What is really in the repository is served as before.
  HttpResponse notes = stack_->Request("/releases/v1/notes.txt", kDe);
  EXPECT_EQ(notes.status, 200);
  EXPECT_EQ(notes.body, "release notes\n");
  HttpResponse small = stack_->Request("/releases/v1/small.deb", kDe);
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body, "small release\n");
  // A download through the in-tree alias still works: the redirector sends
  // nginx to the file's own path, which holds no symlink.
  HttpResponse alias = stack_->Request("/releases/latest/small.deb", kDe);
  EXPECT_EQ(alias.status, 200) << alias.body;
  EXPECT_EQ(alias.body, "small release\n");
  // Browsing through the symlinked directory finds nothing (origin.conf says
  // so).
  EXPECT_EQ(stack_->Request("/releases/latest/notes.txt", kDe).status, 404);
}

TEST_F(OriginConfTest, MetricsAnswerOnlyLoopback) {
  Serve();
  // No X-Forwarded-For: the client is 127.0.0.1.
  HttpResponse local = stack_->Request("/mirrorstats?metrics", "");
  EXPECT_EQ(local.status, 200);
  EXPECT_NE(local.body.find("waymark_requests_total"), std::string::npos)
      << local.body;
  EXPECT_EQ(stack_->Request("/releases/a.iso?metrics", "::1").status, 200);

  // Every spelling the redirector reads as ?metrics, from a public address.
  for (const char* path :
       {"/mirrorstats?metrics", "/mirrorstats?METRICS",
        "/mirrorstats?json;metrics", "/mirrorstats?a=1&metrics=",
        "/releases/a.iso?Metrics&x", "/releases/a.deb/mirrorlist?metrics"}) {
    HttpResponse r = stack_->Request(path, kDe);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(r.body.find("waymark_"), std::string::npos) << path;
  }
  // The public pages stay public.
  HttpResponse stats = stack_->Request("/mirrorstats", kDe);
  EXPECT_EQ(stats.status, 200);
  EXPECT_EQ(stack_->Request("/mirrorstats?json", kDe).status, 200);
  EXPECT_EQ(stack_->Request("/mirrorstats?metricsx", kDe).status, 200);
}

// The redirector's plain-text errors carry request bytes (escaped): a
// browser must not guess them to be HTML.
TEST_F(OriginConfTest, PlainTextErrorsAreNotSniffed) {
  Serve();
  for (const char* path :
       {"/releases/missing.iso", "/releases/bad%0Aname.iso"}) {
    HttpResponse r = stack_->Request(path, kDe);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << path << ": " << r.status;
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8") << path;
  }
}

// While PostgreSQL is away the redirector hands nginx only files its index
// knows: a file on disk that the inventory does not hold (excluded, say)
// is not served through /_origin/.
TEST_F(OriginConfTest, DuringAnOutageOnlyIndexedFilesAreServedLocally) {
  test::WriteFile(Repo("releases/known.deb"), "known\n");
  test::WriteFile(Repo("releases/unlisted.deb"), "not in the inventory\n");
  ASSERT_TRUE(stack_
                  ->Sql("INSERT INTO files (id, path, size, mtime) VALUES "
                        "(1, 'releases/known.deb', 6, now())")
                  .ok());
  Serve();
  ASSERT_EQ(stack_->Request("/releases/known.deb", kDe).status, 200);
  ASSERT_EQ(stack_->Request("/releases/unlisted.deb", kDe).status, 404);
  test::SharedCluster()->Stop();
  // Until the worker's next refresh (5 s) finds the database gone, its
  // index answers 404 for what it does not hold; then the outage rules.
  HttpResponse unlisted;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    unlisted = stack_->Request("/releases/unlisted.deb", kDe);
  } while (unlisted.status == 404 && std::chrono::steady_clock::now() < end);
  HttpResponse known = stack_->Request("/releases/known.deb", kDe);
  Status back = test::SharedCluster()->Start();
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(known.status, 200);
  EXPECT_EQ(known.body, "known\n");
  EXPECT_EQ(unlisted.status, 503) << unlisted.body;
  EXPECT_EQ(unlisted.body.find("not in the inventory\n"), std::string::npos);
}

}  // namespace
}  // namespace waymark
