// FileSource: an RDB file read through one buffer (1 MiB by default), each window one read() of
// it. The stream is the file as long as it was when opened (fstat): no more is read even if the
// file grows, and a file that shrinks meanwhile reads as truncated. The file is only read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status_or.h"
#include "base/unique_fd.h"
#include "engines/rdb/input_source.h"

namespace rpbench::rdb {

class FileSource final : public InputSource {
 public:
  static constexpr size_t kDefaultBufferBytes = size_t{1} << 20;

  // Opens `path` and takes its size. Errors name the path: kNotFound for a missing file, else
  // the failed call's (kIoError, ...).
  static StatusOr<FileSource> open(const std::string& path, size_t buffer_bytes = kDefaultBufferBytes);

  uint64_t size() const override { return size_; }
  Status next(std::span<const char>* chunk) override;
  std::string_view name() const override { return path_; }

 private:
  FileSource(std::string path, UniqueFd fd, uint64_t size, size_t buffer_bytes)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size), buf_(buffer_bytes) {}

  std::string path_;
  UniqueFd fd_;
  uint64_t size_;
  uint64_t read_ = 0;
  std::vector<char> buf_;
};

}  // namespace rpbench::rdb
