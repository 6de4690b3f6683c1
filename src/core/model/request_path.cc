#include "core/model/request_path.h"

#include <string_view>

#include "core/strings.h"

namespace waymark {

// One pass, writing only the result: every download request comes here.
Status ParseRequestPath(const std::string& uri, std::string* path) {
  if (uri.size() > kMaxRequestPath)
    return Status::InvalidArgument("path longer than " +
                                   std::to_string(kMaxRequestPath) + " bytes");
  std::string out;
  out.reserve(uri.size());
  // The segment being written starts at out[start]; a decoded '/' (%2F
  // too) ends it. A dot segment is reported only after the whole path is
  // decoded, so that a bad escape or control byte anywhere is named first.
  bool in_segment = false, dot_segment = false;
  size_t start = 0;
  auto end_segment = [&] {
    std::string_view seg(out.data() + start, out.size() - start);
    if (seg == "." || seg == "..") dot_segment = true;
    in_segment = false;
  };
  for (size_t i = 0; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == '%') {
      int hi = i + 1 < uri.size() ? HexValue(uri[i + 1]) : -1;
      int lo = i + 2 < uri.size() ? HexValue(uri[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Status::InvalidArgument("invalid percent-encoding");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return Status::InvalidArgument("control byte in path");
    if (c == '/') {
      if (in_segment) end_segment();
      continue;
    }
    if (!in_segment) {
      if (!out.empty()) out += '/';
      start = out.size();
      in_segment = true;
    }
    out += c;
  }
  if (in_segment) end_segment();
  if (dot_segment)
    return Status::InvalidArgument("'.' or '..' segment in path");
  if (out.empty()) return Status::InvalidArgument("empty path");
  *path = std::move(out);
  return Status::OK();
}

}  // namespace waymark
