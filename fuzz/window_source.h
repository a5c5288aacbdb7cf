// WindowSource: an RDB stream in memory handed to the loader in windows of 1, 2, 3, ... 13 bytes
// (cycling), each in a heap buffer of its own that the next call frees: a record spans windows,
// and a loader that kept a view of an old window reads freed memory (ASan reports it).
#pragma once
#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "engines/rdb/input_source.h"

namespace rpbench::fuzz {

class WindowSource final : public rdb::InputSource {
 public:
  static constexpr size_t kLargestWindow = 13;

  // `data` must outlive the source.
  explicit WindowSource(std::string_view data, std::string name) : data_(data), name_(std::move(name)) {}

  uint64_t size() const override { return data_.size(); }
  Status next(std::span<const char>* chunk) override {
    const size_t n = std::min(calls_++ % kLargestWindow + 1, data_.size() - pos_);
    window_ = std::make_unique<char[]>(std::max<size_t>(n, 1));
    if (n > 0) std::memcpy(window_.get(), data_.data() + pos_, n);
    pos_ += n;
    *chunk = std::span<const char>(window_.get(), n);
    return Status::Ok();
  }
  std::string_view name() const override { return name_; }

 private:
  std::string_view data_;
  std::string name_;
  std::unique_ptr<char[]> window_;
  size_t pos_ = 0;
  size_t calls_ = 0;
};

}  // namespace rpbench::fuzz
