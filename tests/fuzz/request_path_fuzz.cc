// libFuzzer target: ParseRequestPath on arbitrary bytes, as a client may
// send them. Whatever it accepts is a clean relative path (no control
// byte, no empty, '.' or '..' segment, within the length limit), and the
// redirector's own encoding of it (EncodePath, used in every Location)
// parses back to the same path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/model/request_path.h"
#include "core/strings.h"
#include "core/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string uri(reinterpret_cast<const char*>(data), size);
  std::string path;
  if (!waymark::ParseRequestPath(uri, &path).ok()) return 0;
  if (path.empty() || path.size() > waymark::kMaxRequestPath) abort();
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f) abort();
  for (const std::string& segment : waymark::Split(path, '/'))
    if (segment.empty() || segment == "." || segment == "..") abort();
  // Encoded, it may grow past the limit (each byte up to three); below it,
  // it must come back unchanged.
  std::string encoded = "/" + waymark::EncodePath(path), again;
  if (encoded.size() <= waymark::kMaxRequestPath &&
      (!waymark::ParseRequestPath(encoded, &again).ok() || again != path))
    abort();
  return 0;
}
