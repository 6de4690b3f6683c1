// Text files compiled into the binaries by scripts/embed-files, so that a
// binary and the schema or data it expects can never come from different
// versions. Tables end with an entry whose path is nullptr.
#ifndef WAYMARK_CORE_EMBEDDED_FILES_H_
#define WAYMARK_CORE_EMBEDDED_FILES_H_

namespace waymark {

struct EmbeddedFile {
  const char* path;  // path in the source tree, e.g. "sql/roles.sql"
  const char* data;  // whole file contents
};

// sql/migrations/*.sql in order, then sql/roles.sql.
extern const EmbeddedFile kEmbeddedSql[];
// src/core/geo/data/countries.tsv.
extern const EmbeddedFile kEmbeddedCountries[];

}  // namespace waymark

#endif  // WAYMARK_CORE_EMBEDDED_FILES_H_
