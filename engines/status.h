// Status: the value every engine call returns on the hot path (no exceptions there).
#pragma once
#include <string>
#include <utility>

namespace rpbench {

class Status {
 public:
  enum class Code { kOk, kNotFound, kError };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound() { return Status(Code::kNotFound, {}); }
  static Status Error(std::string message) { return Status(Code::kError, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  bool not_found() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace rpbench
