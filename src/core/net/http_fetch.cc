#include "core/net/http_fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/net/curl_handle.h"
#include "core/strings.h"

namespace waymark {

namespace {

struct StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
using Store = std::unique_ptr<X509_STORE, StoreDeleter>;

// The CA certificates, read once for all transfers. Left to itself libcurl
// (7.88 with OpenSSL 3) reads and parses the whole CA bundle again for every
// TLS connection: ~75 ms each with the system's bundle, over a minute for a
// thousand HTTPS checks. Every connection's SSL_CTX shares this store
// instead (reference counted, read only once built).
CURLcode UseSharedStore(CURL*, void* ssl_ctx, void* store) {
  SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx),
                          static_cast<X509_STORE*>(store));
  return CURLE_OK;
}

// The store for `ca_file`, or the system's default CA locations when it is
// empty; null (and `error` set) when the file cannot be read.
Store LoadStore(const std::string& ca_file, std::string* error) {
  Store store(X509_STORE_new());
  if (!store) {
    *error = "cannot allocate a certificate store";
    return nullptr;
  }
  int ok = ca_file.empty() ? X509_STORE_set_default_paths(store.get())
                           : X509_STORE_load_file(store.get(), ca_file.c_str());
  if (ok != 1) {
    *error = "cannot read the CA certificates in " + ca_file;
    return nullptr;
  }
  return store;
}

// One transfer in flight.
struct Transfer {
  size_t index = 0;
  CurlEasy easy;
  FetchResult* result = nullptr;
  size_t max_body = 0;
  int family = 0;  // the request's, 0 for any
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {0};
  // Redirects followed by hand (FetchRequest::follow_redirects).
  int hop = 0;           // 0: the request's own URL
  std::string own_host;  // the request URL's host, lower case
  IpAddress first;       // the first connection's address
  bool have_first = false;
  std::string refused_address;  // a redirect's address refused, if any
};

// The host of an absolute http(s) URL, lower case; "" when it has none.
std::string HostOf(const std::string& url, std::string* scheme = nullptr) {
  CURLU* u = curl_url();
  if (!u) return "";
  std::string host;
  char* part = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
      host = part;
      curl_free(part);
    }
    if (scheme && curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
      *scheme = part;
      curl_free(part);
    }
  }
  curl_url_cleanup(u);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  for (char& c : host)
    c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return host;
}

// Opens each connection's socket, after DNS: records the first address a
// request connects to and refuses a redirect's special-purpose address
// unless the first was one too.
curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* a) {
  Transfer* t = static_cast<Transfer*>(user);
  IpAddress address;
  char text[INET6_ADDRSTRLEN] = {0};
  if (a->family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&a->addr)->sin_addr,
              text, sizeof text);
  else if (a->family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&a->addr)->sin6_addr,
              text, sizeof text);
  bool known = IpAddress::Parse(text, &address);
  if (t->hop == 0) {
    if (known && !t->have_first) {
      t->first = address;
      t->have_first = true;
    }
  } else if (!known || !t->have_first ||
             !RedirectAddressAllowed(address, t->first)) {
    t->refused_address = known ? address.ToString() : "an unknown address";
    return CURL_SOCKET_BAD;
  }
  return socket(a->family, a->socktype, a->protocol);
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t bytes = size * n;
  if (t->result->body.size() + bytes > t->max_body) {
    t->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  t->result->body.append(data, bytes);
  return bytes;
}

std::string Seconds(long long ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

bool IsTlsError(CURLcode c) {
  switch (c) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return true;
    default:
      return false;
  }
}

// Turns a finished transfer into its result.
void Finish(Transfer* t, CURLcode code, const FetchOptions& o) {
  FetchResult* r = t->result;
  CURL* e = t->easy.get();
  curl_off_t total_us = 0;
  curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
  r->latency_ms = static_cast<long long>(total_us / 1000);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  r->status = status;
  curl_off_t length = -1;
  curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  r->content_length = static_cast<long long>(length);
  char* location = nullptr;
  curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &location);
  if (location) r->redirect_url = location;

  std::string detail = t->error[0] ? t->error : curl_easy_strerror(code);
  if (!t->refused_address.empty()) {
    r->error = FetchResult::Error::kOther;
    r->message = "redirected to a special-purpose address (" +
                 t->refused_address + "), not connected";
    return;
  }
  switch (code) {
    case CURLE_OK:
      r->error = FetchResult::Error::kNone;
      r->message.clear();
      return;
    case CURLE_COULDNT_RESOLVE_HOST:
      r->error = FetchResult::Error::kResolve;
      r->message = "cannot resolve host";
      return;
    case CURLE_OPERATION_TIMEDOUT: {
      r->error = FetchResult::Error::kTimeout;
      curl_off_t connect_us = 0;
      curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
      r->message = connect_us == 0 ? "timeout: no connection after " +
                                         Seconds(o.connect_timeout_ms)
                                   : "timeout after " + Seconds(o.timeout_ms);
      return;
    }
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
      char* ip = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
      if (t->family != 0 && os_errno == 0 && (!ip || !*ip)) {
        // Pinned to one family, the name has no address of it: libcurl
        // (7.88) says "couldn't connect" without trying any address. A
        // resolve failure, so that a host without IPv6 is "not offered"
        // over IPv6 rather than down.
        r->error = FetchResult::Error::kResolve;
        r->message = "no IPv" + std::to_string(t->family) + " address";
      } else if (os_errno == ECONNREFUSED) {
        r->error = FetchResult::Error::kRefused;
        r->message = "connection refused";
      } else {
        r->error = FetchResult::Error::kOther;
        r->message = os_errno ? std::string("cannot connect: ") +
                                    std::strerror(static_cast<int>(os_errno))
                              : "cannot connect: " + detail;
      }
      return;
    }
    case CURLE_WRITE_ERROR:
      if (t->too_large) {
        r->error = FetchResult::Error::kTooLarge;
        r->message =
            "answer larger than " + std::to_string(o.max_body) + " bytes";
        return;
      }
      break;
    default:
      break;
  }
  r->error =
      IsTlsError(code) ? FetchResult::Error::kTls : FetchResult::Error::kOther;
  r->message = (IsTlsError(code) ? "TLS error: " : "") + detail;
}

