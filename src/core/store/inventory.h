// Reading the inventory for mirror selection: every mirror with its health
// and freshness, and, for one path, the file's facts and which mirrors hold
// it (from the per-mirror bitmaps, see sql/migrations/0001_initial.sql).
#ifndef WAYMARK_CORE_STORE_INVENTORY_H_
#define WAYMARK_CORE_STORE_INVENTORY_H_

#include <string>
#include <vector>

#include "core/model/file_bitmaps.h"
#include "core/model/file_index.h"
#include "core/model/file_record.h"
#include "core/model/inventory_gens.h"
#include "core/model/selection.h"
#include "core/status.h"

namespace waymark {

class Database;  // core/store/db.h; only the .cc files see libpqxx

// All mirrors, by name, with health per scheme and family and trace lag;
// without rsync/FTP URLs and admin contact (MirrorStore::kWithoutSecrets),
// which the redirector's role may not read.
Status LoadMirrorStatuses(Database* db, std::vector<MirrorStatus>* out);

// The file at `path` (or the file an alias at `path` points to), with
// which mirrors hold it and the problems of those that list it wrongly.
// kNotFound: "file 'x' is not in the inventory".
Status LoadFileFacts(Database* db, const std::string& path, FileRecord* record,
                     FileFacts* facts);

// Just the file's record (one indexed query); kNotFound as above.
Status LoadFileRecord(Database* db, const std::string& path,
                      FileRecord* record);

// The change counters (core/model/inventory_gens.h).
Status LoadInventoryGens(Database* db, InventoryGens* gens);

// One mirror's bitmaps, indexed by chunk (an empty string for a chunk the
// mirror has no row for).
Status LoadMirrorBitmaps(Database* db, int mirror_id,
                         std::vector<std::string>* chunks);

// Reads every file and alias (in batches, so memory stays near the index's
// own size) and the files counter.
Status LoadFileIndex(Database* db, FileIndex* index);

}  // namespace waymark

#endif  // WAYMARK_CORE_STORE_INVENTORY_H_
