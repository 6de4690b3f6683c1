// Many HTTP(S) requests at once over libcurl's multi interface: the
// network side of waymark-trace, behind one function. Each request may be
// pinned to an IP family; failures come back classified (timeout, refused,
// TLS, name resolution...) with a one-line message for the operator, never
// as exceptions.
#ifndef WAYMARK_CORE_NET_HTTP_FETCH_H_
#define WAYMARK_CORE_NET_HTTP_FETCH_H_

#include <string>
#include <vector>

#include "core/ip_address.h"

namespace waymark {

struct FetchRequest {
  std::string url;
  int family = 0;  // 4 or 6: only that IP family (CURLOPT_IPRESOLVE); 0: any
  bool head = false;
  // Else a 3xx answer is returned as it is. Followed at most 5 times, and
  // only to http(s) URLs on the URL's own host or one of `redirect_hosts`,
  // never to a special-purpose address (loopback, private, link-local...,
  // IpAddress::IsGlobal) unless the first address connected to was one
  // too: a mirror cannot turn a check against the origin's own network.
  // A redirect refused comes back as the 3xx with `redirect_refused` set.
  bool follow_redirects = false;
  std::vector<std::string> redirect_hosts;  // lower case
};

struct FetchResult {
  enum class Error {
    kNone,
    kResolve,
    kTimeout,
    kRefused,
    kTls,
    kTooLarge,
    kOther
  };
  Error error = Error::kOther;
  // For an error, one line: "connection refused", "timeout after 5 s",
  // "TLS error: SSL certificate problem: self-signed certificate",
  // "cannot resolve host", "answer larger than 65536 bytes".
  std::string message;
  long status = 0;  // HTTP status of the (last) answer
  std::string body;
  long long content_length = -1;  // -1: not sent
  std::string redirect_url;       // Location of a 3xx that was not followed
  std::string
      redirect_refused;      // why that redirect was not followed, if asked to
  long long latency_ms = 0;  // whole transfer

  bool ok() const { return error == Error::kNone; }
};

struct FetchOptions {
  long long connect_timeout_ms = 10000;
  long long timeout_ms = 30000;
  int parallel = 64;    // transfers at once
  std::string ca_file;  // PEM CA bundle; "" the system's
  std::string user_agent = "waymark";
  size_t max_body = 65536;  // longer bodies fail with kTooLarge
};

// The rules of FetchRequest::follow_redirects, for one hop: may a redirect
// go to `url`? "" when it may, else why not.
std::string RedirectRefusal(const std::string& url, const std::string& own_host,
                            const std::vector<std::string>& redirect_hosts);
// May a redirect's connection go to `address`, when the first connection
// of the request went to `first` (any address is fine on the first hop)?
bool RedirectAddressAllowed(const IpAddress& address, const IpAddress& first);

// Runs every request, at most `parallel` at a time, and fills `results`
// (same order and size as `requests`). Returns when all are done.
void FetchAll(const std::vector<FetchRequest>& requests,
              const FetchOptions& options, std::vector<FetchResult>* results);

}  // namespace waymark

#endif  // WAYMARK_CORE_NET_HTTP_FETCH_H_
