// A mirror as the inventory holds it, and the validation of each field an
// operator can set. Pure code: no database, no network.
#ifndef WAYMARK_CORE_MODEL_MIRROR_H_
#define WAYMARK_CORE_MODEL_MIRROR_H_

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace waymark {

struct Mirror {
  int id = 0;
  std::string name;
  // Base URLs ending in '/', "" when the mirror does not offer the protocol.
  std::string http_url, https_url, rsync_url, ftp_url;
  std::string country;    // ISO 3166-1 alpha-2, "" unknown
  std::string continent;  // AF AN AS EU NA OC SA, "" unknown
  std::optional<long long> asn;
  std::optional<double> latitude, longitude;
  int weight = 100;
  // Restrictions on the clients the mirror serves.
  bool country_only = false;
  bool continent_only = false;
  bool asn_only = false;
  std::vector<std::string> also_countries;     // served as if local
  std::vector<std::string> exclude_countries;  // never served
  std::optional<long long> max_size;           // largest file, bytes
  // Trace checks (waymark-trace): the mirror's own lag limit in seconds
  // (else redirector.max_lag), and whether it may answer with redirects.
  std::optional<long long> max_lag;
  bool allow_redirects = false;
  bool enabled = false;
  std::string sponsor_name, sponsor_url, admin_name, admin_email, comment;
  // The order in which waymark-scan tries the mirror's protocols
  // ("http,rsync"); "" for scan.protocols.
  std::string scan_protocols;

  // Read-only, filled by the store (UTC, "YYYY-MM-DD HH:MM:SS").
  std::string created_at, updated_at, enabled_changed_at;
  // Derived from enabled and health: "disabled", "unchecked", "up", "down".
  std::string state;
  std::string state_since;
};

// Limits shared by the validators, the schema's CHECKs and waymark(8).
constexpr int kMinWeight = 1;
constexpr int kMaxWeight = 1000000;
constexpr long long kMaxAsn = 4294967295LL;

// Each Parse* checks one operator-supplied value; `what` names it in the
// one-line error ("--country: 'XX' is not an ISO 3166-1 country code").
Status ValidateMirrorName(const std::string& name);
Status ParseCountry(const std::string& what, const std::string& value,
                    std::string* out);
Status ParseCountryList(const std::string& what, const std::string& value,
                        std::vector<std::string>* out);
Status ParseContinent(const std::string& what, const std::string& value,
                      std::string* out);
Status ParseAsn(const std::string& what, const std::string& value,
                long long* out);
Status ParseLatitude(const std::string& what, const std::string& value,
                     double* out);
Status ParseLongitude(const std::string& what, const std::string& value,
                      double* out);
Status ParseWeight(const std::string& what, const std::string& value, int* out);
// Bytes, or a number with K, M, G or T (powers of 1024).
Status ParseMaxSize(const std::string& what, const std::string& value,
                    long long* out);
// A duration: seconds, or a number with s, m, h or d; at least 1 s.
Status ParseMaxLag(const std::string& what, const std::string& value,
                   long long* out);
// An http(s) URL for sponsor pages; "" allowed.
Status ParseWebUrl(const std::string& what, const std::string& value,
                   std::string* out);
Status ParseEmail(const std::string& what, const std::string& value,
                  std::string* out);
// Free text: one line, no control characters.
Status ParseText(const std::string& what, const std::string& value,
                 std::string* out);

// "rsync,ftp,http" in any order, each at most once; "" for the default.
Status ParseScanProtocols(const std::string& what, const std::string& value,
                          std::string* out);

// Rules across fields: an http or https URL; latitude with longitude;
// each *-only restriction needs the field it restricts on.
Status ValidateMirror(const Mirror& m);

// The URL clients are sent to by default: https if offered, else http.
const std::string& PreferredUrl(const Mirror& m);

}  // namespace waymark

#endif  // WAYMARK_CORE_MODEL_MIRROR_H_
