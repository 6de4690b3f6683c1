#include "admin/mirror_json.h"

#include "core/json.h"

namespace waymark {

nlohmann::json MirrorJson(const Mirror& m, UrlReader reader) {
  nlohmann::json j;
  j["name"] = m.name;
  j["enabled"] = m.enabled;
  j["state"] = m.state;
  j["state_since"] = m.state_since;
  j["http_url"] = StringOrNull(ShownUrl(m.http_url, reader));
  j["https_url"] = StringOrNull(ShownUrl(m.https_url, reader));
  j["rsync_url"] = StringOrNull(ShownUrl(m.rsync_url, reader));
  j["ftp_url"] = StringOrNull(ShownUrl(m.ftp_url, reader));
  j["country"] = StringOrNull(m.country);
  j["continent"] = StringOrNull(m.continent);
  j["asn"] = OrNull(m.asn);
  j["latitude"] = OrNull(m.latitude);
  j["longitude"] = OrNull(m.longitude);
  j["weight"] = m.weight;
  j["sponsor_name"] = StringOrNull(m.sponsor_name);
  j["sponsor_url"] = StringOrNull(m.sponsor_url);
  if (reader == UrlReader::kPublic) return j;
  j["country_only"] = m.country_only;
  j["continent_only"] = m.continent_only;
  j["asn_only"] = m.asn_only;
  j["also_countries"] = m.also_countries;
  j["exclude_countries"] = m.exclude_countries;
  j["max_size"] = OrNull(m.max_size);
  j["max_lag"] = OrNull(m.max_lag);
  j["allow_redirects"] = m.allow_redirects;
  j["admin_name"] = StringOrNull(m.admin_name);
  j["admin_email"] = StringOrNull(m.admin_email);
  j["comment"] = m.comment;
  j["scan_protocols"] = StringOrNull(m.scan_protocols);
  j["created_at"] = m.created_at;
  j["updated_at"] = m.updated_at;
  return j;
}

}  // namespace waymark
