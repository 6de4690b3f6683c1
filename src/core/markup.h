// Escaping text for the redirector's HTML, SVG and Metalink (XML) outputs.
// Pure code. Whatever bytes a mirror name, a path or a reason holds, the
// escaped text keeps the document well-formed: markup characters become
// entities, bytes that are not valid UTF-8 and control characters XML 1.0
// forbids become U+FFFD.
#ifndef WAYMARK_CORE_MARKUP_H_
#define WAYMARK_CORE_MARKUP_H_

#include <string>
#include <string_view>

namespace waymark {

// `s` with every invalid UTF-8 sequence (overlong forms, surrogates, code
// points above U+10FFFF, truncated sequences) replaced by U+FFFD.
std::string ValidUtf8(std::string_view s);

// Text for an XML/HTML element or a double- or single-quoted attribute:
// & < > " ' as entities, control characters other than tab, newline and
// carriage return as U+FFFD, invalid UTF-8 as U+FFFD.
std::string EscapeXml(std::string_view s);

}  // namespace waymark

#endif  // WAYMARK_CORE_MARKUP_H_
