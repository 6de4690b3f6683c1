// libFuzzer target: ParseHtmlIndex on arbitrary pages. Every entry it
// returns must be a single clean name (no '/', no control bytes, no '..')
// with a sane size, so a hostile page can neither escape the mirror's base
// path nor smuggle a header or markup anywhere.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/listing_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view page(reinterpret_cast<const char*>(data), size);
  waymark::HtmlIndex idx = waymark::ParseHtmlIndex(page);
  for (const auto& e : idx.entries) {
    if (!waymark::CheckListingPath(e.path).empty()) abort();
    if (e.path.find('/') != std::string::npos) abort();
    if (e.size > waymark::kMaxListingSize) abort();
    if (e.type == waymark::EntryType::kFile && e.size < 0) abort();
  }
  if (idx.entries.size() > size) abort();
  return 0;
}
