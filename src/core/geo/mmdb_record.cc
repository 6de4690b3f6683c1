#include "core/geo/mmdb_record.h"

#include <cstring>
#include <initializer_list>

namespace waymark {

namespace {

// Data section types (specification section "Output Data Section").
enum Type {
  kExtended = 0,
  kPointer = 1,
  kUtf8 = 2,
  kDouble = 3,
  kBytes = 4,
  kUint16 = 5,
  kUint32 = 6,
  kMap = 7,
  kInt32 = 8,
  kUint64 = 9,
  kUint128 = 10,
  kArray = 11,
  kContainer = 12,
  kEndMarker = 13,
  kBoolean = 14,
  kFloat = 15,
};

// As libmaxminddb: deeper nesting is a damaged file.
constexpr int kMaxDepth = 512;

// A value's control information: its type, its size (payload bytes, or
// pairs of a map, or entries of an array, or a boolean's value) and where
// its payload (or first entry) starts.
struct Head {
  int type = 0;
  uint32_t size = 0;
  size_t payload = 0;
  bool through_pointer = false;  // then its entries are not where it stood
};

// A key wanted in a map, and where its value goes.
struct Want {
  std::string_view key;
  MmdbValue* into;
};

class RecordReader {
 public:
  RecordReader(const uint8_t* data, size_t size) : d_(data), n_(size) {}

  // The record's top-level map at `offset`: the fields read there, and
  // those of its maps country, registered_country, continent and location.
  bool ReadTop(size_t offset, MmdbFields* f) const {
    size_t pos = offset;
    Head top;
    if (!ReadHead(&pos, &top) || top.type != kMap) return false;
    return ForEachPair(
        &pos, top, [&](std::string_view key, const Head& v, size_t* at) {
          if (v.type != kMap) {
            if (key == "country_code") f->country_code = Scalar(v);
            if (key == "continent_code") f->continent_code_top = Scalar(v);
            if (key == "autonomous_system_number") f->asn_number = Scalar(v);
            if (key == "asn") f->asn_text = Scalar(v);
            return SkipBody(at, v, 1);
          }
          if (key == "country")
            return ReadMap(at, v, {{"iso_code", &f->country_iso}});
          if (key == "registered_country")
            return ReadMap(at, v, {{"iso_code", &f->registered_iso}});
          if (key == "continent")
            return ReadMap(at, v, {{"code", &f->continent_code}});
          if (key == "location")
            return ReadMap(
                at, v,
                {{"latitude", &f->latitude}, {"longitude", &f->longitude}});
          return SkipBody(at, v, 1);
        });
  }

 private:
  // The control byte(s) at *pos, without following a pointer: moves *pos
  // past them. For a pointer, `size` holds the control byte's low 5 bits.
  bool ReadControl(size_t* pos, int* type, uint32_t* size) const {
    if (*pos >= n_) return false;
    uint8_t c = d_[(*pos)++];
    *type = c >> 5;
    *size = c & 0x1f;
    if (*type == kPointer) return true;
    if (*type == kExtended) {
      if (*pos >= n_) return false;
      int t = 7 + d_[(*pos)++];
      if (t < kInt32 || t > kFloat) return false;
      *type = t;
    }
    if (*size >= 29) {
      size_t extra = *size - 28;  // 1, 2 or 3 more bytes
      if (n_ - *pos < extra) return false;
      uint32_t v = 0;
      for (size_t i = 0; i < extra; ++i) v = v << 8 | d_[(*pos)++];
      static const uint32_t kBase[] = {29, 285, 65821};
      *size = kBase[extra - 1] + v;
    }
    return true;
  }

  // The value's head at *pos, following one pointer (a pointer to a
  // pointer is invalid). Moves *pos past the control bytes, or past the
  // pointer.
  bool ReadHead(size_t* pos, Head* h) const {
    uint32_t bits;
    if (!ReadControl(pos, &h->type, &bits)) return false;
    h->through_pointer = h->type == kPointer;
    if (h->through_pointer) {
      size_t len = ((bits >> 3) & 3) + 1;
      if (n_ - *pos < len) return false;
      uint64_t p = len == 4 ? 0 : (bits & 7);
      for (size_t i = 0; i < len; ++i) p = p << 8 | d_[(*pos)++];
      static const uint64_t kBias[] = {0, 2048, 526336, 0};
      p += kBias[len - 1];
      if (p >= n_) return false;
      size_t at = static_cast<size_t>(p);
      if (!ReadControl(&at, &h->type, &bits) || h->type == kPointer)
        return false;
      h->payload = at;
    } else {
      h->payload = *pos;
    }
    h->size = bits;
    if (h->type == kContainer || h->type == kEndMarker)
      return false;  // not in records
    if (h->type == kMap || h->type == kArray || h->type == kBoolean)
      return true;
    return n_ - h->payload >= h->size;  // a scalar's payload is all there
  }

