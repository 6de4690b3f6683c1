// One FastCGI connection of a redirector worker: its non-blocking socket,
// what was read of the next request (redirector/fcgi_protocol.h), the
// answers not yet written, and the deadline by which the peer must have
// done its part. Owned by the worker's loop (redirector/fcgi_loop.h),
// which polls the socket and calls OnReady(); nothing here blocks.
//
// Deadlines (all `timeout` long, redirector.client_timeout):
//   - idle (nothing read since the last answer, or since the accept): the
//     peer must start a request within timeout of becoming idle;
//   - a request in progress must be complete within timeout of its first
//     byte, however slowly the rest trickles in (more bytes never move
//     the deadline; only an answered request does);
//   - answers the socket did not take at once must all be taken within
//     timeout of then (a peer that does not read is closed);
//   - closing (after a request without FCGI_KEEP_CONN, or a graceful stop),
//     the answer written, the write side is shut and what the peer still
//     sends is read and dropped until it closes, for at most timeout.
#ifndef WAYMARK_REDIRECTOR_FCGI_CONNECTION_H_
#define WAYMARK_REDIRECTOR_FCGI_CONNECTION_H_

#include <chrono>
#include <functional>
#include <string>

#include "core/fd.h"
#include "redirector/fcgi_protocol.h"

namespace waymark {

class FcgiConnection {
 public:
  using Clock = std::chrono::steady_clock;
  // Answers one request: writes its CGI response (headers, blank line,
  // body) to the string, which it may find holding an older answer.
  using Responder = std::function<void(const FcgiRequest&, std::string*)>;

  struct Options {
    Clock::duration timeout = std::chrono::seconds(5);
    // While more than this waits to be written, no further request is read:
    // what one connection holds is bounded by it plus one answer.
    size_t max_output = 64 << 10;
    FcgiParser::Limits limits;
  };

  // Why a connection ended, for the metrics.
  enum class End {
    kOpen,     // it has not
    kPeer,     // the peer closed it, or a socket error
    kDone,     // closed as the protocol says (no FCGI_KEEP_CONN, a stop)
    kInvalid,  // not FastCGI as the redirector speaks it
  };

  // `fd`: an accepted socket, already non-blocking.
  FcgiConnection(UniqueFd fd, const Options& options, Clock::time_point now);
  FcgiConnection(const FcgiConnection&) = delete;
  FcgiConnection& operator=(const FcgiConnection&) = delete;

  int fd() const { return fd_.get(); }
  // What to poll for: POLLIN while it reads (requests, or the drain),
  // POLLOUT while answers wait.
  short events() const;
  // Reads what the socket holds, answers each request that is complete
  // with `respond` and writes what the socket takes. `scratch` is the
  // worker's read buffer and `answer` its answer buffer, shared by all
  // connections. Returns false when the connection has ended (see end()).
  bool OnReady(short revents, Clock::time_point now, const Responder& respond,
               std::string* answer, char* scratch, size_t scratch_size);
  // When the connection must be closed if it is still open: see above.
  Clock::time_point deadline() const;
  // Waiting for a request, with nothing read of one and nothing to write:
  // closing it loses nothing. Since when (for closing the oldest first).
  bool idle() const;
  Clock::time_point idle_since() const { return idle_since_; }
  // A graceful stop: no request after the current one, if any (an idle
  // connection the loop closes itself).
  void Stop() { stopping_ = true; }
  End end() const { return end_; }
  // After End::kInvalid: what was wrong.
  const std::string& error() const { return parser_.error(); }

 private:
  enum class State { kOpen, kClosing, kDraining };

  // Feeds `data` to the parser and answers what completes, until the
  // output bound; returns how much was taken, or false (with end_ set).
  bool Consume(std::string_view data, Clock::time_point now,
               const Responder& respond, std::string* answer, size_t* used);
  // Answers what is held in in_ while there is room for the answers,
  // writing between them; false when the connection has ended.
  bool ServeHeld(Clock::time_point now, const Responder& respond,
                 std::string* answer);
  // Writes what waits; false on an error (the peer is gone).
  bool Flush(Clock::time_point now);
  void StartClosing(Clock::time_point now);
  size_t pending_output() const { return out_.size() - out_sent_; }

  UniqueFd fd_;
  const Options& options_;
  FcgiParser parser_;
  State state_ = State::kOpen;
  End end_ = End::kOpen;
  bool stopping_ = false;
  bool peer_closed_ = false;
  std::string in_;  // read but not yet parsed (held while output waits)
  std::string out_;
  size_t out_sent_ = 0;
  Clock::time_point idle_since_;
  Clock::time_point busy_since_;     // valid while busy_
  Clock::time_point stalled_since_;  // valid while stalled_
  Clock::time_point closing_since_;  // valid in kClosing and kDraining
  bool busy_ = false;     // bytes of a request read since the last answer
  bool stalled_ = false;  // the socket did not take all of out_
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_FCGI_CONNECTION_H_
