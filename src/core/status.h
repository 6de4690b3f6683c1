// Status: the result of an operation that can fail in an expected way.
//
// Functions return a Status instead of throwing; exceptions from libpqxx and
// Boost are caught in the file that calls those libraries and turned into a
// Status there. The message is one line meant for the operator, without the
// program name (main() adds "waymark: ").
#ifndef WAYMARK_CORE_STATUS_H_
#define WAYMARK_CORE_STATUS_H_

#include <string>
#include <utility>

namespace waymark {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,     // bad command line, config value or field: exit 2
    kNotFound,            // a named thing does not exist
    kAlreadyExists,       // a unique name is taken
    kFailedPrecondition,  // e.g. schema not initialised
    kIOError,             // files, sockets, subprocesses
    kDatabase,            // PostgreSQL unreachable or a query failed
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status AlreadyExists(std::string msg) {
    return Status(Code::kAlreadyExists, std::move(msg));
  }
  static Status FailedPrecondition(std::string msg) {
    return Status(Code::kFailedPrecondition, std::move(msg));
  }
  static Status IOError(std::string msg) {
    return Status(Code::kIOError, std::move(msg));
  }
  static Status Database(std::string msg) {
    return Status(Code::kDatabase, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // The exit status documented in waymark(8): 0 ok, 2 usage or
  // configuration error, 1 anything else.
  int ExitCode() const {
    if (ok()) return 0;
    return code_ == Code::kInvalidArgument ? 2 : 1;
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace waymark

#endif  // WAYMARK_CORE_STATUS_H_
