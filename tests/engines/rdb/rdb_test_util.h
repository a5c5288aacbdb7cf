// Helpers of the RDB library's tests: a store with the shapes that matter, RDB streams built byte
// by byte, and sources and sinks of one's own.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "engines/rdb/crc64.h"
#include "engines/rdb/input_source.h"
#include "engines/rdb/rdb_format.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb::testing {

// A ctime that makes two writes of the same content byte-identical.
inline constexpr int64_t kFixedCtime = 1700000000;

// 2000 numbered keys of 0..299 bytes, the boundary sizes of the length encoding, values larger
// than a write buffer, an empty key, integer-looking strings.
inline kvstore::KvStore sample_store() {
  using rpbench::testing::test_key;
  using rpbench::testing::test_value;
  kvstore::KvStore s;
  for (int i = 0; i < 2000; ++i) s.put(test_key(i), test_value(i, 0, static_cast<size_t>(i % 300)));
  for (size_t len : {0u, 1u, 63u, 64u, 16383u, 16384u, 70000u})
    s.put("len:" + std::to_string(len), test_value(len, 3, len));
  s.put("", "empty key");
  s.put("12345", "-7");  // integer-looking strings stay strings
  return s;
}

// Builds RDB streams byte by byte.
class RdbBuilder {
 public:
  explicit RdbBuilder(std::string magic = "REDIS0010") : b_(std::move(magic)) {}
  RdbBuilder& byte(unsigned char c) {
    b_ += static_cast<char>(c);
    return *this;
  }
  RdbBuilder& raw(const std::string& s) {
    b_ += s;
    return *this;
  }
  RdbBuilder& len(uint64_t v) {
    append_rdb_length(&b_, v);
    return *this;
  }
  RdbBuilder& str(const std::string& s) { return len(s.size()).raw(s); }
  RdbBuilder& aux(const std::string& k, const std::string& v) { return byte(kOpAux).str(k).str(v); }
  RdbBuilder& db0(uint64_t keys) { return byte(kOpSelectDb).len(0).byte(kOpResizeDb).len(keys).len(0); }
  RdbBuilder& kv(const std::string& k, const std::string& v) { return byte(kTypeString).str(k).str(v); }
  size_t size() const { return b_.size(); }
  // EOF plus the checksum (0 = "checksum disabled", as Redis writes with rdbchecksum no).
  std::string finish(bool checksum = true) const {
    std::string out = b_ + static_cast<char>(kOpEof);
    const uint64_t c = checksum ? crc64(0, out.data(), out.size()) : 0;
    for (int i = 0; i < 8; ++i) out += static_cast<char>(c >> (8 * i));
    return out;
  }
  const std::string& bytes() const { return b_; }

 private:
  std::string b_;
};

// A source over a string that yields it in windows whose sizes cycle through `pattern`, each copied
// into a buffer of its own that the next call overwrites (so a loader that kept a view of an old
// window would read the wrong bytes).
class ChunkedSource final : public InputSource {
 public:
  ChunkedSource(std::string data, std::vector<size_t> pattern, std::string name = "chunked")
      : data_(std::move(data)), pattern_(std::move(pattern)), name_(std::move(name)) {}

  uint64_t size() const override { return data_.size(); }
  Status next(std::span<const char>* chunk) override {
    ++calls_;
    const size_t n = std::min(pattern_[calls_ % pattern_.size()], data_.size() - pos_);
    window_.assign(data_.begin() + static_cast<std::ptrdiff_t>(pos_),
                   data_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    *chunk = std::span<const char>(window_.data(), n);
    return Status::Ok();
  }
  std::string_view name() const override { return name_; }
  size_t calls() const { return calls_; }

 private:
  std::string data_;
  std::vector<size_t> pattern_;
  std::string name_;
  std::vector<char> window_;
  size_t pos_ = 0;
  size_t calls_ = 0;
};

}  // namespace rpbench::rdb::testing
