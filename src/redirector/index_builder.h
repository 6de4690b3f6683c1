// Builds the redirector's file index (core/model/file_index.h) in a child
// process, for the master (redirector/master.h), which thus never waits on
// PostgreSQL and holds no database connection its workers would inherit.
//
// Start() forks the builder ("waymark-index" in ps). It connects (within
// the session limits of redirector.query_timeout), reads the inventory's
// files counter and, when that differs from the index the master has,
// reads every file into a new index, writes it serialized into a memfd the
// master made, and exits. The master starts one only when the workers saw
// the counter move (or at start), and kills one that outlives
// redirector.index_build_timeout. The master reaps it like a worker
// (its loop waits only on signals and children) and hands the exit status
// to Collect(), which reads the new index back from the memfd. A builder
// that outlives its master is killed by the kernel (PR_SET_PDEATHSIG).
#ifndef WAYMARK_REDIRECTOR_INDEX_BUILDER_H_
#define WAYMARK_REDIRECTOR_INDEX_BUILDER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/fd.h"
#include "core/model/file_index.h"
#include "core/store/db.h"

namespace waymark {

class IndexBuilder {
 public:
  IndexBuilder() = default;
  IndexBuilder(const IndexBuilder&) = delete;
  IndexBuilder& operator=(const IndexBuilder&) = delete;

  // Starts a builder for the database at `dsn`; `known_gen` is the files
  // counter of the index the master has (-1: none). False (logged) when it
  // could not be started, or one is running already.
  bool Start(const std::string& dsn, long long known_gen,
             const SessionLimits& limits);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The builder was reaped with `wait_status` (from waitpid): the new
  // index, or nullptr when the files counter had not moved, the build
  // failed (the builder logged why) or it was killed.
  std::shared_ptr<const FileIndex> Collect(int wait_status);

  // Stops a running builder (SIGKILL); the master still reaps it and calls
  // Collect(), which then returns nullptr.
  void Kill();

  // In a worker just forked from the master: closes this process's copy
  // of the memfd (a worker has no use for it).
  void CloseInChild() { memfd_.reset(); }

 private:
  pid_t pid_ = -1;
  UniqueFd memfd_;  // where the builder writes the index
};

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_INDEX_BUILDER_H_
