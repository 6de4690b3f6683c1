#include "core/request_path.h"

#include "core/strings.h"

namespace waymark {

Status ParseRequestPath(const std::string& uri, std::string* path) {
  if (uri.size() > kMaxRequestPath)
    return Status::InvalidArgument("path longer than " + std::to_string(kMaxRequestPath) + " bytes");
  std::string decoded;
  decoded.reserve(uri.size());
  for (size_t i = 0; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == '%') {
      int hi = i + 1 < uri.size() ? HexValue(uri[i + 1]) : -1;
      int lo = i + 2 < uri.size() ? HexValue(uri[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Status::InvalidArgument("invalid percent-encoding");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Status::InvalidArgument("control byte in path");
    decoded += c;
  }
  std::string out;
  for (const auto& segment : Split(decoded, '/')) {
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") return Status::InvalidArgument("'.' or '..' segment in path");
    if (!out.empty()) out += '/';
    out += segment;
  }
  if (out.empty()) return Status::InvalidArgument("empty path");
  *path = std::move(out);
  return Status::OK();
}

}  // namespace waymark
