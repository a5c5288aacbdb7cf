// MemorySource: an RDB stream that is already in memory, as one window.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "engines/rdb/input_source.h"

namespace rpbench::rdb {

class MemorySource final : public InputSource {
 public:
  // `data` must outlive the source.
  explicit MemorySource(std::string_view data, std::string name = "memory buffer")
      : data_(data), name_(std::move(name)) {}

  uint64_t size() const override { return data_.size(); }
  Status next(std::span<const char>* chunk) override {
    *chunk = std::span<const char>(data_.data(), done_ ? 0 : data_.size());
    done_ = true;
    return Status::Ok();
  }
  std::string_view name() const override { return name_; }

 private:
  std::string_view data_;
  std::string name_;
  bool done_ = false;
};

}  // namespace rpbench::rdb