  // A map key: a string, possibly through a pointer.
  bool ReadKey(size_t* pos, std::string_view* key) const {
    Head h;
    if (!ReadHead(pos, &h) || h.type != kUtf8) return false;
    *key =
        std::string_view(reinterpret_cast<const char*>(d_ + h.payload), h.size);
    if (!h.through_pointer) *pos += h.size;
    return true;
  }

  // Moves *pos past the value whose head was just read: its payload, or
  // its entries. A value reached through a pointer ends with the pointer.
  bool SkipBody(size_t* pos, const Head& h, int depth) const {
    if (h.through_pointer) return true;
    if (depth > kMaxDepth) return false;
    uint64_t entries = h.type == kMap     ? 2 * uint64_t{h.size}
                       : h.type == kArray ? h.size
                                          : 0;
    if (h.type != kMap && h.type != kArray) {
      if (h.type != kBoolean) *pos += h.size;
      return true;
    }
    // Each entry takes at least one byte: a count beyond what is left is
    // a damaged file, found without walking it.
    if (entries > n_ - *pos) return false;
    for (uint64_t i = 0; i < entries; ++i) {
      Head e;
      if (!ReadHead(pos, &e) || !SkipBody(pos, e, depth + 1)) return false;
    }
    return true;
  }

  // Walks the map whose head was just read: on(key, value's head, &at) is
  // called for each pair and must move `at` past the value. Moves *pos
  // past the map.
  template <typename Fn>
  bool ForEachPair(size_t* pos, const Head& map, Fn on) const {
    size_t at = map.payload;
    if (map.size > n_ - at) return false;  // a pair takes at least 2 bytes
    for (uint32_t i = 0; i < map.size; ++i) {
      std::string_view key;
      Head v;
      if (!ReadKey(&at, &key) || !ReadHead(&at, &v) || !on(key, v, &at))
        return false;
    }
    if (!map.through_pointer) *pos = at;
    return true;
  }

  // Reads the map whose head was just read, keeping the scalar values of
  // the keys in `want`; moves *pos past the map.
  bool ReadMap(size_t* pos, const Head& map,
               std::initializer_list<Want> want) const {
    return ForEachPair(pos, map,
                       [&](std::string_view key, const Head& v, size_t* at) {
                         for (const Want& w : want) {
                           if (key == w.key) {
                             *w.into = Scalar(v);
                             break;
                           }
                         }
                         return SkipBody(at, v, 2);
                       });
  }

  // A scalar value; kOther for maps, arrays and types no field uses.
  MmdbValue Scalar(const Head& h) const {
    MmdbValue v;
    v.kind = MmdbValue::kOther;
    const uint8_t* p = d_ + h.payload;
    auto big_endian = [&](size_t from) {
      uint64_t x = 0;
      for (size_t i = from; i < h.size; ++i) x = x << 8 | p[i];
      return x;
    };
    switch (h.type) {
      case kUtf8:
        v.kind = MmdbValue::kString;
        v.text = std::string_view(reinterpret_cast<const char*>(p), h.size);
        break;
      case kDouble:
        if (h.size == 8) {
          uint64_t bits = big_endian(0);
          std::memcpy(&v.real, &bits, 8);
          v.kind = MmdbValue::kDouble;
        }
        break;
      case kFloat:
        if (h.size == 4) {
          uint32_t bits = static_cast<uint32_t>(big_endian(0));
          float f;
          std::memcpy(&f, &bits, 4);
          v.real = f;
          v.kind = MmdbValue::kDouble;
        }
        break;
      case kUint16:
      case kUint32:
      case kUint64:
      case kUint128: {
        size_t max = h.type == kUint16   ? 2
                     : h.type == kUint32 ? 4
                     : h.type == kUint64 ? 8
                                         : 16;
        if (h.size > max) break;
        // A uint128 is kept when it fits in 64 bits.
        size_t high = h.size > 8 ? h.size - 8 : 0;
        bool fits = true;
        for (size_t i = 0; i < high; ++i) fits = fits && p[i] == 0;
        if (!fits) break;
        v.uint = big_endian(high);
        v.kind = MmdbValue::kUnsigned;
        break;
      }
      case kInt32:
        if (h.size <= 4) {
          // Fewer than four bytes are the low bytes of a non-negative value.
          v.sint = static_cast<int32_t>(static_cast<uint32_t>(big_endian(0)));
          v.kind = MmdbValue::kSigned;
        }
        break;
      default:
        break;
    }
    return v;
  }

  const uint8_t* d_;
  size_t n_;
};

}  // namespace

bool ReadMmdbRecord(const uint8_t* data, size_t size, size_t offset,
                    MmdbFields* out) {
  *out = MmdbFields();
  if (!data || offset >= size) return false;
  if (RecordReader(data, size).ReadTop(offset, out)) return true;
  *out = MmdbFields();
  return false;
}

}  // namespace waymark
