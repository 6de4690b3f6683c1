// Batches of download counts on their way to the primary, and the spool
// directory that holds them on disk while no primary takes them. Used by
// the redirector's statistics writer (redirector/stats_writer.h) and by the
// master, which checks the directory at start; the encoding is pure and
// tested in counts_spool_test.cc.
//
// Every batch has an id, recorded on the primary in the same transaction
// as its counts (core/store/download_stats.h, WriteDownloadBatch), so that
// writing a batch again (after a lost commit acknowledgement, or a spool
// file delivered twice) counts nothing twice.
//
// The spool (redirector.spool_dir, at most redirector.spool_max_bytes):
// one file per spooling, holding one or more batches, each with its id.
// A file is written to a temporary name, fsync'ed and renamed, so a file
// is whole or absent; it is deleted only once every batch in it is on the
// primary. Workers deliver the files oldest first, each under flock(), so
// two workers never deliver one file at once (and if they did, the ids
// would make the second a no-op). A file that does not parse (cut short,
// changed by hand, hostile) is renamed to NAME.bad and never read again.
#ifndef WAYMARK_REDIRECTOR_COUNTS_SPOOL_H_
#define WAYMARK_REDIRECTOR_COUNTS_SPOOL_H_

#include <string>
#include <vector>

#include "core/fd.h"
#include "core/status.h"
#include "core/store/download_stats.h"

namespace waymark {

struct CountsBatch {
  // 32 hex digits from getrandom(); a part of a split batch has its
  // parent's id and ".0" or ".1".
  std::string id;
  std::vector<DownloadCount> rows;
  long long downloads = 0;  // the sum of the rows'
  size_t bytes = 0;         // what its rows were charged in memory
};

// The two halves of `whole` (a batch the primary rejected for the data of
// some row), with ids `.0` and `.1` after its own; its rows are moved.
void SplitBatch(CountsBatch whole, CountsBatch* first, CountsBatch* second);

// A new random batch id (getrandom(2); 128 bits, 32 hex digits).
std::string NewBatchId();

// The text of a spool file holding `batches`, and back. DecodeSpool checks
// everything (header, counts, every field, the checksum at the end) and
// says in one line what is wrong with a file it refuses.
std::string EncodeSpool(const std::vector<const CountsBatch*>& batches);
Status DecodeSpool(const std::string& text, std::vector<CountsBatch>* out);

class CountsSpool {
 public:
  CountsSpool(std::string dir, long long max_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  // At start and for `waymark-redirector -t`: makes the directory (mode
  // 0700) when it is missing and its parent exists, and checks that this
  // user may create files in it. The error is one line naming the key.
  static Status Check(const std::string& dir);

  // Writes the batches to one new file. kFailedPrecondition (nothing
  // written) when the spool would grow beyond max_bytes; kIOError when the
  // file cannot be written.
  Status Put(const std::vector<const CountsBatch*>& batches);

  // One file taken for delivery: locked until Release() or destruction.
  struct File {
    UniqueFd fd;
    std::string path;
    std::vector<CountsBatch> batches;
    long long downloads() const;
  };
  // The oldest file no other worker is delivering, locked and read; false
  // when there is none. Files that cannot be read as spool files are set
  // aside (NAME.bad), each described in `problems` (one line each).
  bool TakeOldest(File* out, std::vector<std::string>* problems);
  // Writes f's batches as they are now over the file (after a split, or
  // with a rejected row dropped).
  Status Rewrite(File* f);
  // Every batch of the file is on the primary: the file goes.
  void Delete(File* f);

  // Bytes the files in the directory take; their number.
  long long UsedBytes(int* files = nullptr) const;
  const std::string& dir() const { return dir_; }

 private:
  Status WriteAtomically(const std::string& path, const std::string& text);

  std::string dir_;
  long long max_bytes_;
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_COUNTS_SPOOL_H_
