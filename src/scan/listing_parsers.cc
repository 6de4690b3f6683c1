#include "scan/listing_parsers.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/strings.h"
#include "core/url.h"

namespace waymark {

namespace {

constexpr long long kDay = 86400;

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Parses a size of plain digits within kMaxListingSize.
bool ParseSize(std::string_view s, long long* out) {
  if (!IsDigits(s) || s.size() > 18) return false;
  long long v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  if (v > kMaxListingSize) return false;
  *out = v;
  return true;
}

int MonthFromName(std::string_view m) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  if (m.size() != 3) return 0;
  std::string l = ToLower(m);
  for (int i = 0; i < 12; ++i)
    if (l == kMonths[i]) return i + 1;
  return 0;
}

bool Num(std::string_view s, int* out) {
  if (!IsDigits(s) || s.size() > 4) return false;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  *out = v;
  return true;
}

// "HH:MM" or "HH:MM:SS".
bool ParseClock(std::string_view s, int* h, int* m, int* sec,
                bool* has_seconds) {
  auto parts = Split(s, ':');
  if (parts.size() < 2 || parts.size() > 3) return false;
  *sec = 0;
  *has_seconds = parts.size() == 3;
  if (!Num(parts[0], h) || !Num(parts[1], m)) return false;
  if (parts.size() == 3 && !Num(parts[2], sec)) return false;
  return parts[0].size() <= 2 && parts[1].size() == 2;
}

ParseResult Reject(std::string* why, std::string reason) {
  *why = std::move(reason);
  return ParseResult::kReject;
}

// Finalises a parsed entry: path check and the "." / ".." entries.
ParseResult Finish(ListingEntry* e, std::string* why) {
  if (e->path == "." || e->path == "..") return ParseResult::kSkip;
  std::string bad = CheckListingPath(e->path);
  if (!bad.empty()) return Reject(why, bad);
  if (e->type == EntryType::kFile && e->size < 0)
    return Reject(why, "file without a size");
  return ParseResult::kEntry;
}

EntryType TypeFromMode(char c) {
  if (c == '-') return EntryType::kFile;
  if (c == 'd') return EntryType::kDirectory;
  return EntryType::kOther;
}

}  // namespace

bool UtcSeconds(int year, int month, int day, int hour, int minute, int second,
                long long* out) {
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60)
    return false;
  // Howard Hinnant's days_from_civil.
  int y = year - (month <= 2);
  int era = y / 400;
  int yoe = y - era * 400;
  int mp = (month + 9) % 12;
  int doy = (153 * mp + 2) / 5 + day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long long days = static_cast<long long>(era) * 146097 + doe - 719468;
  *out = days * kDay + hour * 3600LL + minute * 60LL + second;
  return true;
}

std::string CheckListingPath(std::string_view path) {
  if (path.empty()) return "empty name";
  if (path.size() > kMaxListingPath) return "name longer than 4096 bytes";
  for (unsigned char c : path) {
    if (c == '\r' || c == '\n') return "name with CR or LF";
    if (c == 0) return "name with NUL";
    if (c < 0x20 || c == 0x7f) return "name with a control character";
  }
  // The inventory's text is UTF-8: a name that is not (Latin-1, say) could
  // not be stored, and would fail the whole scan's transaction.
  if (!IsValidUtf8(path)) return "name that is not valid UTF-8";
  if (path[0] == '/') return "absolute name";
  for (const auto& seg : Split(path, '/')) {
    if (seg.empty()) return "empty path segment";
    if (seg == "." || seg == "..") return "name with a '.' or '..' segment";
  }
  return "";
}

// ---------------------------------------------------------------------------
// rsync

