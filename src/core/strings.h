// Small string helpers shared by every binary: trimming, splitting, joining,
// case folding, and "did you mean" suggestions for typos.
#ifndef WAYMARK_CORE_STRINGS_H_
#define WAYMARK_CORE_STRINGS_H_

#include <string>
#include <string_view>
#include <vector>

namespace waymark {

std::string_view Trim(std::string_view s);
std::vector<std::string> Split(std::string_view s, char sep);
// Splits on runs of spaces and tabs; no empty fields.
std::vector<std::string> SplitWhitespace(std::string_view s);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string ToUpper(std::string_view s);
std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);

// Edit distance counting swapped neighbours as one edit, for suggestions.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible
// typo (distance at most max(1, len/3)), else "".
std::string SuggestClosest(std::string_view word,
                           const std::vector<std::string>& candidates);

// Quotes a value for one-line error messages: printable ASCII kept, anything
// else (control bytes, newlines) shown as \xNN so a message stays one line.
std::string Printable(std::string_view s);

// Parses a whole decimal integer (optional leading '-'); false on anything
// else, including overflow.
bool ParseInt64(std::string_view s, long long* out);

// The value of one hexadecimal digit (either case), -1 for any other byte.
int HexValue(char c);
// Lower-case hex of raw bytes (digests).
std::string Hex(const std::string& bytes);

// The length (1 to 4) of the well-formed UTF-8 sequence at s[i], 0 when
// the bytes there are not one (a stray continuation byte, an overlong
// form, a surrogate, past U+10FFFF, or cut short): what PostgreSQL's
// UTF8 encoding accepts.
size_t Utf8SequenceLength(std::string_view s, size_t i);
// True when all of `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace waymark

#endif  // WAYMARK_CORE_STRINGS_H_
