// libFuzzer target: the FTP LIST and MLSD line parsers on arbitrary bytes.
// Accepted entries must pass the path check and carry a sane size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/listing_parsers.h"

namespace {

void Check(waymark::ParseResult r, const waymark::ListingEntry& e) {
  if (r != waymark::ParseResult::kEntry) return;
  if (!waymark::CheckListingPath(e.path).empty()) abort();
  if (e.size > waymark::kMaxListingSize) abort();
  if (e.type == waymark::EntryType::kFile && e.size < 0) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  waymark::ListingEntry e;
  std::string why;
  Check(waymark::ParseFtpListLine(line, 1762000000, &e, &why), e);
  waymark::ListingEntry m;
  Check(waymark::ParseMlsdLine(line, &m, &why), m);
  return 0;
}
