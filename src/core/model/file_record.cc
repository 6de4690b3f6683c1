#include "core/model/file_record.h"

#include <algorithm>

#include "core/strings.h"

namespace waymark {

Sha256Digest Sha256Digest::FromBytes(std::string_view raw) {
  Sha256Digest d;
  d.known = raw.size() == d.bytes.size();
  if (d.known) std::copy(raw.begin(), raw.end(), d.bytes.begin());
  return d;
}

std::string Sha256Digest::Hex() const {
  return known ? waymark::Hex(std::string(bytes.begin(), bytes.end())) : "";
}

}  // namespace waymark
