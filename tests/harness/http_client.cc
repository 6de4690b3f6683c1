#include "tests/harness/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "core/net/curl_handle.h"

namespace waymark {
namespace test {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    r->headers.clear();  // a new response (after a redirect)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r\n"),
           e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  r->headers.emplace_back(Lower(trim(line.substr(0, colon))),
                          trim(line.substr(colon + 1)));
  return size * n;
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  std::string n = Lower(name);
  for (const auto& [k, v] : headers)
    if (k == n) return v;
  return "";
}

std::vector<std::string> HttpResponse::Headers(const std::string& name) const {
  std::string n = Lower(name);
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (k == n) out.push_back(v);
  return out;
}

Status HttpFetch(const HttpRequest& request, HttpResponse* response) {
  *response = HttpResponse();
  CurlEasy curl = NewCurlEasy();
  if (!curl) return Status::IOError("curl_easy_init failed");
  CURL* c = curl.get();
  CurlSlist headers;
  for (const auto& h : request.headers)
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION,
                   request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.ca_file.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, response);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, response);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return Status::IOError(request.url + ": " +
                           (error[0] ? error : curl_easy_strerror(rc)));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response->status);
  char* eff = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
  if (eff) response->effective_url = eff;
  return Status::OK();
}

HttpResponse HttpGet(const std::string& url,
                     const std::vector<std::string>& headers) {
  HttpRequest req;
  req.url = url;
  req.headers = headers;
  HttpResponse r;
  Status s = HttpFetch(req, &r);
  if (!s.ok()) {
    r.status = 0;
    r.body = s.message();
  }
  return r;
}

}  // namespace test
}  // namespace waymark
