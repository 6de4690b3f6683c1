// Owning handles for libcurl's easy and multi handles and header lists:
// the one RAII wrapper for the code that uses libcurl (core/net's fetch,
// the scanner's HTTP and FTP listers, the test harness's HTTP client).
// Each frees its handle on destruction; copies are impossible
// (std::unique_ptr).
#ifndef WAYMARK_CORE_NET_CURL_HANDLE_H_
#define WAYMARK_CORE_NET_CURL_HANDLE_H_

#include <curl/curl.h>

#include <memory>

namespace waymark {

struct CurlEasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlMultiFree {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct CurlSlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyFree>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiFree>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistFree>;

// A new easy handle; null when libcurl cannot make one.
inline CurlEasy NewCurlEasy() { return CurlEasy(curl_easy_init()); }

}  // namespace waymark

#endif  // WAYMARK_CORE_NET_CURL_HANDLE_H_
