#include "redirector/index_builder.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <string_view>

#include "core/log.h"
#include "core/store/db.h"
#include "core/store/inventory.h"

namespace waymark {

namespace {

// The builder's exit statuses besides 0 (a new index is in the memfd).
constexpr int kFailed = 1;
constexpr int kUnchanged = 3;

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The builder's work; returns its exit status.
int Build(const std::string& dsn, long long known_gen,
          const SessionLimits& limits, int memfd) {
  std::unique_ptr<Database> db;
  Status s = Database::Connect(dsn, limits, &db);
  InventoryGens gens;
  if (s.ok()) s = LoadInventoryGens(db.get(), &gens);
  // Without the database: the workers say so in their own way, and the
  // master tries again at its next check.
  if (!s.ok()) return kFailed;
  if (gens.files == known_gen) return kUnchanged;
  FileIndex index;
  time_t start = time(nullptr);
  s = LoadFileIndex(db.get(), &index);
  if (!s.ok()) {
    LogWarning("no file index (" + s.message() +
               "); workers look files up in the database");
    return kFailed;
  }
  db.reset();
  LogInfo("file index: " + std::to_string(index.files()) + " files, " +
          std::to_string(index.aliases()) + " aliases, " +
          std::to_string(index.bytes() / 1024) + " KiB, built in " +
          std::to_string(time(nullptr) - start) + " s");
  if (!WriteAll(memfd, index.Serialize())) {
    LogError(std::string("cannot hand the file index over: ") +
             std::strerror(errno));
    return kFailed;
  }
  return 0;
}

}  // namespace

bool IndexBuilder::Start(const std::string& dsn, long long known_gen,
                         const SessionLimits& limits) {
  if (running()) return false;
  memfd_.reset(memfd_create("waymark-index", MFD_CLOEXEC));
  if (!memfd_.valid()) {
    LogError(std::string("cannot build the file index: memfd_create: ") +
             std::strerror(errno));
    return false;
  }
  pid_t master = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    LogError(std::string("cannot build the file index: fork: ") +
             std::strerror(errno));
    memfd_.reset();
    return false;
  }
  if (pid == 0) {
    prctl(PR_SET_NAME, "waymark-index");
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != master) _exit(kFailed);
    // The master's blocked signals: the defaults again, so that a stray
    // SIGTERM ends the builder.
    for (int sig :
         {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGCHLD, SIGPIPE})
      signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int code = kFailed;
    try {
      code = Build(dsn, known_gen, limits, memfd_.get());
    } catch (const std::exception& e) {
      LogError(std::string("file index: internal error: ") + e.what());
    } catch (...) {
      LogError("file index: internal error");
    }
    _exit(code);
  }
  pid_ = pid;
  return true;
}

std::shared_ptr<const FileIndex> IndexBuilder::Collect(int wait_status) {
  pid_ = -1;
  UniqueFd memfd = std::move(memfd_);
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) return nullptr;
  struct stat st;
  if (fstat(memfd.get(), &st) != 0 || st.st_size <= 0) return nullptr;
  size_t bytes = static_cast<size_t>(st.st_size);
  void* p = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, memfd.get(), 0);
  if (p == MAP_FAILED) {
    LogError(std::string("cannot read the new file index: ") +
             std::strerror(errno));
    return nullptr;
  }
  auto index = std::make_shared<FileIndex>();
  Status s = FileIndex::Deserialize(
      std::string_view(static_cast<const char*>(p), bytes), index.get());
  munmap(p, bytes);
  if (!s.ok()) {
    LogError("cannot read the new file index: " + s.message());
    return nullptr;
  }
  return index;
}

void IndexBuilder::Kill() {
  if (running()) kill(pid_, SIGKILL);
}

}  // namespace waymark
