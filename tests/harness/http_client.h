// A small HTTP client for tests (libcurl): one request, the whole answer.
#ifndef WAYMARK_TESTS_HARNESS_HTTP_CLIENT_H_
#define WAYMARK_TESTS_HARNESS_HTTP_CLIENT_H_

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace waymark {
namespace test {

struct HttpRequest {
  std::string url;
  std::string method = "GET";        // "HEAD" sends no body back
  std::vector<std::string> headers;  // "Name: value"
  bool follow_redirects = false;
  int timeout_ms = 10000;
  std::string ca_file;  // for https:// with a test CA
};

struct HttpResponse {
  long status = 0;
  // In order, names lower-cased, values trimmed (only the final answer's
  // headers when redirects are followed).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string effective_url;  // after redirects

  // The first value of the header `name` (any case), "" when absent.
  std::string Header(const std::string& name) const;
  std::vector<std::string> Headers(const std::string& name) const;
};

// Transport errors (refused, timeout, TLS) are errors; any HTTP status is OK.
Status HttpFetch(const HttpRequest& request, HttpResponse* response);

// GET url with optional extra headers; a failed transport gives status 0
// and the error text in body.
HttpResponse HttpGet(const std::string& url,
                     const std::vector<std::string>& headers = {});

}  // namespace test
}  // namespace waymark

#endif  // WAYMARK_TESTS_HARNESS_HTTP_CLIENT_H_
