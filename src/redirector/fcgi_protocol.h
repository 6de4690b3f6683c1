// FastCGI 1.0 framing, as the redirector speaks it to nginx: a pure,
// incremental parser of what the web server sends (fed bytes as they come,
// it gives whole requests) and the writers of what the application sends
// back. No I/O: the connection (redirector/fcgi_connection.h) reads and
// writes the socket. Used by the redirector's workers and by tests.
//
// The redirector frames records itself instead of using libfcgi, whose
// FCGX_Accept_r reads a whole request with blocking reads: one peer that
// sends half a record holds a worker until it closes. Here nothing blocks,
// and a request is bounded: its PARAMS stream may hold at most
// Limits::max_param_bytes bytes and Limits::max_params pairs.
//
// What is supported: the Responder role, one request at a time per
// connection (a second BEGIN_REQUEST while one is in progress gets
// END_REQUEST with FCGI_CANT_MPX_CONN), FCGI_KEEP_CONN, ABORT_REQUEST,
// the GET_VALUES management record (FCGI_MAX_CONNS, FCGI_MAX_REQS,
// FCGI_MPXS_CONNS) and FCGI_UNKNOWN_TYPE for other management records.
// STDIN is read and dropped (the redirector answers GET and HEAD only).
// Anything else (another version, a record only applications send, a
// malformed BEGIN_REQUEST or name-value pair, a limit passed) is a protocol
// error: the connection is to be closed.
#ifndef WAYMARK_REDIRECTOR_FCGI_PROTOCOL_H_
#define WAYMARK_REDIRECTOR_FCGI_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace waymark {
namespace fcgi {

// Record types and values of the FastCGI 1.0 specification.
constexpr uint8_t kVersion1 = 1;
constexpr uint8_t kBeginRequest = 1;
constexpr uint8_t kAbortRequest = 2;
constexpr uint8_t kEndRequest = 3;
constexpr uint8_t kParams = 4;
constexpr uint8_t kStdin = 5;
constexpr uint8_t kStdout = 6;
constexpr uint8_t kStderr = 7;
constexpr uint8_t kData = 8;
constexpr uint8_t kGetValues = 9;
constexpr uint8_t kGetValuesResult = 10;
constexpr uint8_t kUnknownType = 11;
constexpr uint16_t kResponder = 1;
constexpr uint8_t kKeepConn = 1;  // BEGIN_REQUEST flag
// END_REQUEST protocol status.
constexpr uint8_t kRequestComplete = 0;
constexpr uint8_t kCantMpxConn = 1;
constexpr uint8_t kUnknownRole = 3;
constexpr size_t kHeaderSize = 8;
constexpr size_t kMaxContent = 65535;

}  // namespace fcgi

// One parameter of a request, pointing into the parser's buffer.
struct FcgiParam {
  std::string_view name;
  std::string_view value;
};

// A whole request: its id, whether the web server keeps the connection
// for more, and its parameters in the order sent.
struct FcgiRequest {
  uint16_t id = 0;
  bool keep_conn = false;
  std::vector<FcgiParam> params;
};

class FcgiParser {
 public:
  struct Limits {
    // The PARAMS stream of one request, in bytes, and its pairs. nginx's
    // own fastcgi_params with every request header passed stays far below.
    size_t max_param_bytes = 64 << 10;
    size_t max_params = 512;
    // What GET_VALUES answers for FCGI_MAX_CONNS and FCGI_MAX_REQS.
    int max_conns = 512;
  };

  enum class Result {
    kNeedMore,  // all of the input was taken; no request is complete
    kRequest,   // request() is complete: answer it before feeding more
    kEnded,     // a request ended without an answer (aborted, or a role
                // other than Responder); its END_REQUEST is in `replies`
    kError,     // not FastCGI as this parser takes it: see error()
  };

  explicit FcgiParser(Limits limits) : limits_(limits) {}

  // Takes bytes from `in`, up to the end of the record that completes or
  // ends a request (then returns kRequest or kEnded) or all of them
  // (kNeedMore); `*used` says how many. What the application must send
  // whatever comes next (GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE, END_REQUEST
  // refusing a second request or an unknown role, or ending an aborted
  // one) is appended to `*replies`. After kError nothing more may be fed.
  Result Feed(std::string_view in, size_t* used, std::string* replies);

  // After kRequest: the request. Its views stay valid until the next Feed.
  const FcgiRequest& request() const { return request_; }
  // After kRequest or kEnded: whether the web server asked to keep the
  // connection (FCGI_KEEP_CONN) for that request.
  bool keep_conn() const { return request_.keep_conn; }
  // After kError: what was wrong, for a log line.
  const std::string& error() const { return error_; }
  // True between records with no request in progress: nothing is owed to
  // or by the peer, so closing now loses nothing.
  bool idle() const {
    return state_ == State::kHeader && header_len_ == 0 && !active_;
  }

 private:
  enum class State { kHeader, kContent, kPadding };
  // Where a record's content goes.
  enum class Sink { kDiscard, kSmall, kParams };

  Result StartRecord();
  Result EndRecord(std::string* replies);
  Result Fail(std::string why);

  Limits limits_;
  State state_ = State::kHeader;
  unsigned char header_[fcgi::kHeaderSize];
  size_t header_len_ = 0;
  // The record being read.
  uint8_t type_ = 0;
  uint16_t id_ = 0;
  size_t content_length_ = 0;
  size_t content_left_ = 0;
  size_t padding_left_ = 0;
  Sink sink_ = Sink::kDiscard;
  std::string small_;  // BEGIN_REQUEST and management records' content
  // The request in progress.
  bool active_ = false;
  bool params_done_ = false;
  std::string param_block_;
  FcgiRequest request_;
  std::string error_;
};

// Parses FastCGI name-value pairs (lengths of 1 byte, or 4 with the high
// bit set) into views of `block`, appending to `*out`. False, with `*why`,
// when a length runs past the end or there would be more than `max_pairs`.
bool ParseNameValuePairs(std::string_view block, size_t max_pairs,
                         std::vector<FcgiParam>* out, std::string* why);
void AppendNameValuePair(std::string_view name, std::string_view value,
                         std::string* out);

// One record (content of at most fcgi::kMaxContent bytes, no padding).
void AppendRecord(uint8_t type, uint16_t id, std::string_view content,
                  std::string* out);
void AppendEndRequest(uint16_t id, uint32_t app_status, uint8_t protocol_status,
                      std::string* out);
// The whole answer to request `id`: `cgi_response` (CGI headers, blank
// line, body) as STDOUT records, the empty STDOUT record that ends the
// stream, and END_REQUEST (complete, status 0).
void AppendResponse(uint16_t id, std::string_view cgi_response,
                    std::string* out);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_FCGI_PROTOCOL_H_
