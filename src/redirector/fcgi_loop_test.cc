#include "redirector/fcgi_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/fcgi_client.h"
#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using test::FcgiClient;

int Ms(Clock::duration d) {
  return static_cast<int>(std::chrono::duration_cast<milliseconds>(d).count());
}

// An FcgiLoop on a unix socket of its own, run on a thread as a worker
// runs it, answering each request with its REQUEST_URI.
class LoopTest : public ::testing::Test {
 protected:
  void Start(size_t max_connections = 512,
             milliseconds timeout = milliseconds(300)) {
    metrics_ = std::make_unique<Metrics>();
    metrics_->Reset();
    listen_.reset(
        socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path().c_str(), sizeof sa.sun_path - 1);
    ASSERT_EQ(bind(listen_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa),
              0);
    ASSERT_EQ(listen(listen_.get(), 1024), 0);
    FcgiLoop::Options o;
    o.connection.timeout = timeout;
    o.max_connections = max_connections;
    runner_ = std::thread([this, o] {
      FcgiLoop loop(listen_.get(), o, metrics_.get(),
                    [](const FcgiRequest& req, std::string* out) {
                      out->assign("Status: 200 OK\r\n\r\n");
                      for (const FcgiParam& p : req.params)
                        if (p.name == "REQUEST_URI") out->append(p.value);
                    });
      while (!loop.done() && !quit_) {
        if (stop_) loop.BeginStop();
        loop.RunOnce(milliseconds(50));
      }
      stopped_ = true;
    });
  }
  void TearDown() override {
    quit_ = true;
    if (runner_.joinable()) runner_.join();
  }
  std::string path() const { return dir_ / "fcgi.sock"; }
  std::unique_ptr<FcgiClient> Connect() {
    auto c = FcgiClient::Connect(path());
    EXPECT_TRUE(c);
    return c;
  }
  // A whole request for `uri`, answered: true when the answer came.
  bool Ask(FcgiClient* c, const std::string& uri, uint16_t id = 1,
           bool keep_conn = true) {
    if (!c->Send(FcgiClient::Request(id, FcgiClient::Get(uri), keep_conn)))
      return false;
    std::string answer;
    return c->ReadAnswer(id, 1000, &answer) &&
           answer == "Status: 200 OK\r\n\r\n" + uri;
  }
  uint64_t Closed(ConnectionClose why) const {
    return metrics_->connections_closed[static_cast<int>(why)].load();
  }

  test::TempDir dir_;
  UniqueFd listen_;
  std::unique_ptr<Metrics> metrics_;
  std::thread runner_;
  std::atomic<bool> stop_{false}, quit_{false}, stopped_{false};
};

TEST_F(LoopTest, AKeptConnectionCarriesManyRequests) {
  Start();
  auto c = Connect();
  for (uint16_t i = 1; i <= 20; ++i)
    ASSERT_TRUE(Ask(c.get(), "/f" + std::to_string(i), i));
  // Two requests in one write are both answered.
  ASSERT_TRUE(c->Send(FcgiClient::Request(1, FcgiClient::Get("/a")) +
                      FcgiClient::Request(2, FcgiClient::Get("/b"))));
  std::string a, b;
  EXPECT_TRUE(c->ReadAnswer(1, 1000, &a));
  EXPECT_TRUE(c->ReadAnswer(2, 1000, &b));
  EXPECT_EQ(b, "Status: 200 OK\r\n\r\n/b");
  EXPECT_FALSE(c->Closed());
}

TEST_F(LoopTest, WithoutKeepConnTheServerClosesAfterTheAnswer) {
  Start();
  auto c = Connect();
  ASSERT_TRUE(Ask(c.get(), "/once", 1, false));
  EXPECT_TRUE(c->WaitClosed(1000));
  EXPECT_EQ(Closed(ConnectionClose::kSlow), 0u);
}

