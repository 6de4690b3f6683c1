// libFuzzer target: ParseRsyncLine on arbitrary bytes. Whatever it accepts
// must pass the path check and carry a sane size: a hostile rsync server
// cannot get anything else past the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/listing_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  waymark::ListingEntry e;
  std::string why;
  if (waymark::ParseRsyncLine(line, &e, &why) == waymark::ParseResult::kEntry) {
    if (!waymark::CheckListingPath(e.path).empty()) abort();
    if (e.size < 0 || e.size > waymark::kMaxListingSize) abort();
  }
  return 0;
}
