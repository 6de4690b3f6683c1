#include "core/geo/geoip.h"

#include <arpa/inet.h>
// libloc 0.9's headers declare C functions without extern "C".
extern "C" {
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
}
#include <maxminddb.h>
#include <sys/stat.h>
#include <syslog.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/geo/country.h"
#include "core/geo/mmdb_record.h"
#include "core/strings.h"

namespace waymark {

namespace {

// ---------------------------------------------------------------------------
// MaxMind DB

// Reads the fields that GeoLite2/GeoIP2, DB-IP lite and IPinfo lite files
// use for the same facts.
class MmdbReader : public GeoReader {
 public:
  MmdbReader() { std::memset(&mmdb_, 0, sizeof mmdb_); }
  ~MmdbReader() override {
    if (open_) MMDB_close(&mmdb_);
  }
  MmdbReader(const MmdbReader&) = delete;
  MmdbReader& operator=(const MmdbReader&) = delete;

  Status Open(const std::string& path) {
    path_ = path;
    // libmaxminddb reports a missing file only as an "I/O error".
    struct stat st;
    int err = stat(path.c_str(), &st) != 0 ? errno
              : S_ISDIR(st.st_mode)        ? EISDIR
                                           : 0;
    if (err) {
      return Status::InvalidArgument(
          path + ": cannot open MaxMind DB file: " + std::strerror(err));
    }
    int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb_);
    if (rc != MMDB_SUCCESS) {
      return Status::InvalidArgument(
          path + ": cannot open MaxMind DB file: " + MMDB_strerror(rc));
    }
    open_ = true;
    description_ =
        mmdb_.metadata.database_type ? mmdb_.metadata.database_type : "";
    return Status::OK();
  }

  const char* kind() const override { return "mmdb"; }
  const std::string& path() const override { return path_; }
  const std::string& description() const override { return description_; }

  GeoLocation Lookup(const IpAddress& addr) const override {
    GeoLocation loc;
    int mmdb_error = 0;
    MMDB_lookup_result_s r;
    if (addr.is_v4()) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      std::memcpy(&sa.sin_addr, addr.bytes() + 12, 4);
      r = MMDB_lookup_sockaddr(&mmdb_, reinterpret_cast<const sockaddr*>(&sa),
                               &mmdb_error);
    } else {
      if (mmdb_.metadata.ip_version == 4) return loc;
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_addr = addr.ToIn6();
      r = MMDB_lookup_sockaddr(&mmdb_, reinterpret_cast<const sockaddr*>(&sa),
                               &mmdb_error);
    }
    if (mmdb_error != MMDB_SUCCESS || !r.found_entry) return loc;
    // One pass over the record, reading only the fields used (see
    // core/mmdb_record.h for why not MMDB_aget_value).
    MmdbFields f;
    if (!ReadMmdbRecord(mmdb_.data_section, mmdb_.data_section_size,
                        r.entry.offset, &f))
      return loc;  // damaged: unknown, as promised
    loc.country = Code(f.country_iso);
    if (loc.country.empty()) loc.country = Code(f.country_code);  // IPinfo lite
    if (loc.country.empty()) loc.country = Code(f.registered_iso);
    loc.continent = Code(f.continent_code);
    if (loc.continent.empty()) loc.continent = Code(f.continent_code_top);
    if (f.latitude.kind == MmdbValue::kDouble &&
        f.longitude.kind == MmdbValue::kDouble &&
        std::fabs(f.latitude.real) <= 90 &&
        std::fabs(f.longitude.real) <= 180) {
      loc.latitude = f.latitude.real;
      loc.longitude = f.longitude.real;
    }
    const MmdbValue& n = f.asn_number;
    if (n.kind == MmdbValue::kUnsigned && n.uint <= 4294967295ULL) {
      loc.asn = static_cast<long long>(n.uint);
    } else if (n.kind == MmdbValue::kSigned && n.sint >= 0) {
      loc.asn = n.sint;
    } else if (f.asn_text.kind == MmdbValue::kString) {
      // IPinfo lite: "AS13335"
      std::string as(f.asn_text.text);
      long long asn;
      if (StartsWith(as, "AS") && ParseInt64(as.substr(2), &asn) && asn >= 0)
        loc.asn = asn;
    }
    return loc;
  }

 private:
  // A two-letter code, upper case; anything else reads as unknown.
  static std::string Code(const MmdbValue& v) {
    if (v.kind != MmdbValue::kString || v.text.size() != 2 ||
        !std::isalpha(static_cast<unsigned char>(v.text[0])) ||
        !std::isalpha(static_cast<unsigned char>(v.text[1])))
      return "";
    return ToUpper(std::string(v.text));
  }

  mutable MMDB_s mmdb_;
  bool open_ = false;
  std::string path_, description_;
};

// ---------------------------------------------------------------------------
// IPFire location database

class LocReader : public GeoReader {
 public:
  LocReader() = default;
  ~LocReader() override {
    if (db_) loc_database_unref(db_);
    if (ctx_) loc_unref(ctx_);
  }
  LocReader(const LocReader&) = delete;
  LocReader& operator=(const LocReader&) = delete;

