// ISO 3166-1 country codes and their continents, from the data file
// src/core/geo/data/countries.tsv compiled into the binaries.
#ifndef WAYMARK_CORE_GEO_COUNTRY_H_
#define WAYMARK_CORE_GEO_COUNTRY_H_

#include <string>

namespace waymark {

// True for a known two-letter country code, upper case ("DE").
bool IsCountryCode(const std::string& code);
// True for AF AN AS EU NA OC SA.
bool IsContinentCode(const std::string& code);
// The continent of a known country ("DE" -> "EU"), "" if unknown.
std::string ContinentOfCountry(const std::string& code);
// English name of a known country, "" if unknown.
std::string CountryName(const std::string& code);
// The country's centroid in decimal degrees; false when unknown. Used for
// distances when a GeoIP database gives a country but no coordinates.
bool CountryCentroid(const std::string& code, double* latitude,
                     double* longitude);

}  // namespace waymark

#endif  // WAYMARK_CORE_GEO_COUNTRY_H_
