// Status: the one error model of the data path (LevelDB's status.h is the model). Every engine
// call, transport call and factory returns a Status (or a StatusOr<T>, base/status_or.h); the only
// exceptions in the project are configuration errors (ConfigError), caught at the command line.
//
// A Status is ok, or carries a code and a message for the user. The codes say what kind of
// failure it is, so a caller can react (a missing key is kNotFound, not an error to stop on; a
// memory node that went away is kUnavailable; bytes that fail their checksum are kCorruption).
#pragma once
#include <string>
#include <string_view>
#include <utility>

namespace rpbench {

class Status {
 public:
  enum class Code {
    kOk,
    kNotFound,            // the key (or snapshot, file) is not there: often not an error
    kInvalidArgument,     // the caller asked for something impossible (bad option, range, size)
    kIoError,             // a system call on a file, socket or device failed
    kTimeout,             // a deadline passed before the operation completed
    kCorruption,          // bytes that do not parse or fail their checksum
    kUnavailable,         // a peer (memory node, server, child) is gone or unreachable
    kResourceExhausted,   // out of memory, a full region or pool, a full queue
    kFailedPrecondition,  // the object is not in a state for this call (already running, closed)
    kInternal,            // a broken invariant: a bug, reported rather than crashed on
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string message = {}) { return Status(Code::kNotFound, std::move(message)); }
  static Status InvalidArgument(std::string message) { return Status(Code::kInvalidArgument, std::move(message)); }
  static Status IoError(std::string message) { return Status(Code::kIoError, std::move(message)); }
  static Status Timeout(std::string message) { return Status(Code::kTimeout, std::move(message)); }
  static Status Corruption(std::string message) { return Status(Code::kCorruption, std::move(message)); }
  static Status Unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }
  static Status ResourceExhausted(std::string message) { return Status(Code::kResourceExhausted, std::move(message)); }
  static Status FailedPrecondition(std::string message) {
    return Status(Code::kFailedPrecondition, std::move(message));
  }
  static Status Internal(std::string message) { return Status(Code::kInternal, std::move(message)); }
  static Status FromCode(Code code, std::string message) { return Status(code, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  bool not_found() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "timeout: read of 4096 bytes ..." (the code's name, then the message); "ok" when ok.
  std::string to_string() const;
  // The same code with `context` put in front of the message ("engine x: " + message).
  Status with_context(std::string_view context) const {
    return ok() ? *this : Status(code_, std::string(context) + message_);
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// "ok", "not found", "invalid argument", ...
std::string_view code_name(Status::Code code);

}  // namespace rpbench
