// The mirror list of one file for one client, and its three renderings:
// the HTML page (?mirrorlist, /PATH/mirrorlist), JSON (?json) and Metalink
// v4 (RFC 5854: PATH.meta4, ?metalink). Pure code: the handler gathers the
// data, these functions only format it, so every output is tested without
// a server, hostile names included.
//
// None of them shows rsync/FTP URLs (which may carry credentials) or the
// admin's name and e-mail address: they read only the public fields below.
#ifndef WAYMARK_REDIRECTOR_PAGES_MIRROR_LIST_H_
#define WAYMARK_REDIRECTOR_PAGES_MIRROR_LIST_H_

#include <string>
#include <vector>

#include "core/geo/location.h"
#include "core/model/selection.h"
#include "redirector/pages/page.h"

namespace waymark {

struct FileView {
  std::string path;  // the file's own path (aliases resolved), not encoded
  long long size = 0;
  std::string sha256_hex;
  // From the database (core/file_details.h); `details_known` is false when
  // the worker does not have them (being loaded, or the database is away:
  // MirrorListData::data says which), and the fields are then empty.
  bool details_known = false;
  std::string mtime;  // UTC "YYYY-MM-DD HH:MM:SS"
  std::string sha1_hex, md5_hex;
  long long piece_size = 0;
  std::vector<std::string> piece_sha1_hex;
};

struct ClientView {
  std::string address;   // as given (REMOTE_ADDR or ?fromip)
  bool from_ip = false;  // shown as another client would get it
  GeoLocation location;
  int family = 4;
  bool https = false;
};

struct MirrorListData {
  FileView file;
  ClientView client;
  Selection
      selection;  // points into the handler's mirrors; valid for the request
  std::string fallback_url;  // full URL of the file at the fallback, "" none
  std::string origin_url;    // "http://host/" the request came to
  std::string generated_at;  // UTC "YYYY-MM-DD HH:MM:SS"
  DataAge data;              // of the mirrors' states
};

// The file's last path component.
std::string BaseName(const std::string& path);

std::string MirrorListJson(const MirrorListData& d);
std::string MirrorListHtml(const MirrorListData& d);
// `application/metalink4+xml`: size, published (the file's mtime) and
// updated (now) dates, hashes, pieces, ranked <url> elements with priority
// and location; the fallback last when there is one.
std::string MetalinkXml(const MirrorListData& d, const std::string& generator);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_PAGES_MIRROR_LIST_H_