  Status Open(const std::string& path) {
    path_ = path;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      return Status::InvalidArgument(
          path + ": cannot open location database: " + std::strerror(errno));
    }
    if (loc_new(&ctx_) != 0)
      return Status::IOError("libloc: cannot create a context");
    // libloc logs to stderr by default; waymark reports errors itself.
    loc_set_log_priority(ctx_, LOG_EMERG);
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) {
      return Status::InvalidArgument(
          path + ": cannot open location database: " + std::strerror(errno));
    }
    int rc = loc_database_new(ctx_, &db_, f);
    std::fclose(f);
    if (rc != 0 || !db_) {
      db_ = nullptr;
      return Status::InvalidArgument(
          path + ": not a valid location database (libloc)");
    }
    const char* vendor = loc_database_get_vendor(db_);
    const char* descr = loc_database_get_description(db_);
    std::string first_line =
        descr ? std::string(descr).substr(0, std::string(descr).find('\n'))
              : "";
    description_ = std::string("libloc") +
                   (vendor && *vendor ? ", " + std::string(vendor) : "") +
                   (first_line.empty() ? "" : ": " + first_line);
    return Status::OK();
  }

  const char* kind() const override { return "libloc"; }
  const std::string& path() const override { return path_; }
  const std::string& description() const override { return description_; }

  GeoLocation Lookup(const IpAddress& addr) const override {
    GeoLocation loc;
    in6_addr a = addr.ToIn6();
    loc_network* net = nullptr;
    if (loc_database_lookup(db_, &a, &net) != 0 || !net) return loc;
    const char* cc = loc_network_get_country_code(net);
    // libloc uses special codes (A1, A2, A3, XD...) for flagged networks.
    if (cc && IsCountryCode(cc)) loc.country = cc;
    uint32_t asn = loc_network_get_asn(net);
    if (asn) loc.asn = asn;
    loc_network_unref(net);
    // The continent from waymark's country table (generated from libloc's
    // own): asking libloc costs an allocation and a search per look-up.
    loc.continent = ContinentOfCountry(loc.country);
    return loc;
  }

 private:
  loc_ctx* ctx_ = nullptr;
  loc_database* db_ = nullptr;
  std::string path_, description_;
};

}  // namespace

Status OpenMmdb(const std::string& path, std::unique_ptr<GeoReader>* out) {
  auto r = std::make_unique<MmdbReader>();
  Status s = r->Open(path);
  if (!s.ok()) return s;
  *out = std::move(r);
  return Status::OK();
}

Status OpenLocationDb(const std::string& path,
                      std::unique_ptr<GeoReader>* out) {
  auto r = std::make_unique<LocReader>();
  Status s = r->Open(path);
  if (!s.ok()) return s;
  *out = std::move(r);
  return Status::OK();
}

Status GeoIp::Open(const Config& config, std::unique_ptr<GeoIp>* out) {
  return Open(config.GetList(keys::kGeoipMmdb),
              config.GetString(keys::kGeoipLocationDb), out);
}

Status GeoIp::Open(const std::vector<std::string>& mmdb_paths,
                   const std::string& location_db,
                   std::unique_ptr<GeoIp>* out) {
  auto g = std::make_unique<GeoIp>();
  for (const auto& path : mmdb_paths) {
    std::unique_ptr<GeoReader> r;
    Status s = OpenMmdb(path, &r);
    if (!s.ok()) return s;
    g->readers_.push_back(std::move(r));
  }
  if (mmdb_paths.empty()) {
    if (location_db.empty())
      return Status::InvalidArgument(
          "no GeoIP database: set geoip.mmdb or geoip.location_db");
    std::unique_ptr<GeoReader> r;
    Status s = OpenLocationDb(location_db, &r);
    if (!s.ok()) return s;
    g->readers_.push_back(std::move(r));
  }
  *out = std::move(g);
  return Status::OK();
}

GeoLocation GeoIp::Lookup(const IpAddress& addr) const {
  GeoLocation merged;
  if (!addr.IsGlobal()) return merged;
  for (const auto& reader : readers_) {
    GeoLocation l = reader->Lookup(addr);
    if (merged.country.empty() && !l.country.empty()) {
      merged.country = l.country;
      if (merged.continent.empty()) merged.continent = l.continent;
    }
    if (merged.continent.empty() && merged.country == l.country)
      merged.continent = l.continent;
    if (!merged.asn && l.asn) merged.asn = l.asn;
    if (!merged.latitude && l.latitude) {
      merged.latitude = l.latitude;
      merged.longitude = l.longitude;
    }
  }
  if (merged.continent.empty() && !merged.country.empty())
    merged.continent = ContinentOfCountry(merged.country);
  double lat, lon;
  if (!merged.latitude && !merged.country.empty() &&
      CountryCentroid(merged.country, &lat, &lon)) {
    merged.latitude = lat;
    merged.longitude = lon;
    merged.centroid = true;
  }
  return merged;
}

std::vector<std::pair<const GeoReader*, GeoLocation>> GeoIp::LookupEach(
    const IpAddress& addr) const {
  std::vector<std::pair<const GeoReader*, GeoLocation>> out;
  for (const auto& reader : readers_) {
    out.emplace_back(reader.get(),
                     addr.IsGlobal() ? reader->Lookup(addr) : GeoLocation());
  }
  return out;
}

}  // namespace waymark
