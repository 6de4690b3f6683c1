#include "redirector/response.h"

#include <openssl/evp.h>

#include <algorithm>

#include "core/strings.h"
#include "core/url.h"

namespace waymark {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace

std::string Response::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (ToLower(k) == ToLower(name)) return v;
  }
  return "";
}

std::string Response::Serialize(bool head) const {
  // One allocation: this runs for every request.
  size_t size = 64 + body.size();
  for (const auto& [k, v] : headers) size += k.size() + v.size() + 4;
  std::string out;
  out.reserve(size);
  out.append("Status: ").append(std::to_string(status)).append(" ").append(Reason(status));
  out.append("\r\n");
  for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  if (!head) out.append(body);
  return out;
}

Response ErrorResponse(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"},
               {"Cache-Control", "private, no-store"}};
  if (status == 405) r.headers.emplace_back("Allow", "GET, HEAD");
  if (status == 503) r.headers.emplace_back("Retry-After", "60");
  // The message never carries request bytes unescaped.
  r.body = Printable(message) + "\n";
  return r;
}

Response DocumentResponse(const std::string& content_type, std::string body) {
  Response r;
  r.status = 200;
  r.headers = {{"Content-Type", content_type}, {"Cache-Control", "private, no-store"}};
  r.body = std::move(body);
  return r;
}

Response ChecksumResponse(const std::string& hex, const std::string& path,
                          const std::string& unknown_reason) {
  if (hex.empty()) return ErrorResponse(404, unknown_reason);
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string line;
  if (name.find_first_of("\\\n\r") != std::string::npos) {
    std::string escaped;
    for (char c : name) {
      if (c == '\\') {
        escaped += "\\\\";
      } else if (c == '\n') {
        escaped += "\\n";
      } else if (c == '\r') {
        escaped += "\\r";
      } else {
        escaped += c;
      }
    }
    line = "\\" + hex + "  " + escaped + "\n";
  } else {
    line = hex + "  " + name + "\n";
  }
  return DocumentResponse("text/plain; charset=utf-8", line);
}

std::string Sha256HexToBase64(const std::string& hex) {
  if (hex.size() != 64) return "";
  unsigned char raw[32];
  for (size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = hex[2 * i + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return "";
      v = v * 16 + d;
    }
    raw[i] = static_cast<unsigned char>(v);
  }
  unsigned char out[45];
  int n = EVP_EncodeBlock(out, raw, 32);
  return std::string(reinterpret_cast<char*>(out), n);
}

Response RedirectResponse(const Selection& sel, const FileRecord& file,
                          const std::string& origin_url, int max_links) {
  const std::string path = EncodePath(file.path);
  const Candidate& best = sel.ranked.front();
  Response r;
  r.status = 302;
  r.headers.reserve(static_cast<size_t>(std::max(max_links, 0)) + 8);
  std::string location;
  location.reserve(best.url.size() + path.size());
  location.append(best.url).append(path);
  r.body.reserve(location.size() + 8);
  r.body.append("Found: ").append(location).append("\n");
  r.headers.emplace_back("Location", std::move(location));
  for (size_t i = 1; i < sel.ranked.size() && static_cast<int>(i) <= max_links; ++i) {
    const Candidate& c = sel.ranked[i];
    std::string link;
    link.reserve(c.url.size() + path.size() + 40);
    link.append("<").append(c.url).append(path).append(">; rel=duplicate; pri=");
    link.append(std::to_string(i));
    const std::string& cc = c.status->mirror.country;
    if (!cc.empty()) link.append("; geo=").append(ToLower(cc));
    r.headers.emplace_back("Link", std::move(link));
  }
  std::string meta;
  meta.reserve(origin_url.size() + path.size() + 64);
  meta.append("<").append(origin_url).append(path);
  meta.append(".meta4>; rel=describedby; type=\"application/metalink4+xml\"");
  r.headers.emplace_back("Link", std::move(meta));
  std::string b64 = Sha256HexToBase64(file.sha256_hex);
  if (!b64.empty()) {
    r.headers.emplace_back("Digest", "SHA-256=" + b64);
    r.headers.emplace_back("Repr-Digest", "sha-256=:" + b64 + ":");
  }
  r.headers.emplace_back("Cache-Control", "private, no-store");
  r.headers.emplace_back("X-Waymark-Mirror",
                         best.status->mirror.name + "; tier=" + TierName(best.tier));
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

}  // namespace waymark