TEST_F(LoopTest, SlowPeersWaitForTheirDeadlineWithoutHoldingOthers) {
  Start(512, milliseconds(400));
  const auto start = Clock::now();
  auto partial = Connect();
  ASSERT_TRUE(partial->Send(
      FcgiClient::Request(1, FcgiClient::Get("/p")).substr(0, 13)));
  auto silent = Connect();
  auto junk = Connect();
  ASSERT_TRUE(junk->Send("GET / HTTP/1.1\r\n\r\n"));
  // Others are answered at once meanwhile.
  for (int i = 0; i < 10; ++i) {
    auto c = Connect();
    auto t = Clock::now();
    ASSERT_TRUE(Ask(c.get(), "/quick"));
    EXPECT_LT(Ms(Clock::now() - t), 100);
  }
  EXPECT_TRUE(junk->WaitClosed(200)) << "not FastCGI: closed at once";
  EXPECT_TRUE(partial->WaitClosed(1500));
  const int partial_ms = Ms(Clock::now() - start);
  EXPECT_TRUE(silent->WaitClosed(1500));
  EXPECT_GE(partial_ms, 350);
  EXPECT_LE(partial_ms, 1200);
  EXPECT_EQ(Closed(ConnectionClose::kInvalid), 1u);
  EXPECT_EQ(Closed(ConnectionClose::kSlow), 1u);
  EXPECT_GE(Closed(ConnectionClose::kIdle), 1u);  // silent (and the quick ones)
}

TEST_F(LoopTest, TricklingBytesDoNotMoveTheDeadline) {
  Start(512, milliseconds(400));
  auto c = Connect();
  ASSERT_TRUE(Ask(c.get(), "/first"));
  // Then a request one byte every 50 ms: 1.6 s to send it all, were it
  // allowed to.
  std::string next = FcgiClient::Request(2, FcgiClient::Get("/second"));
  const auto start = Clock::now();
  bool closed = false;
  for (size_t i = 0; i < next.size() && !closed; ++i) {
    closed = !c->Send(next.substr(i, 1)) || c->Closed();
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(closed || c->WaitClosed(1000));
  EXPECT_LE(Ms(Clock::now() - start), 900);
  EXPECT_EQ(Closed(ConnectionClose::kSlow), 1u);
}

TEST_F(LoopTest, AtTheCapTheLongestIdleIsClosedAndTheNewestServed) {
  Start(3, milliseconds(5000));
  std::vector<std::unique_ptr<FcgiClient>> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(Connect());
    ASSERT_TRUE(Ask(kept.back().get(), "/k" + std::to_string(i)));
  }
  // The first, idle the longest, is used again: now the second is.
  ASSERT_TRUE(Ask(kept[0].get(), "/again"));
  auto newest = Connect();
  ASSERT_TRUE(Ask(newest.get(), "/new"));
  EXPECT_TRUE(kept[1]->WaitClosed(1000));
  EXPECT_FALSE(kept[0]->Closed());
  EXPECT_FALSE(kept[2]->Closed());
  EXPECT_TRUE(Ask(kept[2].get(), "/still"));
  EXPECT_EQ(Closed(ConnectionClose::kCap), 1u);
  // A flood of silent ones past the cap: each newest one is still served.
  std::vector<std::unique_ptr<FcgiClient>> flood;
  for (int i = 0; i < 20; ++i) flood.push_back(Connect());
  auto last = Connect();
  EXPECT_TRUE(Ask(last.get(), "/last"));
}

TEST_F(LoopTest, AGracefulStopFinishesTheRequestInProgress) {
  Start(512, milliseconds(2000));
  auto idle = Connect();
  ASSERT_TRUE(Ask(idle.get(), "/idle"));
  auto busy = Connect();
  std::string req = FcgiClient::Request(1, FcgiClient::Get("/busy"));
  ASSERT_TRUE(busy->Send(req.substr(0, 20)));
  std::this_thread::sleep_for(milliseconds(100));
  stop_ = true;
  EXPECT_TRUE(idle->WaitClosed(500));
  EXPECT_FALSE(busy->Closed());
  // No new connection is taken (the kernel queues it for another worker).
  auto late = Connect();
  ASSERT_TRUE(late->Send(FcgiClient::Request(1, FcgiClient::Get("/late"))));
  std::string none;
  EXPECT_FALSE(late->ReadAnswer(1, 200, &none));
  ASSERT_TRUE(busy->Send(req.substr(20)));
  std::string answer;
  EXPECT_TRUE(busy->ReadAnswer(1, 1000, &answer));
  EXPECT_EQ(answer, "Status: 200 OK\r\n\r\n/busy");
  EXPECT_TRUE(busy->WaitClosed(1000));
  busy.reset();  // the server drains until the peer closes too
  for (int i = 0; i < 50 && !stopped_; ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_TRUE(stopped_) << "the loop is done once its connections are";
}

}  // namespace
}  // namespace waymark