ParseResult ParseRsyncLine(std::string_view line, ListingEntry* entry,
                           std::string* why) {
  if (!line.empty() && line.back() == '\r')
    return Reject(why, "line ends in CR");
  if (Trim(line).empty()) return ParseResult::kSkip;
  // mode, size, date, time, then one space and the name (which may hold
  // spaces).
  size_t pos = 0;
  std::string_view fields[4];
  for (auto& f : fields) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    size_t start = pos;
    while (pos < line.size() && line[pos] != ' ') ++pos;
    f = line.substr(start, pos - start);
    if (f.empty()) return Reject(why, "too few fields");
  }
  if (pos >= line.size() || line[pos] != ' ') return Reject(why, "no name");
  std::string_view raw_name = line.substr(pos + 1);
  if (fields[0].size() != 10) return Reject(why, "bad mode field");
  ListingEntry e;
  e.type = TypeFromMode(fields[0][0]);
  std::string size_digits;
  for (char c : fields[1])
    if (c != ',' && c != '.') size_digits += c;  // separators, if -h slipped in
  if (!ParseSize(size_digits, &e.size))
    return Reject(why, "bad or absurd size");
  auto d = Split(fields[2], '/');
  int y, mo, da, h, mi, s;
  bool has_s;
  if (d.size() != 3 || !Num(d[0], &y) || !Num(d[1], &mo) || !Num(d[2], &da) ||
      !ParseClock(fields[3], &h, &mi, &s, &has_s) ||
      !UtcSeconds(y, mo, da, h, mi, s, &e.mtime))
    return Reject(why, "bad date");
  if (e.type == EntryType::kOther) {
    // Symlinks show "name -> target"; the name is all we might need, and we
    // do not: mirrors' links are not files of the inventory.
    e.path = "";
    return ParseResult::kSkip;
  }
  // Decode rsync's \#ooo escapes.
  std::string name;
  for (size_t i = 0; i < raw_name.size(); ++i) {
    if (raw_name[i] == '\\' && i + 4 < raw_name.size() &&
        raw_name[i + 1] == '#' && raw_name[i + 2] >= '0' &&
        raw_name[i + 2] <= '3' && raw_name[i + 3] >= '0' &&
        raw_name[i + 3] <= '7' && raw_name[i + 4] >= '0' &&
        raw_name[i + 4] <= '7') {
      name += static_cast<char>((raw_name[i + 2] - '0') * 64 +
                                (raw_name[i + 3] - '0') * 8 +
                                (raw_name[i + 4] - '0'));
      i += 4;
    } else {
      name += raw_name[i];
    }
  }
  e.path = std::move(name);
  *entry = std::move(e);
  return Finish(entry, why);
}

// ---------------------------------------------------------------------------
// FTP

ParseResult ParseFtpListLine(std::string_view line, long long now,
                             ListingEntry* entry, std::string* why) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (Trim(line).empty()) return ParseResult::kSkip;
  if (StartsWith(line, "total ")) return ParseResult::kSkip;
  // Token positions in the original line, so the name keeps its spaces.
  std::vector<std::pair<size_t, size_t>> tok;
  for (size_t i = 0; i < line.size();) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    size_t s = i;
    while (i < line.size() && line[i] != ' ') ++i;
    tok.emplace_back(s, i - s);
    if (tok.size() > 12) break;
  }
  auto T = [&](size_t k) { return line.substr(tok[k].first, tok[k].second); };
  ListingEntry e;
  if (!tok.empty() && isdigit(static_cast<unsigned char>(line[0]))) {
    // DOS: "11-01-26  10:00AM       4096 name" or "<DIR>".
    if (tok.size() < 4) return Reject(why, "too few fields");
    auto d = Split(T(0), '-');
    int mo, da, y, h, mi;
    std::string_view clock = T(1);
    if (d.size() != 3 || !Num(d[0], &mo) || !Num(d[1], &da) || !Num(d[2], &y) ||
        clock.size() != 7)
      return Reject(why, "bad DOS date");
    if (y < 100) y += y < 70 ? 2000 : 1900;
    if (!Num(clock.substr(0, 2), &h) || !Num(clock.substr(3, 2), &mi))
      return Reject(why, "bad DOS time");
    std::string ampm = ToUpper(clock.substr(5));
    if (h == 12) h = 0;
    if (ampm == "PM") h += 12;
    if (!UtcSeconds(y, mo, da, h, mi, 0, &e.mtime))
      return Reject(why, "bad DOS date");
    e.mtime_slack = kDay + 60;
    if (T(2) == "<DIR>") {
      e.type = EntryType::kDirectory;
    } else {
      e.type = EntryType::kFile;
      if (!ParseSize(T(2), &e.size)) return Reject(why, "bad or absurd size");
    }
    e.path = std::string(line.substr(tok[3].first));
    *entry = std::move(e);
    return Finish(entry, why);
  }
  if (tok.size() < 6 || tok[0].second != 10)
    return Reject(why, "not a LIST line");
  e.type = TypeFromMode(line[0]);
  // Find "SIZE MONTH DAY TIME|YEAR NAME" from the right end of the fixed
  // fields.
  size_t m = 0;
  for (size_t k = 2; k + 2 < tok.size() && k < 8; ++k) {
    if (MonthFromName(T(k)) && IsDigits(T(k - 1))) {
      m = k;
      break;
    }
  }
  if (m == 0) return Reject(why, "no date");
  if (m + 3 >= tok.size()) return Reject(why, "no name");
  if (!ParseSize(T(m - 1), &e.size)) return Reject(why, "bad or absurd size");
  int month = MonthFromName(T(m)), day, y, h = 0, mi = 0, s = 0;
  if (!Num(T(m + 1), &day)) return Reject(why, "bad day");
  std::string_view ty = T(m + 2);
  bool has_s = false;
  if (ty.find(':') != std::string_view::npos) {
    if (!ParseClock(ty, &h, &mi, &s, &has_s)) return Reject(why, "bad time");
    // No year: the most recent such date not more than a day in the future.
    long long t;
    int now_year = 1970 + static_cast<int>(now / (365.2425 * kDay));
    y = now_year + 1;
    while (y >= 1970 &&
           (!UtcSeconds(y, month, day, h, mi, s, &t) || t > now + kDay))
      --y;
    if (y < 1970) return Reject(why, "bad date");
    e.mtime = t;
    e.mtime_slack = 60;
  } else {
    if (!Num(ty, &y) || !UtcSeconds(y, month, day, 0, 0, 0, &e.mtime))
      return Reject(why, "bad year");
    e.mtime_slack = kDay;
  }
  // The server's time zone is not in the answer; allow a day either way.
  e.mtime_slack += kDay;
  if (e.type == EntryType::kOther) return ParseResult::kSkip;
  e.path = std::string(line.substr(tok[m + 3].first));
  *entry = std::move(e);
  return Finish(entry, why);
}

