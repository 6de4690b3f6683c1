// Trace files: the small file at the top of a repository (waymark.conf
// `repository.trace_file`) that the origin stamps with the current time and
// every mirror copies with the rest of the tree, so the time a mirror shows
// says how old its copy is. Pure parsing, plus the one function that writes
// the origin's file.
//
// Two formats are read:
//   - Unix seconds as the first token, as `date +%s > trace` writes it (the
//     format waymark writes, and Mirrorbits reads);
//   - the Debian archive's trace format (ftpsync): a first line as `date -u`
//     prints it, "Thu Nov 19 07:52:48 UTC 2026", or an RFC 2822 date,
//     "Thu, 19 Nov 2026 07:52:48 +0000".
// Anything else (empty, garbage, a date out of range) is an error whose
// message is one line and says what was found.
#ifndef WAYMARK_TRACE_TRACE_FILE_H_
#define WAYMARK_TRACE_TRACE_FILE_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace waymark {

// Largest trace file read from a mirror; a bigger answer is not a trace file.
constexpr size_t kMaxTraceFileBytes = 64 * 1024;

// Parses a trace file's content into Unix seconds (UTC). Errors, as
// kInvalidArgument:
//   "empty trace file"
//   "not a trace file: 'garbage...'" (the first line, shortened)
Status ParseTraceFile(std::string_view content, long long* unix_seconds);

// Reads and parses the trace file at `path` (the origin's own).
Status ReadTraceFile(const std::string& path, long long* unix_seconds);

// The content waymark writes: "<unix seconds>\n".
std::string FormatTraceFile(long long unix_seconds);

// Writes FormatTraceFile(unix_seconds) to `path` atomically: a temporary
// file in the same folder, flushed to disk, mode 0644, then renamed over
// `path`, so a mirror syncing at that moment copies the old or the new
// file, never half of one.
Status StampTraceFile(const std::string& path, long long unix_seconds);

}  // namespace waymark

#endif  // WAYMARK_TRACE_TRACE_FILE_H_
