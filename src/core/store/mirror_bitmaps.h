// Writing the per-mirror file bitmaps (mirror_files, see
// sql/migrations/0001_initial.sql) as the scanner does: only the chunks
// that change are written, because every write moves the mirror's
// files_gen and makes each redirector reload that mirror's bitmaps.
// Callers pass their open transaction; exceptions from libpqxx propagate
// to the caller, which turns them into a Status.
#ifndef WAYMARK_CORE_STORE_MIRROR_BITMAPS_H_
#define WAYMARK_CORE_STORE_MIRROR_BITMAPS_H_

#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace waymark {

// Makes `mirror_id`'s rows equal to `chunks` (an empty or all-zero chunk
// means no row), touching only rows that differ. Returns the rows written.
int ReplaceMirrorBitmaps(pqxx::work& tx, int mirror_id,
                         const std::vector<std::string>& chunks);

// Clears the bits of `file_ids` in every mirror (files removed, changed,
// or ids handed to new files). Returns the rows written.
int ClearFileBits(pqxx::work& tx, const std::vector<int>& file_ids);

// "{1,2,3}" for an int[] parameter.
std::string IntArray(const std::vector<int>& ids);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_MIRROR_BITMAPS_H_