ParseResult ParseMlsdLine(std::string_view line, ListingEntry* entry,
                          std::string* why) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (Trim(line).empty()) return ParseResult::kSkip;
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return Reject(why, "no name");
  ListingEntry e;
  bool have_type = false;
  for (const auto& fact : Split(line.substr(0, sp), ';')) {
    if (fact.empty()) continue;
    size_t eq = fact.find('=');
    if (eq == std::string::npos) return Reject(why, "bad fact");
    std::string k = ToLower(fact.substr(0, eq));
    std::string v = fact.substr(eq + 1);
    if (k == "type") {
      std::string t = ToLower(v);
      have_type = true;
      if (t == "file")
        e.type = EntryType::kFile;
      else if (t == "dir")
        e.type = EntryType::kDirectory;
      else if (t == "cdir" || t == "pdir")
        return ParseResult::kSkip;
      else
        e.type = EntryType::kOther;
    } else if (k == "size") {
      if (!ParseSize(v, &e.size)) return Reject(why, "bad or absurd size");
    } else if (k == "modify") {
      int y, mo, d, h, mi, s;
      if (v.size() < 14 || !Num(v.substr(0, 4), &y) ||
          !Num(v.substr(4, 2), &mo) || !Num(v.substr(6, 2), &d) ||
          !Num(v.substr(8, 2), &h) || !Num(v.substr(10, 2), &mi) ||
          !Num(v.substr(12, 2), &s) ||
          !UtcSeconds(y, mo, d, h, mi, s, &e.mtime))
        return Reject(why, "bad modify fact");
    }
  }
  if (!have_type) return Reject(why, "no type fact");
  if (e.type == EntryType::kOther) return ParseResult::kSkip;
  e.path = std::string(line.substr(sp + 1));
  *entry = std::move(e);
  return Finish(entry, why);
}

// ---------------------------------------------------------------------------
// HTML index pages

namespace {

std::string DecodeEntities(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    // Entities are short: look no further than that for the ';' (a page
    // of '&' without one would otherwise be searched to its end per '&').
    size_t semi = s.substr(i, 9).find(';');
    if (semi != std::string_view::npos) semi += i;
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos" || ent == "#39" || ent == "#x27")
      out += '\'';
    else if (ent == "nbsp")
      out += ' ';
    else if (ent.size() > 1 && ent[0] == '#') {
      long v = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string digits(ent.substr(hex ? 2 : 1));
      if (digits.empty() || digits.size() > 6) {
        out += s[i];
        continue;
      }
      for (char c : digits) {
        if (hex ? !isxdigit(static_cast<unsigned char>(c))
                : !isdigit(static_cast<unsigned char>(c))) {
          v = -1;
          break;
        }
      }
      if (v < 0) {
        out += s[i];
        continue;
      }
      v = std::stol(digits, nullptr, hex ? 16 : 10);
      if (v < 0x80)
        out += static_cast<char>(v);
      else
        out += '?';  // non-ASCII references do not occur in index links
    } else {
      out += s[i];
      continue;
    }
    i = semi;
  }
  return out;
}

