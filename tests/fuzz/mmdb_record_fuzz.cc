// libFuzzer target: ReadMmdbRecord on an arbitrary data section. The first
// four bytes (little-endian) pick the record's offset; the rest is the
// data section. A hostile GeoIP database must not make the reader read
// outside the section, loop, or report fields when it says it failed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/geo/mmdb_record.h"

namespace {

void CheckInside(const waymark::MmdbValue& v, const uint8_t* data,
                 size_t size) {
  if (v.kind != waymark::MmdbValue::kString) return;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(v.text.data());
  if (v.text.size() > size || p < data || p + v.text.size() > data + size)
    abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t input_size) {
  if (input_size < 4) return 0;
  size_t offset = size_t{input[0]} | size_t{input[1]} << 8 |
                  size_t{input[2]} << 16 | size_t{input[3]} << 24;
  const uint8_t* data = input + 4;
  size_t size = input_size - 4;
  if (size) offset %= size;
  waymark::MmdbFields f;
  bool ok = waymark::ReadMmdbRecord(data, size, offset, &f);
  const waymark::MmdbValue* all[] = {
      &f.country_iso,    &f.registered_iso,     &f.country_code,
      &f.continent_code, &f.continent_code_top, &f.latitude,
      &f.longitude,      &f.asn_number,         &f.asn_text};
  for (const waymark::MmdbValue* v : all) {
    if (!ok && v->kind != waymark::MmdbValue::kAbsent) abort();
    CheckInside(*v, data, size);
  }
  return 0;
}
