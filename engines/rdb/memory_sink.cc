#include "engines/rdb/memory_sink.h"

#include <algorithm>

namespace rpbench::rdb {

MemorySink::MemorySink(std::string* out) : out_(out), start_(out->size()), used_(out->size()) {}

MemorySink::MemorySink(char* buf, size_t capacity) : buf_(buf), cap_(capacity) {}

MemorySink::~MemorySink() { trim(); }

void MemorySink::trim() {
  if (out_ != nullptr && out_->size() > used_) out_->resize(used_);
}

Status MemorySink::reserve(std::span<char>* window) {
  if (!status_.ok()) return status_;
  if (out_ != nullptr) {
    // Zero-fills the new space (std::string has no uninitialized resize before C++23): a memset
    // of each byte once, on pages the writer touches next anyway.
    if (out_->size() == used_) out_->resize(std::max(used_ + kMinWindow, out_->capacity()));
    lent_ = out_->size() - used_;
    *window = std::span<char>(out_->data() + used_, lent_);
    return Status::Ok();
  }
  if (used_ == cap_) {
    status_ = Status::ResourceExhausted("memory sink: the buffer of " + std::to_string(cap_) + " bytes is full");
    return status_;
  }
  lent_ = cap_ - used_;
  *window = std::span<char>(buf_ + used_, lent_);
  return Status::Ok();
}

Status MemorySink::commit(size_t n) {
  if (!status_.ok()) return status_;
  if (n > lent_) {
    status_ = Status::Internal("memory sink: commit of " + std::to_string(n) + " bytes into a window of " +
                               std::to_string(lent_));
    return status_;
  }
  lent_ = 0;
  used_ += n;
  return Status::Ok();
}

Status MemorySink::finish() {
  trim();
  lent_ = 0;
  return status_;
}

}  // namespace rpbench::rdb
