#include "trace/trace_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/fd.h"
#include "core/strings.h"

namespace waymark {

namespace {

// 0001-01-01 .. 9999-12-31: what the date formats can say; Unix seconds are
// held to the same range so every accepted time prints as a date.
constexpr long long kMaxSeconds = 253402300799LL;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so parsing needs no time zone database and no libc
// state.
long long DaysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool IsLeap(long long y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(long long y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int MonthNumber(std::string_view name) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string lower = ToLower(name);
  for (int i = 0; i < 12; ++i)
    if (lower == kMonths[i]) return i + 1;
  return 0;
}

bool IsWeekday(std::string_view name) {
  std::string lower = ToLower(name);
  for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    if (lower == d) return true;
  return false;
}

bool AllDigits(std::string_view s, size_t min_len, size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "HH:MM:SS" into seconds of the day.
bool ParseClock(std::string_view s, long long* out) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  long long h, m, sec;
  if (!AllDigits(s.substr(0, 2), 2, 2) || !AllDigits(s.substr(3, 2), 2, 2) ||
      !AllDigits(s.substr(6, 2), 2, 2))
    return false;
  ParseInt64(s.substr(0, 2), &h);
  ParseInt64(s.substr(3, 2), &m);
  ParseInt64(s.substr(6, 2), &sec);
  if (h > 23 || m > 59 || sec > 60) return false;  // 60: a leap second
  *out = h * 3600 + m * 60 + sec;
  return true;
}

// Offset of a zone in seconds east of UTC: UTC, GMT, Z, or +HHMM / -HHMM.
bool ParseZone(std::string_view z, long long* offset) {
  std::string upper = ToUpper(z);
  if (upper == "UTC" || upper == "GMT" || upper == "Z" || upper == "UT") {
    *offset = 0;
    return true;
  }
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-') &&
      AllDigits(z.substr(1), 4, 4)) {
    long long hh, mm;
    ParseInt64(z.substr(1, 2), &hh);
    ParseInt64(z.substr(3, 2), &mm);
    if (hh > 23 || mm > 59) return false;
    *offset = (z[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return true;
  }
  return false;
}

bool ToUnix(std::string_view year, int month, std::string_view day,
            std::string_view clock, std::string_view zone, long long* out) {
  long long y, d, secs, offset;
  if (!AllDigits(year, 4, 4) || !AllDigits(day, 1, 2) || month == 0)
    return false;
  ParseInt64(year, &y);
  ParseInt64(day, &d);
  if (y < 1 || d < 1 || d > DaysInMonth(y, month)) return false;
  if (!ParseClock(clock, &secs) || !ParseZone(zone, &offset)) return false;
  long long t =
      DaysFromCivil(y, static_cast<unsigned>(month), static_cast<unsigned>(d)) *
          86400 +
      secs - offset;
  if (t < 0 || t > kMaxSeconds) return false;
  *out = t;
  return true;
}

// `date -u`: "Thu Nov 19 07:52:48 UTC 2026".
bool ParseDateCommand(const std::vector<std::string>& f, long long* out) {
  if (f.size() != 6 || !IsWeekday(f[0])) return false;
  return ToUnix(f[5], MonthNumber(f[1]), f[2], f[3], f[4], out);
}

// RFC 2822: "Thu, 19 Nov 2026 07:52:48 +0000" (the weekday is optional).
bool ParseRfc2822(std::vector<std::string> f, long long* out) {
  if (!f.empty() && EndsWith(f[0], ",") &&
      IsWeekday(f[0].substr(0, f[0].size() - 1)))
    f.erase(f.begin());
  if (f.size() != 5) return false;
  return ToUnix(f[2], MonthNumber(f[1]), f[0], f[3], f[4], out);
}

}  // namespace

Status ParseTraceFile(std::string_view content, long long* unix_seconds) {
  // The first line that is not blank.
  std::string_view rest = Trim(content);
  if (rest.empty()) return Status::InvalidArgument("empty trace file");
  std::string_view first = Trim(rest.substr(0, rest.find('\n')));
  std::vector<std::string> fields = SplitWhitespace(first);
  long long t = 0;
  bool ok = false;
  // Dates first: "19 Nov 2026 ..." also starts with a number.
  if (ParseDateCommand(fields, &t) || ParseRfc2822(fields, &t)) {
    ok = true;
  } else if (!fields.empty() && AllDigits(fields[0], 1, 12)) {
    ParseInt64(fields[0], &t);
    ok = t > 0 && t <= kMaxSeconds;
  }
  if (!ok) {
    std::string shown(first.substr(0, 40));
    if (first.size() > 40) shown += "...";
    return Status::InvalidArgument("not a trace file: '" + Printable(shown) +
                                   "'");
  }
  *unix_seconds = t;
  return Status::OK();
}

Status ReadTraceFile(const std::string& path, long long* unix_seconds) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return Status::IOError("cannot read trace file " + path + ": " +
                           std::strerror(errno));
  std::string content;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd.get(), buf, sizeof buf)) > 0 &&
         content.size() < kMaxTraceFileBytes)
    content.append(buf, static_cast<size_t>(n));
  int read_errno = errno;
  fd.reset();
  if (n < 0)
    return Status::IOError("cannot read trace file " + path + ": " +
                           std::strerror(read_errno));
  Status s = ParseTraceFile(content, unix_seconds);
  if (!s.ok())
    return Status::InvalidArgument("trace file " + path + ": " + s.message());
  return Status::OK();
}

std::string FormatTraceFile(long long unix_seconds) {
  return std::to_string(unix_seconds) + "\n";
}

Status StampTraceFile(const std::string& path, long long unix_seconds) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  // A dot file beside the target: same file system, so rename() is atomic,
  // and hidden from mirrors' rsync listings that skip dot files.
  std::string tmp = dir + "/." + base + ".XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  UniqueFd fd(mkstemp(name.data()));
  if (!fd.valid())
    return Status::IOError("cannot create a temporary file in " + dir + ": " +
                           std::strerror(errno));
  std::string tmp_path(name.data());
  std::string content = FormatTraceFile(unix_seconds);
  auto fail = [&](const std::string& doing) {
    Status s = Status::IOError("cannot " + doing + " " + tmp_path + ": " +
                               std::strerror(errno));
    fd.reset();
    unlink(tmp_path.c_str());
    return s;
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd.get(), 0644) != 0) return fail("set the mode of");
  if (fsync(fd.get()) != 0) return fail("flush");
  if (fd.Close() != 0) {
    Status s = Status::IOError("cannot close " + tmp_path + ": " +
                               std::strerror(errno));
    unlink(tmp_path.c_str());
    return s;
  }
  if (rename(tmp_path.c_str(), path.c_str()) != 0) {
    Status s = Status::IOError("cannot rename " + tmp_path + " to " + path +
                               ": " + std::strerror(errno));
    unlink(tmp_path.c_str());
    return s;
  }
  return Status::OK();
}

}  // namespace waymark
