#include "core/url.h"

#include <arpa/inet.h>

#include <cctype>

#include "core/strings.h"

namespace waymark {

namespace {

bool IsHexDigit(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool IsDnsName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  std::string h = host;
  if (h.back() == '.') h.pop_back();  // fully qualified
  for (const auto& label : Split(h, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
        return false;
    }
  }
  // An all-numeric name must be a real IPv4 address, checked by the caller.
  return h.find_first_not_of("0123456789.") != std::string::npos;
}

}  // namespace

bool IsValidHost(const std::string& host) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) return true;
  if (inet_pton(AF_INET6, host.c_str(), buf) == 1) return true;
  return IsDnsName(host);
}

std::string BaseUrl::ToString() const {
  std::string out = scheme + "://";
  if (!user.empty()) {
    out += user;
    if (!password.empty()) out += ":" + password;
    out += "@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) out += ":" + std::to_string(port);
  out += path;
  return out;
}

Status ParseBaseUrl(const std::string& text, const std::string& scheme,
                    const std::string& what, BaseUrl* out) {
  const std::string shown = "'" + Printable(RedactUrl(text)) + "'";
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument(what + ": " + shown + " " + why);
  };
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f)
      return fail("contains a space, control or non-ASCII character");
  }
  size_t sep = text.find("://");
  if (sep == std::string::npos || ToLower(text.substr(0, sep)) != scheme)
    return fail("is not an " + scheme + ":// URL");
  BaseUrl url;
  url.scheme = scheme;
  std::string rest = text.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string::npos)
    return fail("must not have a query or fragment");
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  url.path = slash == std::string::npos ? "/" : rest.substr(slash);

  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    if (scheme != "rsync" && scheme != "ftp")
      return fail("must not contain credentials");
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    url.user = userinfo.substr(0, colon);
    if (colon != std::string::npos) url.password = userinfo.substr(colon + 1);
    if (url.user.empty()) return fail("has credentials without a user name");
  }
  std::string host = authority, port;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos)
      return fail("has an unclosed '[' in its host");
    host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail("has junk after its IPv6 address");
      port = after.substr(1);
      has_port = true;
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET6, host.c_str(), buf) != 1)
      return fail("has an invalid IPv6 address '" + Printable(host) + "'");
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return fail("has no host");
    if (!IsValidHost(host))
      return fail("has an invalid host '" + Printable(host) + "'");
  }
  url.host = ToLower(host);
  if (has_port) {
    long long p = 0;
    if (!ParseInt64(port, &p) || p < 1 || p > 65535)
      return fail("has an invalid port '" + Printable(port) + "'");
    url.port = static_cast<int>(p);
  }

  for (size_t i = 0; i < url.path.size(); ++i) {
    if (url.path[i] == '%') {
      if (i + 2 >= url.path.size() || !IsHexDigit(url.path[i + 1]) ||
          !IsHexDigit(url.path[i + 2]))
        return fail("has invalid percent-encoding");
    }
  }
  for (const auto& segment : Split(url.path, '/')) {
    if (segment == "." || segment == "..")
      return fail("has a '.' or '..' path segment");
  }
  if (url.path.back() != '/') url.path += '/';
  if (scheme == "rsync" && url.path == "/")
    return fail("names no rsync module");
  *out = std::move(url);
  return Status::OK();
}

namespace {

// The bytes EncodePath() keeps as they are: RFC 3986 unreserved characters,
// sub-delims, ':', '@' and '/'. A table, as every redirect encodes its path.
struct PathSafe {
  bool safe[256] = {};
  constexpr PathSafe() {
    for (int c = '0'; c <= '9'; ++c) safe[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) safe[c] = safe[c - 'a' + 'A'] = true;
    for (const char* p = "-._~/!$&'()*+,;=:@"; *p; ++p)
      safe[static_cast<unsigned char>(*p)] = true;
  }
};
constexpr PathSafe kPathSafe;

}  // namespace

std::string ShownUrl(const std::string& url, UrlReader reader) {
  if (reader == UrlReader::kOperator) return RedactUrl(url);
  if (url.empty()) return "";
  size_t sep = url.find("://");
  if (sep == std::string::npos) return "";
  BaseUrl b;
  if (!ParseBaseUrl(url, ToLower(url.substr(0, sep)), "url", &b).ok())
    return "";
  if (!b.user.empty() || !b.password.empty()) return "";
  return b.ToString();
}

bool PercentDecode(std::string_view in, std::string* out, bool form_encoded) {
  std::string r;
  r.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      r += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (form_encoded && in[i] == '+') {
      r += ' ';
    } else {
      r += in[i];
    }
  }
  *out = std::move(r);
  return true;
}

void AppendPercentEscape(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  *out += '%';
  *out += kHex[c >> 4];
  *out += kHex[c & 15];
}

std::string EncodePath(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    if (kPathSafe.safe[c]) {
      out += static_cast<char>(c);
    } else {
      AppendPercentEscape(c, &out);
    }
  }
  return out;
}

std::string_view EncodedPath(const std::string& path, std::string* storage) {
  for (unsigned char c : path) {
    if (!kPathSafe.safe[c]) {
      *storage = EncodePath(path);
      return *storage;
    }
  }
  return path;
}

std::string RedactUrl(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return url;
  size_t start = sep + 3;
  size_t end = url.find('/', start);
  std::string authority = url.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string::npos) return url;
  size_t colon = authority.find(':');
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, start) + authority.substr(0, colon) + ":***" +
         authority.substr(at) +
         (end == std::string::npos ? "" : url.substr(end));
}

}  // namespace waymark
