// Slow FastCGI peers cost other clients nothing (issue #18, item 1): peers
// that connect to the redirector's socket directly and send half a record,
// nothing, or a byte at a time, or that keep hundreds of idle connections,
// while requests go through nginx (nginx/origin.conf) to the real
// redirector and PostgreSQL. Figures under such load are in `make bench`
// ("latency under slow peers"); here only what must always hold.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/fcgi_client.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using Clock = std::chrono::steady_clock;
using test::FcgiClient;
using test::RedirectorStack;

constexpr char kFile[] = "/releases/a.deb";
constexpr char kClient[] = "20.10.0.5";

int Ms(Clock::duration d) {
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

class SlowPeersTest : public ::testing::Test {
 protected:
  // A stack of `workers` workers with `config` lines for [redirector]; one
  // file, which no mirror has: every answer is the 302 to the fallback.
  void Start(int workers, const std::vector<std::string>& config) {
    test::StackOptions options;
    options.workers = workers;
    options.https = false;
    options.redirector_config = {
        "fallback = https://origin.example.org/master/"};
    options.redirector_config.insert(options.redirector_config.end(),
                                     config.begin(), config.end());
    Status s = RedirectorStack::Create(options, &stack_);
    ASSERT_TRUE(s.ok()) << s.message();
    s = stack_->Sql(
        "INSERT INTO files (id, path, size, mtime) "
        "VALUES (1, 'releases/a.deb', 4096, '2026-11-01 10:00:00+00')");
    ASSERT_TRUE(s.ok()) << s.message();
    test::WriteFile(stack_->repository() + kFile, std::string(4096, 'a'));
    s = stack_->Serve();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::unique_ptr<FcgiClient> Connect() {
    auto c = FcgiClient::Connect(stack_->socket_path());
    EXPECT_TRUE(c) << "cannot connect to " << stack_->socket_path();
    return c;
  }

  // A whole request on `c`, answered with the redirect within 1 s.
  bool Ask(FcgiClient* c, uint16_t id = 1) {
    std::string answer;
    return c->Send(FcgiClient::Request(id, FcgiClient::Get(kFile))) &&
           c->ReadAnswer(id, 1000, &answer) &&
           answer.rfind("Status: 302", 0) == 0;
  }

  // waymark_connections_closed_total{reason="..."} from ?metrics.
  long ClosedFor(const std::string& reason) {
    test::HttpResponse r = stack_->Request("/mirrorstats?metrics", "");
    std::string line =
        "waymark_connections_closed_total{reason=\"" + reason + "\"} ";
    size_t at = r.body.find(line);
    if (at == std::string::npos) return -1;
    return std::stol(r.body.substr(at + line.size()));
  }

  // Peers that send a byte every 100 ms after a complete request, each on
  // a thread of its own, stopped and joined however the test ends.
  class Tricklers {
   public:
    ~Tricklers() {
      done_ = true;
      for (auto& t : threads_) t.join();
    }
    void Start(SlowPeersTest* test) {
      threads_.emplace_back([this, test] {
        auto c = test->Connect();
        if (!c || !test->Ask(c.get())) return;
        std::string next = FcgiClient::Request(2, FcgiClient::Get(kFile));
        for (size_t b = 0; b < next.size() && !done_; ++b) {
          if (!c->Send(next.substr(b, 1))) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
    }

   private:
    std::atomic<bool> done_{false};
    std::vector<std::thread> threads_;
  };

  std::unique_ptr<RedirectorStack> stack_;
};

TEST_F(SlowPeersTest, EveryRequestThroughNginxIsAnsweredWhileSlowPeersHold) {
  const int kWorkers = 2;
  // A long client_timeout: the slow peers stay for the whole test.
  Start(kWorkers, {"client_timeout = 60s", "max_connections = 100"});
  // A few hundred idle kept connections, past both workers' caps.
  std::vector<std::unique_ptr<FcgiClient>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(Connect());
    ASSERT_TRUE(Ask(idle.back().get())) << "kept connection " << i;
  }
  // 2 x workers that sent a partial record, workers that are silent, and
  // workers that trickle a byte every 100 ms after a complete request.
  std::vector<std::unique_ptr<FcgiClient>> partial, silent;
  for (int i = 0; i < 2 * kWorkers; ++i) {
    partial.push_back(Connect());
    ASSERT_TRUE(partial.back()->Send(
        FcgiClient::Request(1, FcgiClient::Get(kFile)).substr(0, 13)));
  }
  for (int i = 0; i < kWorkers; ++i) silent.push_back(Connect());
  Tricklers tricklers;
  for (int i = 0; i < kWorkers; ++i) tricklers.Start(this);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  int slow = 0, worst = 0;
  for (int i = 0; i < 50; ++i) {
    const auto start = Clock::now();
    test::HttpResponse r = stack_->Request(kFile, kClient);
    const int ms = Ms(Clock::now() - start);
    worst = std::max(worst, ms);
    ASSERT_EQ(r.status, 302)
        << "request " << i << " after " << ms << " ms: " << r.body;
    slow += ms >= 500;
  }
  EXPECT_EQ(slow, 0) << "the slowest took " << worst << " ms";
  // The slow peers were there all along; room was made by closing the
  // longest idle kept connections.
  for (auto& c : partial) EXPECT_FALSE(c->Closed());
  EXPECT_GE(ClosedFor("cap"), 300 - 2 * 100);
}

TEST_F(SlowPeersTest, APartialRequestIsClosedAfterClientTimeout) {
  Start(2, {"client_timeout = 1s"});
  auto partial = Connect();
  auto trickler = Connect();
  ASSERT_TRUE(Ask(trickler.get()));
  const auto start = Clock::now();
  ASSERT_TRUE(partial->Send(
      FcgiClient::Request(1, FcgiClient::Get(kFile)).substr(0, 13)));
  // A byte every 100 ms would take over 15 s for the whole request.
  std::string next = FcgiClient::Request(2, FcgiClient::Get(kFile));
  int trickler_ms = -1;
  for (size_t b = 0; b < next.size(); ++b) {
    if (!trickler->Send(next.substr(b, 1)) || trickler->Closed()) {
      trickler_ms = Ms(Clock::now() - start);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(partial->WaitClosed(3000));
  const int partial_ms = Ms(Clock::now() - start);
  EXPECT_GE(partial_ms, 900);
  EXPECT_LE(partial_ms, 3000);
  EXPECT_GE(trickler_ms, 900) << "the trickler was closed early";
  EXPECT_LE(trickler_ms, 3000) << "the trickler was not closed in time";
  EXPECT_GE(ClosedFor("slow"), 2);
  EXPECT_EQ(stack_->Request(kFile, kClient).status, 302);
}

TEST_F(SlowPeersTest, AtTheCapTheOldestIdleIsClosedAndTheNewestServed) {
  Start(1, {"max_connections = 3"});
  std::vector<std::unique_ptr<FcgiClient>> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(Connect());
    ASSERT_TRUE(Ask(kept.back().get()));
  }
  // The first is used again: the second is now idle the longest.
  ASSERT_TRUE(Ask(kept[0].get(), 2));
  auto newest = Connect();
  EXPECT_TRUE(Ask(newest.get()));
  EXPECT_TRUE(kept[1]->WaitClosed(2000));
  EXPECT_FALSE(kept[0]->Closed());
  EXPECT_FALSE(kept[2]->Closed());
  EXPECT_TRUE(Ask(kept[2].get(), 3));
  EXPECT_TRUE(Ask(kept[0].get(), 4));
}

}  // namespace
}  // namespace waymark
