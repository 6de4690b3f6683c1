// Listing a mirror's tree over the network: rsync (the `rsync` client,
// listing only, no destination), FTP (libcurl; MLSD where the server has
// it, LIST otherwise) and HTTP index pages (libcurl). Each lister walks the
// whole tree below the base URL and hands every accepted entry, its path
// relative to the base, to a callback: the listing is never held whole.
//
// Every lister is bounded: a deadline for the whole listing, connect and
// I/O timeouts, a most number of entries, a deepest directory level and a
// longest line or page; a mirror that breaks one of them fails the scan
// with the reason. Entries a parser rejects are counted, and a few reasons
// kept for the log. Credentials in a URL never reach a log line, an error
// message or a process list (rsync gets its password via RSYNC_PASSWORD).
#ifndef WAYMARK_SCAN_MIRROR_LISTERS_H_
#define WAYMARK_SCAN_MIRROR_LISTERS_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "scan/listing_parsers.h"

namespace waymark {

struct ListLimits {
  // When the whole listing must be done (scan.timeout from the scan's
  // start); checked while waiting and while parsing. None by default.
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
  int connect_timeout_s = 30;
  int io_timeout_s = 120;
  long long max_entries = 10000000;
  int max_depth = 32;
  // What the FTP and HTTP walk may hold at once: the paths of directories
  // still to list and already listed, and the answer being read. A mirror
  // that answers every directory with thousands of long-named
  // subdirectories fails the listing here instead of exhausting memory.
  long long max_listing_bytes = 256LL << 20;
  size_t max_page_bytes = 64 << 20;  // one HTML page or FTP directory answer
};

// The error text of a listing that ran past ListLimits::deadline.
extern const char kListingTimedOut[];

struct ListStats {
  long long entries = 0;   // accepted entries of any type
  long long rejected = 0;  // lines or links refused by a parser
  std::vector<std::string> reject_samples;  // first few reasons, for the log
  long long requests = 0;                   // HTTP/FTP requests made
  void Reject(const std::string& why);
  // Counts one accepted entry; an error once there are more than
  // limits.max_entries, or (checked every 1024 entries) past the deadline.
  Status Count(const ListLimits& limits);
};

struct ListSink {
  std::function<void(const ListingEntry&)> entry;
  // HTTP only: whether an approximate size is worth a HEAD request.
  std::function<bool(const ListingEntry&)> wants_exact_size;
  // Called now and then with the running count (progress display).
  std::function<void(const ListStats&)> progress;
};

// `url` is a base URL (core/url.h) of the matching scheme.
Status ListRsync(const std::string& url, const ListLimits& limits,
                 const ListSink& sink, ListStats* stats);
// The same parser on saved `rsync --list-only --no-human-readable` output
// (times in UTC), e.g. a listing a mirror publishes.
Status ListRsyncFile(const std::string& path, const ListLimits& limits,
                     const ListSink& sink, ListStats* stats);
Status ListFtp(const std::string& url, const ListLimits& limits,
               const ListSink& sink, ListStats* stats);
Status ListHttp(const std::string& url, const ListLimits& limits,
                const ListSink& sink, ListStats* stats);

// Call once before threads use the FTP and HTTP listers (curl_global_init).
void InitListers();

}  // namespace waymark

#endif  // WAYMARK_SCAN_MIRROR_LISTERS_H_
