// An order-independent digest of a key-value content: each (key, value) pair is hashed with a
// 128-bit-strong-enough mix of two independent 64-bit hashes, and the pair hashes are summed
// (mod 2^64, per lane) with the count. Same content in any iteration order -> same digest.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace rpbench {

class ContentDigest {
 public:
  void add(std::string_view key, std::string_view value);
  // Removes a pair previously added (lets an engine maintain the digest incrementally).
  void remove(std::string_view key, std::string_view value);
  std::string hex() const;  // "<count>-<lane0><lane1>"
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
  uint64_t lane0_ = 0;
  uint64_t lane1_ = 0;
};

}  // namespace rpbench
