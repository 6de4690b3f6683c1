// Reads the few fields waymark needs (country, continent, coordinates, AS
// number) from one record of a MaxMind DB file's data section, in a single
// pass that allocates nothing.
//
// Why not libmaxminddb's own getters: MMDB_aget_value walks the record from
// its start for each field asked (six walks per look-up, through every
// localised name of a City record), and MMDB_get_entry_data_list decodes
// the whole record into allocated lists. The redirector looks up every
// client, so this reads the record once and skips what it does not need.
// libmaxminddb still opens the file and finds the record (the search tree).
//
// The format is the MaxMind DB File Format Specification 2.0 (data section
// types, pointers, sizes). Every read is bounds-checked: a damaged or
// hostile file reads as "nothing known", never past the data section, and
// in time linear in the bytes read.
#ifndef WAYMARK_CORE_GEO_MMDB_RECORD_H_
#define WAYMARK_CORE_GEO_MMDB_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace waymark {

// One value as read; `kind` says which member holds it.
struct MmdbValue {
  enum Kind { kAbsent, kString, kDouble, kUnsigned, kSigned, kOther };
  Kind kind = kAbsent;
  std::string_view text;  // kString: a view into the data section
  double real = 0;        // kDouble (from double or float)
  uint64_t uint = 0;  // kUnsigned (uint16, uint32, uint64; uint128 below 2^64)
  int64_t sint = 0;   // kSigned (int32)
};

// The fields the GeoIP readers use, as GeoLite2/GeoIP2 City, Country and
// ASN, DB-IP lite and IPinfo lite files name them.
struct MmdbFields {
  MmdbValue country_iso;         // country.iso_code
  MmdbValue registered_iso;      // registered_country.iso_code
  MmdbValue country_code;        // country_code (IPinfo lite)
  MmdbValue continent_code;      // continent.code
  MmdbValue continent_code_top;  // continent_code (IPinfo lite)
  MmdbValue latitude;            // location.latitude
  MmdbValue longitude;           // location.longitude
  MmdbValue asn_number;          // autonomous_system_number
  MmdbValue asn_text;            // asn ("AS13335", IPinfo lite)
};

// Reads the record (a map) at `offset` in the data section `data` of
// `size` bytes. False, with `*out` all absent, when the record is not a
// map or is damaged anywhere the pass goes.
bool ReadMmdbRecord(const uint8_t* data, size_t size, size_t offset,
                    MmdbFields* out);

}  // namespace waymark

#endif  // WAYMARK_CORE_GEO_MMDB_RECORD_H_
