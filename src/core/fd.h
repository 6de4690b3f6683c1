// UniqueFd: one owned file descriptor, closed when its owner goes. Every
// file, socket, pipe and memfd the programs open is held in one, so that no
// early return leaks a descriptor and no descriptor is closed twice. Any
// code may use it; header only.
#ifndef WAYMARK_CORE_FD_H_
#define WAYMARK_CORE_FD_H_

#include <fcntl.h>
#include <unistd.h>

namespace waymark {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes `fd` (a negative value: none, as open() and socket() fail).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes what is held and takes `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Closes now and returns close()'s result (0 when nothing was held): a
  // file written through the descriptor can report its last write error
  // only there.
  int Close() {
    int fd = release();
    return fd >= 0 ? ::close(fd) : 0;
  }

 private:
  int fd_ = -1;
};

// Both ends of a new pipe; pipe2()'s result (0, or -1 with errno set).
inline int MakePipe(UniqueFd* read_end, UniqueFd* write_end,
                    int flags = O_CLOEXEC) {
  int p[2];
  if (pipe2(p, flags) != 0) return -1;
  read_end->reset(p[0]);
  write_end->reset(p[1]);
  return 0;
}

}  // namespace waymark

#endif  // WAYMARK_CORE_FD_H_
