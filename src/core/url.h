// Mirror base URLs: parsing, validation and normalisation.
//
// A base URL is scheme://[user[:password]@]host[:port]/path/ with the path
// ending in '/'. Credentials are allowed for rsync and FTP only, and are
// never shown: RedactUrl() hides the password in anything printed.
#ifndef WAYMARK_CORE_URL_H_
#define WAYMARK_CORE_URL_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace waymark {

struct BaseUrl {
  std::string scheme;    // "http", "https", "rsync", "ftp"
  std::string user;      // may be empty
  std::string password;  // may be empty
  std::string host;      // lower case; IPv6 without brackets
  int port = 0;          // 0: the scheme's default
  std::string path;      // begins and ends with '/'

  // The normalised URL, with credentials.
  std::string ToString() const;
};

// Parses `text` as a base URL whose scheme must be `scheme`. `what` names the
// value in messages ("--http"). Errors are one line, e.g.
//   --http: 'ftp://example.org/' is not an http:// URL
Status ParseBaseUrl(const std::string& text, const std::string& scheme,
                    const std::string& what, BaseUrl* out);

// `url` with any password replaced by "***".
std::string RedactUrl(const std::string& url);

// Who reads a mirror URL that waymark prints.
enum class UrlReader {
  kOperator,  // waymark's own output (mirror list/show, their --json)
  kPublic,    // lists meant to be published (waymark export)
};

// The one rule for printing a mirror's base URL: credentials never show.
// For the operator the password becomes "***" (RedactUrl; the account name
// helps); for the public a URL that carries a user or password is left out
// entirely (""), since the account name is private too, and so is one
// that does not parse as a base URL of its scheme.
std::string ShownUrl(const std::string& url, UrlReader reader);

// Appends byte `c` to *out as "%XX", in upper-case hex: the one escape
// writer of EncodePath() and the redirector's RFC 8187 file names.
void AppendPercentEscape(unsigned char c, std::string* out);

// A repository path made safe for a URL: bytes outside RFC 3986's pchar set
// (and '/') are percent-encoded.
std::string EncodePath(const std::string& path);
// The same, as a view: of `path` itself when no byte needs encoding (most
// paths, and so most redirects, make no copy), else of *storage, which
// then holds EncodePath(path).
std::string_view EncodedPath(const std::string& path, std::string* storage);
std::string_view EncodedPath(std::string&& path,
                             std::string* storage) = delete;  // would dangle

// Decodes each %XX escape (hex digits in either case) of `in` into its
// byte; with `form_encoded` (a query value), '+' is a space too. False,
// leaving *out as it was, on a '%' without two hex digits after it. The
// request path has its own single-pass decoder (ParseRequestPath).
bool PercentDecode(std::string_view in, std::string* out,
                   bool form_encoded = false);

// True for a DNS name, an IPv4 address or an IPv6 address (no brackets).
bool IsValidHost(const std::string& host);

}  // namespace waymark

#endif  // WAYMARK_CORE_URL_H_
