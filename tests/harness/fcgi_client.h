// A FastCGI client for tests, speaking to a redirector's socket directly
// (as nginx would, or as a slow or hostile peer would): raw bytes, whole
// requests, answers read with a deadline, and the server's close seen.
// Used by the unit tests of the connection loop and by the integration
// tests; frames records with redirector/fcgi_protocol.h, whose own tests
// check the bytes.
#ifndef WAYMARK_TESTS_HARNESS_FCGI_CLIENT_H_
#define WAYMARK_TESTS_HARNESS_FCGI_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/fd.h"

namespace waymark {
namespace test {

class FcgiClient {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;

  // Connects to the unix socket at `path`; nullptr when that fails.
  static std::unique_ptr<FcgiClient> Connect(const std::string& path);

  // BEGIN_REQUEST (Responder, FCGI_KEEP_CONN as asked), the parameters,
  // the empty PARAMS and the empty STDIN: a whole request.
  static std::string Request(uint16_t id, const Params& params,
                             bool keep_conn = true);
  // nginx's parameters for a GET of `uri` from `client`.
  static Params Get(const std::string& uri,
                    const std::string& client = "20.10.0.5");

  // Sends all of `bytes`; false when the server has closed.
  bool Send(const std::string& bytes);
  // Reads until the END_REQUEST of request `id`: true with its STDOUT (the
  // CGI answer); false when the server closed first or `timeout_ms` passed.
  bool ReadAnswer(uint16_t id, int timeout_ms, std::string* cgi_answer);
  // Reads (and drops) until the server closes: true when it did within
  // `timeout_ms`.
  bool WaitClosed(int timeout_ms);
  // The server has closed (what it sent before is dropped); does not wait.
  bool Closed();

 private:
  explicit FcgiClient(UniqueFd fd) : fd_(std::move(fd)) {}
  // Reads what comes within `timeout_ms` into in_; false at the end of
  // the stream or the time.
  bool ReadMore(int timeout_ms);

  UniqueFd fd_;
  std::string in_;
};

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_FCGI_CLIENT_H_
