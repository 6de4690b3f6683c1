// What the redirector answers, as plain data: built by pure functions from
// the request, the file and the selection, written out by the FastCGI layer.
// Every output (redirect, mirror list, JSON, Metalink, checksums) is one of
// these, so each can be tested without a server.
#ifndef WAYMARK_REDIRECTOR_RESPONSE_H_
#define WAYMARK_REDIRECTOR_RESPONSE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/file_record.h"
#include "core/model/selection.h"

namespace waymark {

struct Response {
  int status = 200;
  // The header lines, each "Name: value\r\n", in the order added: kept as
  // the text they are sent as, so a redirect (the answer to nearly every
  // request) is written once and copied once, with no string per header.
  std::string header_lines;
  std::string body;

  // Adds a header. `value` must not hold CR or LF: values come from this
  // program (URLs it encoded, fixed texts), never raw from a request.
  void AddHeader(std::string_view name, std::string_view value);
  // The header's value, "" when absent (the first one when repeated);
  // names compare without case.
  std::string Header(std::string_view name) const;
  // Every header as (name, value), in order: for tests and tools.
  std::vector<std::pair<std::string, std::string>> Headers() const;
  // "Status: 302 Found\r\nLocation: ...\r\n...\r\n\r\nbody" for FastCGI,
  // with Content-Length; no body for HEAD. Replaces `*out`'s contents,
  // reusing its buffer.
  void SerializeTo(bool head, std::string* out) const;
};

// A short text/plain answer for errors: 400, 404, 405 (with Allow), 503
// (with Retry-After).
Response ErrorResponse(int status, const std::string& message);

// The 302 to sel.ranked[0]: Location; RFC 6249 Link rel=duplicate for the
// next `max_links` mirrors (pri 1..n, geo=country); Link rel=describedby to
// the Metalink at `origin_url` + path + ".meta4"; RFC 3230 Digest and RFC
// 9530 Repr-Digest when the SHA-256 is known; Cache-Control: private,
// no-store; X-Waymark-Mirror naming the mirror and its tier.
// `sel.ranked` must not be empty.
Response RedirectResponse(const Selection& sel, const FileRecord& file,
                          const std::string& origin_url, int max_links);

// A 200 document: `content_type`, Cache-Control: private, no-store (the
// answers depend on the client), and `body`.
Response DocumentResponse(const std::string& content_type, std::string body);

// A Content-Disposition value (RFC 6266) naming `filename` as people read
// it: filename="..." with the name itself where it is printable ASCII
// ('_' for anything else, and for '"' and '\\'), and filename*=UTF-8''...
// (RFC 8187) with the exact name when that fallback differs.
std::string ContentDisposition(std::string_view disposition,
                               std::string_view filename);

// `?sha256` and friends: text/plain "<hex>  <basename>\n", the line
// sha256sum -c reads (a name with a backslash or newline is escaped as
// coreutils does, with a leading '\'). An empty `hex` gives 404 with
// `unknown_reason`.
Response ChecksumResponse(const std::string& hex, const std::string& path,
                          const std::string& unknown_reason);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_RESPONSE_H_
