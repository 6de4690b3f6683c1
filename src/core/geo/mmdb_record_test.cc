#include "core/geo/mmdb_record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace waymark {
namespace {

// A data section, written by hand the way the specification lays it out.
class Section {
 public:
  size_t here() const { return bytes.size(); }
  // A control byte (with the extended type byte for types above 7) and the
  // size, in as few bytes as the format allows.
  Section& Control(int type, uint32_t size) {
    int first = type > 7 ? 0 : type;
    uint8_t low = size < 29      ? static_cast<uint8_t>(size)
                  : size < 285   ? 29
                  : size < 65821 ? 30
                                 : 31;
    bytes.push_back(static_cast<uint8_t>(first << 5 | low));
    if (type > 7) bytes.push_back(static_cast<uint8_t>(type - 7));
    if (low == 29) bytes.push_back(static_cast<uint8_t>(size - 29));
    if (low == 30) Big(size - 285, 2);
    if (low == 31) Big(size - 65821, 3);
    return *this;
  }
  Section& Str(const std::string& s) {
    Control(2, static_cast<uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  Section& Map(uint32_t pairs) { return Control(7, pairs); }
  Section& Array(uint32_t n) { return Control(11, n); }
  Section& U32(uint32_t v) { return Control(6, 4).Big(v, 4); }
  Section& U16(uint32_t v) { return Control(5, 2).Big(v, 2); }
  Section& I32(int32_t v) {
    return Control(8, 4).Big(static_cast<uint32_t>(v), 4);
  }
  Section& U64(uint64_t v) { return Control(9, 8).Big(v, 8); }
  Section& U128(uint64_t high, uint64_t low) {
    return Control(10, 16).Big(high, 8).Big(low, 8);
  }
  Section& Bool(bool b) { return Control(14, b ? 1 : 0); }
  Section& Dbl(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    return Control(3, 8).Big(bits, 8);
  }
  Section& Flt(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return Control(15, 4).Big(bits, 4);
  }
  // A pointer to `offset`, in the shortest of the four forms.
  Section& Ptr(uint32_t offset) {
    if (offset < 2048) {
      bytes.push_back(static_cast<uint8_t>(1 << 5 | 0 << 3 | offset >> 8));
      Big(offset, 1);
    } else if (offset < 526336) {
      uint32_t v = offset - 2048;
      bytes.push_back(static_cast<uint8_t>(1 << 5 | 1 << 3 | v >> 16));
      Big(v, 2);
    } else if (offset < 134744064) {
      uint32_t v = offset - 526336;
      bytes.push_back(static_cast<uint8_t>(1 << 5 | 2 << 3 | v >> 24));
      Big(v, 3);
    } else {
      bytes.push_back(1 << 5 | 3 << 3);
      Big(offset, 4);
    }
    return *this;
  }
  Section& Big(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  bool Read(size_t offset, MmdbFields* f) const {
    return ReadMmdbRecord(bytes.data(), bytes.size(), offset, f);
  }

  std::vector<uint8_t> bytes;
};

// A City-like record: names in several languages (skipped), an array of
// subdivisions (skipped), the fields read nested two deep.
Section CityRecord() {
  Section s;
  s.Map(6);
  s.Str("city").Map(2).Str("geoname_id").U32(2925533).Str("names").Map(3);
  s.Str("de")
      .Str("Frankfurt am Main")
      .Str("en")
      .Str("Frankfurt")
      .Str("ja")
      .Str("フランクフルト");
  s.Str("continent")
      .Map(2)
      .Str("code")
      .Str("EU")
      .Str("names")
      .Map(1)
      .Str("en")
      .Str("Europe");
  s.Str("country")
      .Map(3)
      .Str("geoname_id")
      .U32(2921044)
      .Str("is_in_european_union")
      .Bool(true);
  s.Str("iso_code").Str("DE");
  s.Str("location")
      .Map(3)
      .Str("accuracy_radius")
      .U16(20)
      .Str("latitude")
      .Dbl(50.1188);
  s.Str("longitude").Dbl(8.6843);
  s.Str("subdivisions").Array(1).Map(1).Str("iso_code").Str("HE");
  s.Str("registered_country").Map(1).Str("iso_code").Str("DE");
  return s;
}

TEST(MmdbRecordTest, CityRecordInOnePass) {
  Section s = CityRecord();
  MmdbFields f;
  ASSERT_TRUE(s.Read(0, &f));
  EXPECT_EQ(f.country_iso.kind, MmdbValue::kString);
  EXPECT_EQ(f.country_iso.text, "DE");
  EXPECT_EQ(f.registered_iso.text, "DE");
  EXPECT_EQ(f.continent_code.text, "EU");
  ASSERT_EQ(f.latitude.kind, MmdbValue::kDouble);
  EXPECT_DOUBLE_EQ(f.latitude.real, 50.1188);
  EXPECT_DOUBLE_EQ(f.longitude.real, 8.6843);
  EXPECT_EQ(f.asn_number.kind, MmdbValue::kAbsent);
  EXPECT_EQ(f.country_code.kind, MmdbValue::kAbsent);
  EXPECT_EQ(f.asn_text.kind, MmdbValue::kAbsent);
}

TEST(MmdbRecordTest, PointersForKeysAndValues) {
  // What writers do to save space: keys and whole maps stored once and
  // pointed at. The record starts after the shared parts.
  Section s;
  size_t key_country = s.here();
  s.Str("country");
  size_t key_iso = s.here();
  s.Str("iso_code");
  size_t de = s.here();
  s.Map(1).Ptr(static_cast<uint32_t>(key_iso)).Str("DE");
  size_t record = s.here();
  s.Map(3)
      .Ptr(static_cast<uint32_t>(key_country))
      .Ptr(static_cast<uint32_t>(de));
  s.Str("autonomous_system_number").U32(64500);
  s.Str("location")
      .Map(2)
      .Str("latitude")
      .Flt(1.5f)
      .Str("longitude")
      .Flt(-2.25f);
  MmdbFields f;
  ASSERT_TRUE(s.Read(record, &f));
  EXPECT_EQ(f.country_iso.text, "DE") << "a map reached through a pointer";
  EXPECT_EQ(f.asn_number.kind, MmdbValue::kUnsigned);
  EXPECT_EQ(f.asn_number.uint, 64500u) << "read after the pointed-at map";
  EXPECT_DOUBLE_EQ(f.latitude.real, 1.5) << "floats read as doubles";
  EXPECT_DOUBLE_EQ(f.longitude.real, -2.25);
}

TEST(MmdbRecordTest, PointerFormsAndSizeEncodings) {
  // Long strings (sizes 29+, 285+, 65821+) are skipped by their length;
  // a pointer of each of the four lengths reaches its key.
  for (uint32_t pad : {0u, 3000u, 600000u, 140000000u}) {
    Section s;
    s.bytes.resize(pad);
    size_t key = s.here();
    s.Str("country_code");
    size_t record = s.here();
    s.Map(4)
        .Str("a")
        .Str(std::string(40, 'x'))
        .Str("b")
        .Str(std::string(300, 'y'));
    s.Str("c").Str(std::string(70000, 'z'));
    s.Ptr(static_cast<uint32_t>(key)).Str("nl");
    MmdbFields f;
    ASSERT_TRUE(s.Read(record, &f)) << "pointer to " << key;
    EXPECT_EQ(f.country_code.text, "nl");
  }
}

TEST(MmdbRecordTest, IpinfoLiteAndNumberTypes) {
  Section s;
  s.Map(5).Str("country_code").Str("US").Str("continent_code").Str("NA");
  s.Str("asn").Str("AS13335").Str("as_domain").Str("cloudflare.com");
  s.Str("as_ranks").Array(3).U64(1).I32(-5).U128(0, 7);
  MmdbFields f;
  ASSERT_TRUE(s.Read(0, &f));
  EXPECT_EQ(f.country_code.text, "US");
  EXPECT_EQ(f.continent_code_top.text, "NA");
  EXPECT_EQ(f.asn_text.text, "AS13335");

  for (int kind = 0; kind < 4; ++kind) {
    Section n;
    n.Map(1).Str("autonomous_system_number");
    if (kind == 0) n.U64(4200000000ULL);
    if (kind == 1) n.I32(-1);
    if (kind == 2) n.U128(0, 65000);
    if (kind == 3) n.U128(1, 0);
    ASSERT_TRUE(n.Read(0, &f)) << kind;
    switch (kind) {
      case 0:
        EXPECT_EQ(f.asn_number.uint, 4200000000ULL);
        break;
      case 1:
        EXPECT_EQ(f.asn_number.sint, -1);
        break;
      case 2:
        EXPECT_EQ(f.asn_number.uint, 65000u) << "a uint128 that fits";
        break;
      case 3:
        EXPECT_EQ(f.asn_number.kind, MmdbValue::kOther) << "one that does not";
        break;
    }
  }
}

TEST(MmdbRecordTest, EveryTruncationIsDamageNotARead) {
  // Cut short anywhere, the record reads as damaged (false, nothing kept)
  // or, cut after what the pass needs, as a record; never past the end
  // (the sanitizer build would stop here).
  Section s = CityRecord();
  MmdbFields f;
  for (size_t n = 1; n < s.bytes.size(); ++n) {
    std::vector<uint8_t> cut(s.bytes.begin(),
                             s.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(ReadMmdbRecord(cut.data(), cut.size(), 0, &f))
        << n << " bytes";
    EXPECT_EQ(f.country_iso.kind, MmdbValue::kAbsent);
  }
}

TEST(MmdbRecordTest, HostileRecordsAreDamaged) {
  MmdbFields f;
  auto damaged = [&](const Section& s, size_t offset = 0) {
    return !s.Read(offset, &f) && f.country_iso.kind == MmdbValue::kAbsent;
  };
  {  // not a map
    Section s;
    s.Str("DE");
    EXPECT_TRUE(damaged(s));
  }
  {  // a pointer past the end
    Section s;
    s.Map(1).Ptr(5000).Str("x");
    EXPECT_TRUE(damaged(s));
  }
  {  // a pointer to a pointer
    Section s;
    s.Ptr(0);
    size_t record = s.here();
    s.Map(1).Str("country").Ptr(0);
    EXPECT_TRUE(damaged(s, record));
  }
  {  // a map that claims more pairs than there are bytes
    Section s;
    s.Map(1).Str("city").Map(16000000).Str("a").Str("b");
    EXPECT_TRUE(damaged(s));
  }
  {  // a key that is not a string
    Section s;
    s.Map(1).U32(1).Str("x");
    EXPECT_TRUE(damaged(s));
  }
  {  // a string longer than the section
    Section s;
    s.Map(1).Str("country").Map(1).Str("iso_code").Control(2, 100).Str("DE");
    EXPECT_TRUE(damaged(s));
  }
  {  // types that have no place in a record
    for (int type : {12, 13}) {
      Section s;
      s.Map(2).Str("x").Control(type, 0).Str("country_code").Str("DE");
      EXPECT_TRUE(damaged(s)) << type;
    }
    Section s;
    s.Map(1).Str("x");
    s.bytes.push_back(0);
    s.bytes.push_back(0);  // extended type 7 + 0: invalid
    EXPECT_TRUE(damaged(s));
  }
  {  // nesting deeper than libmaxminddb allows
    Section s;
    s.Map(1).Str("city");
    for (int i = 0; i < 600; ++i) s.Array(1);
    s.Str("x");
    EXPECT_TRUE(damaged(s));
  }
  {  // an offset outside the section
    Section s = CityRecord();
    EXPECT_TRUE(damaged(s, s.bytes.size()));
  }
}

}  // namespace
}  // namespace waymark