// Text between tags, tags replaced by spaces, entities decoded.
std::string StripTags(std::string_view s) {
  std::string out;
  bool in_tag = false;
  for (char c : s) {
    if (c == '<')
      in_tag = true;
    else if (c == '>') {
      in_tag = false;
      out += ' ';
    } else if (!in_tag)
      out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  return DecodeEntities(out);
}

// Finds the href value of an <a ...> tag starting at `tag` (which points at
// "<a"); returns false if it has none.
bool HrefOf(std::string_view tag, std::string* href) {
  size_t p = 0;
  while ((p = tag.find("href", p)) != std::string_view::npos) {
    size_t q = p + 4;
    while (q < tag.size() && tag[q] == ' ') ++q;
    if (q >= tag.size() || tag[q] != '=') {
      p = q;
      continue;
    }
    ++q;
    while (q < tag.size() && tag[q] == ' ') ++q;
    if (q >= tag.size()) return false;
    char quote = tag[q];
    if (quote == '"' || quote == '\'') {
      size_t end = tag.find(quote, q + 1);
      if (end == std::string_view::npos) return false;
      *href = std::string(tag.substr(q + 1, end - q - 1));
    } else {
      size_t end = q;
      while (end < tag.size() && tag[end] != ' ' && tag[end] != '>') ++end;
      *href = std::string(tag.substr(q, end - q));
    }
    return true;
  }
  return false;
}

// "4096" exact; "4.0K", "12M", "1.1G", "4k" approximate; "-" none.
bool ParseHumanSize(std::string_view s, long long* size, bool* exact) {
  if (IsDigits(s)) {
    *exact = true;
    return ParseSize(s, size);
  }
  if (s.size() < 2 || s.size() > 12) return false;
  char unit = static_cast<char>(toupper(static_cast<unsigned char>(s.back())));
  long double mult;
  switch (unit) {
    case 'K':
      mult = 1024.0L;
      break;
    case 'M':
      mult = 1024.0L * 1024;
      break;
    case 'G':
      mult = 1024.0L * 1024 * 1024;
      break;
    case 'T':
      mult = 1024.0L * 1024 * 1024 * 1024;
      break;
    default:
      return false;
  }
  std::string_view num = s.substr(0, s.size() - 1);
  size_t dot = num.find('.');
  std::string_view whole = num.substr(0, dot);
  std::string_view frac =
      dot == std::string_view::npos ? "" : num.substr(dot + 1);
  if (!IsDigits(whole) || (dot != std::string_view::npos && !IsDigits(frac)) ||
      whole.size() > 6)
    return false;
  long double v = std::stold(std::string(num));
  long double bytes = v * mult;
  if (bytes > static_cast<long double>(kMaxListingSize)) return false;
  *size = static_cast<long long>(bytes);
  *exact = false;
  return true;
}

// Date and time among the text tokens after a link: "01-Nov-2026 10:00"
// (nginx, old Apache), "2026-11-01 10:00" (Apache), "2026-Nov-01 10:00:00"
// (lighttpd).
bool FindDate(const std::vector<std::string>& tokens, long long* mtime,
              size_t* used) {
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    auto d = Split(tokens[i], '-');
    if (d.size() != 3) continue;
    int y = 0, mo = 0, da = 0, h, mi, s;
    bool has_s;
    if (!ParseClock(tokens[i + 1], &h, &mi, &s, &has_s)) continue;
    if (d[0].size() == 4 && Num(d[0], &y)) {
      if (!Num(d[1], &mo)) mo = MonthFromName(d[1]);
      if (!Num(d[2], &da)) continue;
    } else if (Num(d[0], &da) && d[2].size() == 4 && Num(d[2], &y)) {
      mo = MonthFromName(d[1]);
    } else {
      continue;
    }
    if (!UtcSeconds(y, mo, da, h, mi, s, mtime)) continue;
    *used = i + 1;
    return true;
  }
  return false;
}

