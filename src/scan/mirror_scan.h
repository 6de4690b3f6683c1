// `waymark-scan [--all | NAME...]`: lists mirrors and swaps each one's new
// listing into the inventory.
//
// The inventory is read once (InventorySnapshot); then up to `jobs` mirrors
// are scanned at a time, each on its own connection and under its own
// advisory lock (a mirror being scanned elsewhere is skipped with that
// reason). A mirror's protocols are tried in its order (mirrors.
// scan_protocols, else scan.protocols) until one lists the whole tree;
// the listing is matched as it streams in (listing_match), and one
// transaction then writes the bitmap chunks that changed, the mirror's
// problems, a mirror_scans row and mirrors.last_scan_*. A failed scan
// writes only its mirror_scans row and last_scan_* (with the reason): the
// last good listing stays.
//
// If the repository scan changed files while the mirror was being listed,
// the files changed since the snapshot lose their bits in the new listing
// (the next scan finds them), so ids are never matched to the wrong file.
#ifndef WAYMARK_SCAN_MIRROR_SCAN_H_
#define WAYMARK_SCAN_MIRROR_SCAN_H_

#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "scan/listing_match.h"
#include "scan/scan_output.h"

namespace waymark {

struct MirrorScanOptions {
  int jobs = 4;
  long long timeout_s = 1800;
  int connect_timeout_s = 30;
  int io_timeout_s = 120;
  long long max_entries = 10000000;
  int max_depth = 32;
  long long max_listing_bytes = 256LL << 20;
  std::vector<std::string> protocols = {"rsync", "ftp", "http"};
  std::string only_protocol;  // --protocol
  bool enable = false;        // --enable: enable a mirror after a good scan
  // --listing FILE: read saved rsync --list-only output instead of the
  // network (one mirror; recorded as an rsync scan).
  std::string listing_file;
  MatchPolicy policy;
  ScanOutput* output = nullptr;  // may be null
};

Status MirrorScanOptionsFromConfig(const Config& config,
                                   MirrorScanOptions* out);

struct MirrorScanReport {
  std::string mirror;
  bool ok = false;
  std::string protocol;  // the one that listed (or last tried)
  std::string error;
  long long duration_ms = 0;
  long long entries = 0;
  long long rejected = 0;
  long long files_matched = 0;
  long long bytes_matched = 0;
  long long inventory_files = 0;
  int chunks_written = 0;
  bool enabled_now = false;
};

// "fra1: ok over rsync in 2.1 s: 1234 entries, 1200 of 1300 files (12.5 GiB)"
// or "fra1: FAILED over rsync after 30.0 s: <reason> (last listing kept)".
std::string SummaryLine(const MirrorScanReport& r);

// Scans `names` (all mirrors when empty), writing to the primary at `dsn`
// (WriteDsn(), core/store/db.h), where the scan locks are taken too.
// kNotFound when a name is not a mirror; kFailedPrecondition when `dsn`
// reaches a hot standby; a scan that fails is a report with ok = false,
// not an error.
Status ScanMirrors(const std::string& dsn,
                   const std::vector<std::string>& names,
                   const MirrorScanOptions& options,
                   std::vector<MirrorScanReport>* reports);

}  // namespace waymark

#endif  // WAYMARK_SCAN_MIRROR_SCAN_H_
