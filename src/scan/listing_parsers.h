// Parsers for mirror listings: one line of `rsync --list-only`, one line of
// an FTP LIST or MLSD answer, one HTML directory index page (nginx, Apache,
// lighttpd). Pure functions: no I/O, no state, so they are table-tested and
// fuzzed (tests/fuzz/) on their own.
//
// Everything a mirror sends is hostile until checked: names are decoded and
// then checked by CleanListingPath() (no CR, LF, NUL or other control
// bytes, no '..' or '.' segments, not absolute, bounded length) and sizes
// by kMaxListingSize. A line that fails is rejected with a reason; the
// caller counts and logs it, and nothing of it goes further.
#ifndef WAYMARK_SCAN_LISTING_PARSERS_H_
#define WAYMARK_SCAN_LISTING_PARSERS_H_

#include <string>
#include <string_view>
#include <vector>

namespace waymark {

// Larger sizes are absurd (1 PiB) and rejected.
constexpr long long kMaxListingSize = 1LL << 50;
// Longest path accepted from a listing, as the redirector's request limit.
constexpr size_t kMaxListingPath = 4096;

enum class EntryType { kFile, kDirectory, kOther };

struct ListingEntry {
  EntryType type = EntryType::kOther;
  std::string path;        // relative to what was listed, '/'-separated
  long long size = -1;     // bytes; -1 unknown
  bool size_exact = true;  // false for "4.2M"-style sizes
  long long mtime = -1;    // seconds since the epoch, UTC; -1 unknown
  // How far the true mtime may be from `mtime`, in seconds: 0 for exact
  // times, 60 for minute precision, a day or more when the server's time
  // zone is unknown or only the date is shown.
  long long mtime_slack = 0;
};

enum class ParseResult {
  kEntry,   // `entry` filled
  kSkip,    // a line that carries no entry (blank, "total 12", a header)
  kReject,  // malformed or hostile; `why` says how
};

// `rsync --list-only --no-human-readable` output (with TZ=UTC):
//   "-rw-r--r--          4096 2026/11/01 10:00:00 pub/file.iso"
// rsync shows unprintable bytes as \#ooo; they are decoded, then checked.
ParseResult ParseRsyncLine(std::string_view line, ListingEntry* entry,
                           std::string* why);

// One line of an FTP LIST answer (Unix `ls -l` style, as vsftpd, ProFTPD and
// pure-ftpd send) or DOS style (IIS). Names are relative to the listed
// directory. `now` (seconds since the epoch) resolves dates without a year.
ParseResult ParseFtpListLine(std::string_view line, long long now,
                             ListingEntry* entry, std::string* why);

// One line of an MLSD answer (RFC 3659):
// "type=file;size=4096;modify=20261101100000; name".
ParseResult ParseMlsdLine(std::string_view line, ListingEntry* entry,
                          std::string* why);

struct HtmlIndex {
  std::vector<ListingEntry> entries;  // files and directories (type set)
  size_t rejected = 0;
  std::vector<std::string> reject_reasons;  // at most a few, for the log
};

// An autoindex page of nginx (default and exact sizes), Apache (fancy and
// plain) or lighttpd. Entry paths are single names relative to the page;
// links that leave the directory (absolute, "../", query strings, other
// hosts) are ignored. Directories end in '/' in the link and come back
// without it, with type kDirectory.
HtmlIndex ParseHtmlIndex(std::string_view html);

// Checks a listing path and returns "" when it is acceptable, else why not.
std::string CheckListingPath(std::string_view path);

// Days from 1970-01-01 to the civil date (proleptic Gregorian), and seconds
// for a UTC date and time; false on out-of-range fields.
bool UtcSeconds(int year, int month, int day, int hour, int minute, int second,
                long long* out);

}  // namespace waymark

#endif  // WAYMARK_SCAN_LISTING_PARSERS_H_