// A transfer of `url` (the request's own, or a redirect's) for `req`.
CurlEasy NewEasy(const FetchRequest& req, const std::string& url,
                 const FetchOptions& o, X509_STORE* store, Transfer* t) {
  CurlEasy easy = NewCurlEasy();
  CURL* e = easy.get();
  if (!e) return easy;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(o.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout_ms));
  t->family = req.family;
  curl_easy_setopt(e, CURLOPT_IPRESOLVE,
                   req.family == 4   ? CURL_IPRESOLVE_V4
                   : req.family == 6 ? CURL_IPRESOLVE_V6
                                     : CURL_IPRESOLVE_WHATEVER);
  // Redirects are followed here, hop by hop, so that each is checked.
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  if (req.head) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  // No CA file or folder of libcurl's own: the shared store replaces them.
  // A libcurl built on another TLS library than OpenSSL has no SSL_CTX to
  // share it with; it then reads the CA file itself, slower but right.
  if (store && curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, UseSharedStore) ==
                   CURLE_OK) {
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, store);
    curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  } else if (!o.ca_file.empty()) {
    curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
  }
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  return easy;
}

constexpr int kMaxRedirects = 5;

}  // namespace

std::string RedirectRefusal(const std::string& url, const std::string& own_host,
                            const std::vector<std::string>& redirect_hosts) {
  std::string scheme;
  std::string host = HostOf(url, &scheme);
  if (host.empty() || (scheme != "http" && scheme != "https"))
    return "redirect to " + Printable(url) + ", not an http(s) URL";
  if (host == own_host) return "";
  for (const std::string& h : redirect_hosts)
    if (host == h) return "";
  return "redirect to another host (" + Printable(host) + ") than the mirror's";
}

bool RedirectAddressAllowed(const IpAddress& address, const IpAddress& first) {
  return address.IsGlobal() || !first.IsGlobal();
}

void FetchAll(const std::vector<FetchRequest>& requests,
              const FetchOptions& options, std::vector<FetchResult>* results) {
  results->assign(requests.size(), FetchResult());
  CurlMulti multi(curl_multi_init());
  if (!multi) {
    for (auto& r : *results) r.message = "cannot start libcurl";
    return;
  }
  // Without its CA certificates no HTTPS request can be checked; plain
  // HTTP ones still can.
  std::string store_error;
  Store store = LoadStore(options.ca_file, &store_error);
  // Transfers live here until they finish; the easy handle's private
  // pointer leads back to them.
  std::vector<std::unique_ptr<Transfer>> running(requests.size());
  size_t next = 0, active = 0;
  const size_t parallel =
      static_cast<size_t>(options.parallel > 0 ? options.parallel : 1);
  auto start_more = [&] {
    while (active < parallel && next < requests.size()) {
      if (!store && requests[next].url.rfind("http://", 0) != 0) {
        (*results)[next].error = FetchResult::Error::kTls;
        (*results)[next].message = "TLS error: " + store_error;
        ++next;
        continue;
      }
      auto t = std::make_unique<Transfer>();
      t->index = next;
      t->result = &(*results)[next];
      t->max_body = options.max_body;
      t->own_host = HostOf(requests[next].url);
      t->easy = NewEasy(requests[next], requests[next].url, options,
                        store.get(), t.get());
      if (!t->easy ||
          curl_multi_add_handle(multi.get(), t->easy.get()) != CURLM_OK) {
        t->result->message = "cannot start a transfer";
      } else {
        ++active;
        running[next] = std::move(t);
      }
      ++next;
    }
  };
  start_more();
  while (active > 0) {
    int still = 0;
    curl_multi_perform(multi.get(), &still);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      CURLcode code = msg->data.result;
      curl_multi_remove_handle(multi.get(), msg->easy_handle);
      Finish(t, code, options);
      const FetchRequest& req = requests[t->index];
      FetchResult* r = t->result;
      if (req.follow_redirects && r->ok() && r->status >= 300 &&
          r->status < 400 && !r->redirect_url.empty()) {
        std::string why =
            t->hop >= kMaxRedirects
                ? "more than " + std::to_string(kMaxRedirects) + " redirects"
                : RedirectRefusal(r->redirect_url, t->own_host,
                                  req.redirect_hosts);
        if (why.empty()) {
          // The next hop, in the same transfer slot; what it answers replaces
          // this 3xx.
          std::string url = r->redirect_url;
          *r = FetchResult();  // the 3xx's body and fields go
          auto hop = std::make_unique<Transfer>();
          hop->index = t->index;
          hop->result = r;
          hop->max_body = t->max_body;
          hop->hop = t->hop + 1;
          hop->own_host = t->own_host;
          hop->first = t->first;
          hop->have_first = t->have_first;
          hop->easy = NewEasy(req, url, options, store.get(), hop.get());
          if (hop->easy &&
              curl_multi_add_handle(multi.get(), hop->easy.get()) == CURLM_OK) {
            running[t->index] = std::move(hop);  // frees the old easy handle
            continue;
          }
          r->redirect_refused = "cannot start a transfer";
        } else {
          r->redirect_refused = why;
        }
      }
      running[t->index].reset();  // frees the easy handle
      --active;
    }
    start_more();
    if (active > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
  }
}

}  // namespace waymark
