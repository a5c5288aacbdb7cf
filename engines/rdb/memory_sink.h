// MemorySink: the RDB stream into memory, appended to a std::string (grown as needed) or written
// into a caller's buffer of fixed capacity.
//
// String mode: the string is grown by at least kMinWindow bytes at a time (std::string grows its
// capacity geometrically) and the writer fills that space in place; after finish(), or when the
// sink goes, the string holds what it held before plus exactly the committed bytes (in between it
// may end in space not yet filled). Buffer mode: the windows are the rest of the caller's buffer;
// once it is full, reserve() fails with kResourceExhausted.
#pragma once
#include <cstddef>
#include <span>
#include <string>

#include "engines/rdb/output_sink.h"

namespace rpbench::rdb {

class MemorySink final : public OutputSink {
 public:
  static constexpr size_t kMinWindow = 64 * 1024;

  // Appends to *out (which must outlive the sink).
  explicit MemorySink(std::string* out);
  // Writes into buf[0, capacity).
  MemorySink(char* buf, size_t capacity);
  ~MemorySink() override;
  MemorySink(const MemorySink&) = delete;
  MemorySink& operator=(const MemorySink&) = delete;

  Status reserve(std::span<char>* window) override;
  Status commit(size_t n) override;
  Status finish() override;

  // The bytes this sink has committed (in string mode, not counting what the string held before).
  size_t bytes() const { return used_ - start_; }

 private:
  // The string is trimmed to the committed bytes.
  void trim();

  std::string* out_ = nullptr;  // string mode
  char* buf_ = nullptr;         // buffer mode
  size_t cap_ = 0;              // buffer mode
  size_t start_ = 0;            // where this sink's bytes begin
  size_t used_ = 0;             // end of the committed bytes
  size_t lent_ = 0;             // size of the window last reserved, 0 when none is out
  Status status_;               // the first failure
};

}  // namespace rpbench::rdb
