// Download counts written per second: a redirector node reading the primary
// beside a node reading a hot standby and writing its counts to the
// primary (README, "Several nodes"), in the same run, on the test harness
// (a real primary and a `pg_basebackup -R` standby, nginx with origin.conf,
// the redirector as built).
//
// Each node's inventory holds N files. N distinct files are requested
// through nginx while the node keeps its counts (redirector.
// stats_flush_interval = 1h); then the redirector is stopped gracefully
// (SIGQUIT), which hands each worker's counts to its writer, and the time
// from the signal until all N are in the primary's download_counts is
// measured: counts per second written, a batch of distinct rows per
// worker, through the node's own connection to the primary.
//
// Usage: counts_bench [--count N] (run from the source tree; make bench)
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/postgres_cluster.h"
#include "tests/harness/redirector_stack.h"
#include "tests/harness/replica_cluster.h"

namespace waymark {
namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double request_s = 0;  // the N requests, 4 clients
  double write_s = -1;   // from SIGQUIT to all N on the primary
};

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

long long Counted(const std::string& primary) {
  std::string n = test::QueryRows(
      primary, "SELECT coalesce(sum(downloads), 0) FROM download_counts");
  return n.empty() ? -1 : std::stoll(n);
}

// Starts a node on `options` (dsn/primary_dsn as it reads and writes),
// with `n` files, and measures it. `replay` waits for the standby.
Status Measure(test::StackOptions options, int n,
               const std::function<Status()>& replay, Figures* out) {
  options.workers = 2;
  options.https = false;
  options.redirector_config = {"fallback = https://origin.example.org/master/",
                               "stats_flush_interval = 1h",
                               "stats_flush_entries = 1000000"};
  std::unique_ptr<test::RedirectorStack> node;
  Status s = test::RedirectorStack::Create(options, &node);
  if (!s.ok()) return s;
  s = node->Sql(
      "INSERT INTO files (id, path, size, mtime) SELECT g, "
      "'releases/bench/file-' || g || '.iso', 100, now() FROM "
      "generate_series(1, " +
      std::to_string(n) + ") g");
  if (s.ok()) s = replay();
  if (s.ok()) s = node->Serve();
  if (!s.ok()) return s;
  const std::string primary = node->write_dsn();
  constexpr int kClients = 4;
  auto start = Clock::now();
  std::vector<std::thread> clients;
  std::atomic<int> failed{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = c + 1; i <= n; i += kClients) {
        std::string path = "/releases/bench/file-" + std::to_string(i) + ".iso";
        if (node->Request(path, "20.10.0.5").status != 302) ++failed;
      }
    });
  }
  for (auto& t : clients) t.join();
  out->request_s = Seconds(Clock::now() - start);
  if (failed > 0)
    return Status::IOError(std::to_string(failed.load()) +
                           " requests were not redirected");
  if (Counted(primary) != 0)
    return Status::IOError("counts were written before the stop");
  start = Clock::now();
  s = node->SignalRedirector(SIGQUIT);
  if (!s.ok()) return s;
  while (Clock::now() - start < std::chrono::seconds(60)) {
    if (Counted(primary) == n) {
      out->write_s = Seconds(Clock::now() - start);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (out->write_s < 0)
    return Status::IOError("not all counts arrived within 60 s: " +
                           std::to_string(Counted(primary)) + " of " +
                           std::to_string(n));
  return Status::OK();
}

void Print(const char* what, int n, const Figures& f) {
  std::printf(
      "%-42s %6d downloads requested in %5.2f s; written in %5.3f s: %8.0f "
      "counts/s\n",
      what, n, f.request_s, f.write_s, n / f.write_s);
}

int Run(int n) {
  Figures single, standby;
  Status s = Measure(
      {}, n, [] { return Status::OK(); }, &single);
  if (!s.ok()) {
    std::fprintf(stderr, "counts_bench: single node: %s\n",
                 s.message().c_str());
    return 1;
  }
  std::unique_ptr<test::ReplicaCluster> rc;
  s = test::ReplicaCluster::Start(&rc);
  if (!s.ok()) {
    std::fprintf(stderr, "counts_bench: replicas: %s\n", s.message().c_str());
    return 1;
  }
  std::string db = rc->CreateDatabase();
  test::StackOptions o;
  o.dsn = rc->StandbyDsn(db);
  o.primary_dsn = rc->PrimaryDsn(db);
  s = Measure(
      o, n, [&] { return rc->WaitForReplay(); }, &standby);
  if (!s.ok()) {
    std::fprintf(stderr, "counts_bench: standby node: %s\n",
                 s.message().c_str());
    return 1;
  }
  Print("node on the primary (single node):", n, single);
  Print("node on a hot standby, counts to primary:", n, standby);
  std::printf("standby node / single node: %.2f of the counts per second\n",
              single.write_s / standby.write_s);
  return 0;
}

}  // namespace
}  // namespace waymark

int main(int argc, char** argv) {
  int n = 20000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--count") == 0) n = std::atoi(argv[i + 1]);
  int rc = waymark::Run(n);
  waymark::test::ShutdownSharedCluster();
  return rc;
}
