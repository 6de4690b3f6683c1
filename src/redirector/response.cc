#include "redirector/response.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "core/strings.h"
#include "core/url.h"

namespace waymark {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace

void Response::AddHeader(std::string_view name, std::string_view value) {
  header_lines.append(name).append(": ").append(value).append("\r\n");
}

namespace {

// Calls fn(name, value) for each line of `lines` until it returns true.
template <typename Fn>
void ForEachHeader(std::string_view lines, Fn fn) {
  while (!lines.empty()) {
    size_t eol = lines.find("\r\n");
    std::string_view line = lines.substr(0, eol);
    lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    if (fn(line.substr(0, colon), line.substr(colon + 2))) return;
  }
}

void AppendNumber(long long n, std::string* out) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out->append(buf, static_cast<size_t>(end - buf));
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  std::string found;
  ForEachHeader(header_lines, [&](std::string_view k, std::string_view v) {
    if (ToLower(k) != ToLower(name)) return false;  // tests and tools only
    found = v;
    return true;
  });
  return found;
}

std::vector<std::pair<std::string, std::string>> Response::Headers() const {
  std::vector<std::pair<std::string, std::string>> all;
  ForEachHeader(header_lines, [&](std::string_view k, std::string_view v) {
    all.emplace_back(k, v);
    return false;
  });
  return all;
}

void Response::SerializeTo(bool head, std::string* out) const {
  // One buffer, reused from request to request by the worker: this runs
  // for every request.
  out->clear();
  out->reserve(64 + header_lines.size() + body.size());
  out->append("Status: ");
  AppendNumber(status, out);
  out->append(" ").append(Reason(status)).append("\r\n");
  out->append(header_lines);
  out->append("Content-Length: ");
  AppendNumber(static_cast<long long>(body.size()), out);
  out->append("\r\n\r\n");
  if (!head) out->append(body);
}

Response ErrorResponse(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.AddHeader("Content-Type", "text/plain; charset=utf-8");
  r.AddHeader("Cache-Control", "private, no-store");
  // Plain text, whatever a browser would guess from the request's bytes.
  r.AddHeader("X-Content-Type-Options", "nosniff");
  if (status == 405) r.AddHeader("Allow", "GET, HEAD");
  if (status == 503) r.AddHeader("Retry-After", "60");
  // The message never carries request bytes unescaped.
  r.body = Printable(message) + "\n";
  return r;
}

Response DocumentResponse(const std::string& content_type, std::string body) {
  Response r;
  r.status = 200;
  r.AddHeader("Content-Type", content_type);
  r.AddHeader("Cache-Control", "private, no-store");
  r.body = std::move(body);
  return r;
}

std::string ContentDisposition(std::string_view disposition,
                               std::string_view filename) {
  std::string fallback;
  for (unsigned char c : filename)
    fallback += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
                    ? static_cast<char>(c)
                    : '_';
  std::string out =
      std::string(disposition) + "; filename=\"" + fallback + "\"";
  if (fallback != filename) {
    // RFC 8187 attr-char, everything else percent-encoded as UTF-8 bytes.
    out += "; filename*=UTF-8''";
    for (unsigned char c : filename) {
      if (isalnum(c) || (c != 0 && strchr("!#$&+-.^_`|~", c))) {
        out += static_cast<char>(c);
      } else {
        AppendPercentEscape(c, &out);
      }
    }
  }
  return out;
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

Response RedirectResponse(const Selection& sel, const FileRecord& file,
                          const std::string& origin_url, int max_links) {
  // Written straight into the header lines and the body: nearly every
  // request gets this answer.
  std::string encoded;
  const std::string_view path = EncodedPath(file.path, &encoded);
  const Candidate& best = sel.ranked.front();
  const size_t links = std::min(sel.ranked.size() - 1,
                                static_cast<size_t>(std::max(max_links, 0)));
  Response r;
  r.status = 302;
  std::string& h = r.header_lines;
  size_t size = 300 + origin_url.size() + best.status->mirror.name.size() +
                (links + 2) * path.size() + best.url.size();
  for (size_t i = 1; i <= links; ++i) size += sel.ranked[i].url.size() + 48;
  h.reserve(size);
  h.append("Location: ").append(best.url).append(path).append("\r\n");
  for (size_t i = 1; i <= links; ++i) {
    const Candidate& c = sel.ranked[i];
    h.append("Link: <").append(c.url).append(path).append(
        ">; rel=duplicate; pri=");
    AppendNumber(static_cast<long long>(i), &h);
    const std::string& cc = c.status->mirror.country;
    if (!cc.empty()) {
      h.append("; geo=");
      for (char ch : cc)
        h.push_back(
            static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    h.append("\r\n");
  }
  h.append("Link: <").append(origin_url).append(path);
  h.append(".meta4>; rel=describedby; type=\"application/metalink4+xml\"\r\n");
  if (file.sha256.known) {
    char b64[45];  // 44 base64 characters and the NUL EVP_EncodeBlock adds
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64),
                    file.sha256.bytes.data(), 32);
    std::string_view digest(b64, 44);
    h.append("Digest: SHA-256=").append(digest).append("\r\n");
    h.append("Repr-Digest: sha-256=:").append(digest).append(":\r\n");
  }
  h.append("Cache-Control: private, no-store\r\n");
  h.append("X-Waymark-Mirror: ")
      .append(best.status->mirror.name)
      .append("; tier=");
  h.append(TierName(best.tier)).append("\r\n");
  h.append("Content-Type: text/plain; charset=utf-8\r\n");
  r.body.reserve(best.url.size() + path.size() + 8);
  r.body.append("Found: ").append(best.url).append(path).append("\n");
  return r;
}

}  // namespace waymark