// The first position of `needle` at or after `from`, for calls whose
// `from` never decreases: a match found once is kept until `from` passes
// it, and a needle that is not there is not searched for again. So each
// needle costs one pass over the page, not one per link: a page of 80k
// links without "<A " or "</tr>" took 123 s when every link searched the
// rest of the page for them.
class ForwardFind {
 public:
  ForwardFind(std::string_view hay, std::string_view needle)
      : hay_(hay), needle_(needle) {}
  size_t From(size_t from) {
    if (!searched_ || (at_ != std::string_view::npos && at_ < from)) {
      at_ = hay_.find(needle_, from);
      searched_ = true;
    }
    return at_;
  }

 private:
  std::string_view hay_, needle_;
  size_t at_ = std::string_view::npos;
  bool searched_ = false;
};

}  // namespace

HtmlIndex ParseHtmlIndex(std::string_view html) {
  HtmlIndex out;
  // nginx writes times in UTC (autoindex_localtime off by default); Apache
  // and lighttpd in the server's unknown local time.
  bool utc =
      html.find("<hr><pre><a href=\"../\">../</a>") != std::string_view::npos ||
      (html.find("<table") == std::string_view::npos &&
       html.find("Parent Directory") == std::string_view::npos &&
       html.find("<address>") == std::string_view::npos);
  auto reject = [&](const std::string& why) {
    ++out.rejected;
    if (out.reject_reasons.size() < 5) out.reject_reasons.push_back(why);
  };
  // Linear in the page's size: every search below moves forward only.
  ForwardFind lower_a(html, "<a "), upper_a(html, "<A "), newline(html, "\n"),
      row_end(html, "</tr>");
  size_t p = 0;
  while (true) {
    size_t a = std::min(lower_a.From(p), upper_a.From(p));
    if (a == std::string_view::npos) break;
    size_t close = html.find('>', a);
    if (close == std::string_view::npos) break;
    std::string_view tag = html.substr(a, close - a);
    p = close + 1;
    std::string href;
    if (!HrefOf(tag, &href)) continue;
    // The text after the link up to the next link or line end carries size and
    // date.
    size_t stop = std::min({lower_a.From(p), upper_a.From(p), newline.From(p),
                            row_end.From(p), html.size()});
    if (stop < p) stop = p;
    std::string_view after = html.substr(p, stop - p);

    href = DecodeEntities(href);
    if (href.empty() || href[0] == '/' || href[0] == '#' || href[0] == '?' ||
        href.find("://") != std::string::npos || StartsWith(href, "mailto:") ||
        StartsWith(href, "javascript:") ||
        href.find('?') != std::string::npos || StartsWith(href, "./") ||
        StartsWith(href, "../") || href == "." || href == "..")
      continue;
    std::string name;
    if (!PercentDecode(href, &name)) {
      reject("bad percent-encoding in a link");
      continue;
    }
    ListingEntry e;
    e.type = EntryType::kFile;
    if (!name.empty() && name.back() == '/') {
      e.type = EntryType::kDirectory;
      name.pop_back();
    }
    if (name.find('/') != std::string::npos) {
      reject("link to another directory");
      continue;
    }
    std::string bad = CheckListingPath(name);
    if (!bad.empty()) {
      reject(bad);
      continue;
    }
    e.path = name;
    // After the link text: the closing </a>, then date and size.
    size_t end_a = after.find("</a>");
    if (end_a == std::string_view::npos) end_a = after.find("</A>");
    std::string_view rest =
        end_a == std::string_view::npos ? after : after.substr(end_a + 4);
    std::vector<std::string> tokens = SplitWhitespace(StripTags(rest));
    size_t used = 0;
    if (FindDate(tokens, &e.mtime, &used)) {
      e.mtime_slack = utc ? 60 : kDay + 60;
      if (e.type == EntryType::kFile) {
        bool found = false;
        for (size_t i = used + 1; i < tokens.size() && !found; ++i) {
          if (tokens[i] == "-") break;
          found = ParseHumanSize(tokens[i], &e.size, &e.size_exact);
        }
        if (!found) {
          reject("file link without a size");
          continue;
        }
      }
    } else if (e.type == EntryType::kFile) {
      // Links in the page that are not index rows (a header's link to a
      // README, say) carry no date and size: not entries.
      continue;
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace waymark
