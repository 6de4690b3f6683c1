#include "tests/harness/fcgi_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "redirector/fcgi_protocol.h"

namespace waymark {
namespace test {

std::unique_ptr<FcgiClient> FcgiClient::Connect(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  if (!fd.valid() ||
      connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return nullptr;
  return std::unique_ptr<FcgiClient>(new FcgiClient(std::move(fd)));
}

std::string FcgiClient::Request(uint16_t id, const Params& params,
                                bool keep_conn) {
  std::string out;
  const char begin[8] = {0, static_cast<char>(fcgi::kResponder),
                         static_cast<char>(keep_conn ? fcgi::kKeepConn : 0)};
  AppendRecord(fcgi::kBeginRequest, id, std::string_view(begin, 8), &out);
  std::string block;
  for (const auto& [name, value] : params)
    AppendNameValuePair(name, value, &block);
  for (size_t i = 0; i < block.size(); i += fcgi::kMaxContent)
    AppendRecord(fcgi::kParams, id, block.substr(i, fcgi::kMaxContent), &out);
  AppendRecord(fcgi::kParams, id, "", &out);
  AppendRecord(fcgi::kStdin, id, "", &out);
  return out;
}

FcgiClient::Params FcgiClient::Get(const std::string& uri,
                                   const std::string& client) {
  return {{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", uri},
          {"DOCUMENT_URI", uri},     {"QUERY_STRING", ""},
          {"REMOTE_ADDR", client},   {"HTTP_HOST", "repo.example.org"}};
}

bool FcgiClient::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool FcgiClient::ReadMore(int timeout_ms) {
  pollfd p{fd_.get(), POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[16384];
  ssize_t n = read(fd_.get(), buf, sizeof buf);
  if (n <= 0) return false;
  in_.append(buf, static_cast<size_t>(n));
  return true;
}

bool FcgiClient::ReadAnswer(uint16_t id, int timeout_ms,
                            std::string* cgi_answer) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
  cgi_answer->clear();
  size_t pos = 0;
  while (true) {
    // Whole records first.
    while (in_.size() - pos >= fcgi::kHeaderSize) {
      const auto* h = reinterpret_cast<const unsigned char*>(in_.data() + pos);
      size_t length = (h[4] << 8) | h[5], total = 8 + length + h[6];
      if (in_.size() - pos < total) break;
      uint16_t rid = static_cast<uint16_t>((h[2] << 8) | h[3]);
      if (rid == id && h[1] == fcgi::kStdout)
        cgi_answer->append(in_, pos + 8, length);
      pos += total;
      if (rid == id && h[1] == fcgi::kEndRequest) {
        in_.erase(0, pos);
        return true;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - Clock::now());
    if (left.count() <= 0 || !ReadMore(static_cast<int>(left.count())))
      return false;
  }
}

bool FcgiClient::WaitClosed(int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - Clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd_.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    ssize_t n = read(fd_.get(), buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
  }
}

bool FcgiClient::Closed() { return WaitClosed(0); }

}  // namespace test
}  // namespace waymark
