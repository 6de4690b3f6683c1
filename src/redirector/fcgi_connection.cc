#include "redirector/fcgi_connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace waymark {

FcgiConnection::FcgiConnection(UniqueFd fd, const Options& options,
                               Clock::time_point now)
    : fd_(std::move(fd)),
      options_(options),
      parser_(options.limits),
      idle_since_(now) {}

short FcgiConnection::events() const {
  short e = 0;
  if (state_ == State::kDraining || (state_ == State::kOpen && in_.empty() &&
                                     pending_output() < options_.max_output))
    e |= POLLIN;
  if (pending_output() > 0) e |= POLLOUT;
  return e;
}

bool FcgiConnection::idle() const {
  return state_ == State::kOpen && !busy_ && pending_output() == 0 &&
         in_.empty() && parser_.idle();
}

FcgiConnection::Clock::time_point FcgiConnection::deadline() const {
  Clock::time_point start;
  if (state_ != State::kOpen) {
    start = closing_since_;
  } else if (busy_) {
    start = busy_since_;
  } else {
    start = idle_since_;
  }
  if (stalled_) start = std::min(start, stalled_since_);
  return start + options_.timeout;
}

void FcgiConnection::StartClosing(Clock::time_point now) {
  state_ = State::kClosing;
  closing_since_ = now;
}

bool FcgiConnection::OnReady(short revents, Clock::time_point now,
                             const Responder& respond, std::string* answer,
                             char* scratch, size_t scratch_size) {
  // Room first: what the peer took lets more requests be read.
  if (pending_output() > 0 && !Flush(now)) return false;
  if (!ServeHeld(now, respond, answer)) return false;
  const bool readable = (revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  if (state_ == State::kOpen && in_.empty() &&
      pending_output() < options_.max_output && readable) {
    // One read per round: a connection with much to say waits its turn.
    ssize_t n = read(fd_.get(), scratch, scratch_size);
    if (n > 0) {
      std::string_view data(scratch, static_cast<size_t>(n));
      size_t used;
      if (!Consume(data, now, respond, answer, &used)) return false;
      if (state_ == State::kOpen && used < data.size())
        in_.assign(data.substr(used));
    } else if (n == 0) {
      peer_closed_ = true;
      StartClosing(now);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      end_ = End::kPeer;
      return false;
    }
  } else if (state_ == State::kDraining && readable) {
    // What the peer still sends after the last answer is dropped; its
    // close ends the connection.
    for (int i = 0; i < 4; ++i) {
      ssize_t n = read(fd_.get(), scratch, scratch_size);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      end_ = End::kDone;
      return false;
    }
  }
  if (pending_output() > 0 && !Flush(now)) return false;
  if (!ServeHeld(now, respond, answer)) return false;
  if (state_ == State::kClosing && pending_output() == 0) {
    if (peer_closed_) {
      end_ = End::kPeer;
      return false;
    }
    shutdown(fd_.get(), SHUT_WR);
    state_ = State::kDraining;
  }
  return true;
}

bool FcgiConnection::ServeHeld(Clock::time_point now, const Responder& respond,
                               std::string* answer) {
  // Each pass takes at least one byte or fills the output: it ends.
  while (state_ == State::kOpen && !in_.empty() &&
         pending_output() < options_.max_output) {
    size_t used;
    if (!Consume(in_, now, respond, answer, &used)) return false;
    if (state_ == State::kOpen) {
      in_.erase(0, used);
    } else {
      in_.clear();
    }
    if (pending_output() > 0 && !Flush(now)) return false;
  }
  return true;
}

bool FcgiConnection::Consume(std::string_view data, Clock::time_point now,
                             const Responder& respond, std::string* answer,
                             size_t* used) {
  size_t pos = 0;
  while (pos < data.size() && state_ == State::kOpen &&
         pending_output() < options_.max_output) {
    size_t n;
    FcgiParser::Result r = parser_.Feed(data.substr(pos), &n, &out_);
    pos += n;
    if (r == FcgiParser::Result::kError) {
      end_ = End::kInvalid;
      return false;
    }
    if (r == FcgiParser::Result::kNeedMore) continue;
    if (r == FcgiParser::Result::kRequest) {
      respond(parser_.request(), answer);
      AppendResponse(parser_.request().id, *answer, &out_);
    }
    // Answered (or ended): the deadline starts again.
    busy_ = false;
    idle_since_ = now;
    if (!parser_.keep_conn() || stopping_) StartClosing(now);
  }
  // The first byte of a request starts its deadline; later ones do not
  // move it.
  if (state_ == State::kOpen && !busy_ &&
      (pos < data.size() || !parser_.idle())) {
    busy_ = true;
    busy_since_ = now;
  }
  *used = pos;
  return true;
}

bool FcgiConnection::Flush(Clock::time_point now) {
  while (pending_output() > 0) {
    ssize_t n = send(fd_.get(), out_.data() + out_sent_, pending_output(),
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_sent_ += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!stalled_) {
        stalled_ = true;
        stalled_since_ = now;
      }
      return true;
    } else if (!(n < 0 && errno == EINTR)) {
      end_ = End::kPeer;
      return false;
    }
  }
  stalled_ = false;
  out_sent_ = 0;
  out_.clear();
  // A large page does not keep its memory for the connection's life.
  if (out_.capacity() > options_.max_output) std::string().swap(out_);
  return true;
}

}  // namespace waymark
