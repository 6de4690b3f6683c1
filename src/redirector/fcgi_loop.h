// A redirector worker's event loop over its FastCGI connections: accepts
// on the listen socket it shares with the other workers, reads and answers
// requests on every connection that is ready (redirector/fcgi_connection.h),
// and closes connections at their deadline or beyond the cap. Run by the
// worker (redirector/worker.h); tests drive it over socket pairs.
//
// Nothing blocks on one peer: every socket is non-blocking and one
// epoll set (level-triggered) holds the listen socket and all connections,
// so a slow, silent or stalled peer costs a worker only its memory and a
// descriptor until its deadline. epoll rather than poll(): hundreds of idle
// kept connections cost nothing per round. The listen socket is in the set
// with EPOLLEXCLUSIVE, so a new connection wakes one waiting worker rather
// than all of them.
//
// Each round accepts at most Options::accepts_per_round connections, so a
// flood of new ones cannot starve the open ones. At max_connections a new
// connection is still accepted (nginx would otherwise wait for one in its
// backlog): the connection idle the longest is closed to make room, else,
// when none is idle, the one nearest its deadline.
#ifndef WAYMARK_REDIRECTOR_FCGI_LOOP_H_
#define WAYMARK_REDIRECTOR_FCGI_LOOP_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/fd.h"
#include "redirector/fcgi_connection.h"
#include "redirector/metrics.h"

namespace waymark {

class FcgiLoop {
 public:
  using Clock = FcgiConnection::Clock;

  struct Options {
    FcgiConnection::Options connection;
    size_t max_connections = 512;  // redirector.max_connections
    size_t accepts_per_round = 64;
  };

  // `listen_fd` must be non-blocking and outlive the loop; `metrics` may be
  // nullptr. Throws std::system_error when no epoll set can be made.
  FcgiLoop(int listen_fd, const Options& options, Metrics* metrics,
           FcgiConnection::Responder respond);
  FcgiLoop(const FcgiLoop&) = delete;
  FcgiLoop& operator=(const FcgiLoop&) = delete;
  ~FcgiLoop();

  // One round: waits up to `max_wait` (less when a deadline is nearer, not
  // at all in the first round of a stop) for sockets to be ready, then
  // serves them, accepts, and closes what is past its deadline. A signal
  // ends the wait early.
  void RunOnce(std::chrono::milliseconds max_wait);
  // A graceful stop: accepts no more; the next round closes the idle
  // connections (after reading what they already sent), the others once
  // their request is answered, and every one still open client_timeout
  // from now.
  void BeginStop();
  bool stopping() const { return stopping_; }
  // Stopping, and every connection closed.
  bool done() const { return stopping_ && open_ == 0; }
  size_t connections() const { return open_; }

 private:
  void Accept(Clock::time_point now);
  void Add(UniqueFd fd, Clock::time_point now);
  void Serve(int fd, uint32_t revents, Clock::time_point now);
  void Close(int fd, const ConnectionClose* why);
  // Closes the connection that is idle the longest, else the one nearest
  // its deadline; false when there is none.
  bool Evict();
  void CheckDeadlines(Clock::time_point now);
  void Watch(int fd, uint32_t events, bool add);
  void SetListening(bool on);

  struct Slot {
    std::unique_ptr<FcgiConnection> conn;
    uint32_t events = 0;    // what the epoll set waits for on it
    uint64_t accepted = 0;  // the order of accepting: older ones first
  };

  const int listen_fd_;
  const Options options_;
  Metrics* const metrics_;
  const FcgiConnection::Responder respond_;
  UniqueFd epoll_;
  std::vector<Slot> slots_;  // by descriptor
  size_t open_ = 0;
  uint64_t accepted_ = 0;
  bool listening_ = false;
  Clock::time_point accept_paused_until_{};
  Clock::time_point next_check_{};
  bool stopping_ = false;
  bool stop_round_pending_ = false;
  Clock::time_point stop_by_{};
  std::string answer_;  // the CGI answer being framed
  std::vector<char> scratch_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_FCGI_LOOP_H_
