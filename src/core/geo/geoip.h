// GeoIP: where an IP address is (country, continent, AS number,
// coordinates), from MaxMind DB files (GeoLite2/GeoIP2 City, Country, ASN;
// DB-IP lite; IPinfo lite) through libmaxminddb, or from the free IPFire
// location database (Debian's libloc-database) through libloc.
//
// Used by the redirector for every client and by `waymark mirror add` and
// `waymark geoip`. A GeoIp object is immutable once opened and safe to use
// from one thread at a time per process; to reload, open a new one and swap
// it in (the old one stays valid until dropped).
#ifndef WAYMARK_CORE_GEO_GEOIP_H_
#define WAYMARK_CORE_GEO_GEOIP_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/geo/location.h"
#include "core/ip_address.h"
#include "core/status.h"

namespace waymark {

// One database file.
class GeoReader {
 public:
  virtual ~GeoReader() = default;
  // "mmdb" or "libloc".
  virtual const char* kind() const = 0;
  // The file it reads, and the database's own description of itself.
  virtual const std::string& path() const = 0;
  virtual const std::string& description() const = 0;
  // What this database says about `addr`; empty when it knows nothing.
  // Never fails: a damaged record reads as unknown.
  virtual GeoLocation Lookup(const IpAddress& addr) const = 0;
};

// Open one file; a missing, unreadable or corrupt file is a one-line error
// naming it.
Status OpenMmdb(const std::string& path, std::unique_ptr<GeoReader>* out);
Status OpenLocationDb(const std::string& path, std::unique_ptr<GeoReader>* out);

// The configured readers, merged.
class GeoIp {
 public:
  // The readers waymark.conf names: every geoip.mmdb file, or, when there is
  // none, geoip.location_db.
  static Status Open(const Config& config, std::unique_ptr<GeoIp>* out);
  static Status Open(const std::vector<std::string>& mmdb_paths,
                     const std::string& location_db,
                     std::unique_ptr<GeoIp>* out);

  // Each field from the first reader that knows it (a City file and an ASN
  // file complete each other); the continent from the country when no
  // reader gives one; the country's centroid when no reader gives
  // coordinates. Non-global addresses (private, loopback, documentation...)
  // are unknown without asking any reader.
  GeoLocation Lookup(const IpAddress& addr) const;

  // What each reader says on its own, for `waymark geoip`.
  std::vector<std::pair<const GeoReader*, GeoLocation>> LookupEach(
      const IpAddress& addr) const;

  const std::vector<std::unique_ptr<GeoReader>>& readers() const {
    return readers_;
  }

 private:
  std::vector<std::unique_ptr<GeoReader>> readers_;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_GEO_GEOIP_H_
