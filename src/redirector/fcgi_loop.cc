#include "redirector/fcgi_loop.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace waymark {

namespace {

// FcgiConnection speaks poll()'s flags; epoll's are the same bits.
static_assert(EPOLLIN == POLLIN && EPOLLOUT == POLLOUT && EPOLLHUP == POLLHUP &&
                  EPOLLERR == POLLERR,
              "epoll and poll flags differ");

constexpr int kMaxEvents = 256;
constexpr size_t kReadSize = 16 << 10;
// After running out of descriptors with nothing to close, accepting waits.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

}  // namespace

FcgiLoop::FcgiLoop(int listen_fd, const Options& options, Metrics* metrics,
                   FcgiConnection::Responder respond)
    : listen_fd_(listen_fd),
      options_(options),
      metrics_(metrics),
      respond_(std::move(respond)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      scratch_(kReadSize) {
  if (!epoll_.valid())
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
  SetListening(true);
}

FcgiLoop::~FcgiLoop() = default;

void FcgiLoop::SetListening(bool on) {
  if (on == listening_) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.fd = listen_fd_;
  epoll_ctl(epoll_.get(), on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_fd_, &ev);
  listening_ = on;
}

void FcgiLoop::Watch(int fd, uint32_t events, bool add) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(epoll_.get(), add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
  slots_[fd].events = events;
}

void FcgiLoop::RunOnce(std::chrono::milliseconds max_wait) {
  Clock::time_point now = Clock::now();
  if (!stopping_ && !listening_ && now >= accept_paused_until_)
    SetListening(true);
  auto wait = max_wait;
  if (open_ > 0) {
    auto to_check = std::chrono::ceil<std::chrono::milliseconds>(
        std::max(next_check_ - now, Clock::duration::zero()));
    wait = std::min(wait, to_check);
  }
  if (stop_round_pending_) wait = std::chrono::milliseconds(0);
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epoll_.get(), events, kMaxEvents,
                     static_cast<int>(wait.count()));
  now = Clock::now();
  bool accept = false;
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd == listen_fd_) {
      accept = true;
    } else {
      Serve(events[i].data.fd, events[i].events, now);
    }
  }
  if (accept && listening_) Accept(now);
  if (now >= next_check_ || stopping_) CheckDeadlines(now);
  stop_round_pending_ = false;
}

void FcgiLoop::Serve(int fd, uint32_t revents, Clock::time_point now) {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].conn)
    return;  // closed earlier in this round
  FcgiConnection* c = slots_[fd].conn.get();
  if (!c->OnReady(static_cast<short>(revents), now, respond_, &answer_,
                  scratch_.data(), scratch_.size())) {
    const ConnectionClose invalid = ConnectionClose::kInvalid;
    Close(fd, c->end() == FcgiConnection::End::kInvalid ? &invalid : nullptr);
    return;
  }
  // A large page does not keep its memory for the worker's life.
  if (answer_.capacity() > (256 << 10)) std::string().swap(answer_);
  uint32_t want = static_cast<uint32_t>(c->events());
  if (want != slots_[fd].events) Watch(fd, want, false);
}

void FcgiLoop::Accept(Clock::time_point now) {
  for (size_t i = 0; i < options_.accepts_per_round; ++i) {
    UniqueFd fd(
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of descriptors: one is freed for the newest connection.
      if ((errno == EMFILE || errno == ENFILE) && Evict()) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        SetListening(false);
        accept_paused_until_ = now + kAcceptPause;
      }
      return;  // EAGAIN: none left, or another worker took it
    }
    if (open_ >= options_.max_connections) Evict();
    Add(std::move(fd), now);
  }
}

void FcgiLoop::Add(UniqueFd fd, Clock::time_point now) {
  const int n = fd.get();
  if (static_cast<size_t>(n) >= slots_.size()) slots_.resize(n + 1);
  slots_[n].conn =
      std::make_unique<FcgiConnection>(std::move(fd), options_.connection, now);
  slots_[n].accepted = ++accepted_;
  ++open_;
  Watch(n, static_cast<uint32_t>(slots_[n].conn->events()), true);
  // Its deadline is the latest of all (now + timeout): next_check_ stays
  // right, but an empty loop had none.
  if (open_ == 1) next_check_ = slots_[n].conn->deadline();
}

void FcgiLoop::Close(int fd, const ConnectionClose* why) {
  // Counted first: whoever sees the close sees it counted.
  if (why && metrics_) metrics_->CountClose(*why);
  // Closing the descriptor takes it out of the epoll set.
  slots_[fd].conn.reset();
  slots_[fd].events = 0;
  --open_;
}

bool FcgiLoop::Evict() {
  int oldest_idle = -1, nearest = -1;
  // Idle since the same moment (accepted in one round): the one accepted
  // first goes first.
  auto older = [this](int a, int b) {
    auto ta = slots_[a].conn->idle_since(), tb = slots_[b].conn->idle_since();
    return ta < tb || (ta == tb && slots_[a].accepted < slots_[b].accepted);
  };
  for (size_t fd = 0; fd < slots_.size(); ++fd) {
    const FcgiConnection* c = slots_[fd].conn.get();
    if (!c) continue;
    if (c->idle()) {
      if (oldest_idle < 0 || older(static_cast<int>(fd), oldest_idle))
        oldest_idle = static_cast<int>(fd);
    } else if (nearest < 0 ||
               c->deadline() < slots_[nearest].conn->deadline()) {
      nearest = static_cast<int>(fd);
    }
  }
  int fd = oldest_idle >= 0 ? oldest_idle : nearest;
  if (fd < 0) return false;
  const ConnectionClose cap = ConnectionClose::kCap;
  Close(fd, &cap);
  return true;
}

void FcgiLoop::CheckDeadlines(Clock::time_point now) {
  // Every deadline is set timeout after the moment it starts from, so one
  // made after this check comes after the earliest one seen here.
  next_check_ = now + options_.connection.timeout;
  const bool cut = stopping_ && now >= stop_by_;
  for (size_t fd = 0; fd < slots_.size(); ++fd) {
    FcgiConnection* c = slots_[fd].conn.get();
    if (!c) continue;
    const bool idle = c->idle();
    if (stopping_ && idle) {
      Close(static_cast<int>(fd), nullptr);
    } else if (cut || c->deadline() <= now) {
      const ConnectionClose why =
          idle ? ConnectionClose::kIdle : ConnectionClose::kSlow;
      Close(static_cast<int>(fd), &why);
    } else {
      next_check_ = std::min(next_check_, c->deadline());
    }
  }
}

void FcgiLoop::BeginStop() {
  if (stopping_) return;
  stopping_ = true;
  stop_round_pending_ = true;
  stop_by_ = Clock::now() + options_.connection.timeout;
  SetListening(false);
  for (Slot& s : slots_)
    if (s.conn) s.conn->Stop();
}

}  // namespace waymark
