// ContentDigest: an order-independent digest of a key-value content.
//
// Each (key, value) pair is hashed with a strong 64-bit hash (the value hashed with a seed
// derived from the key's hash, so swapping values between keys changes the digest); the digest
// is the wrapping sum and the xor of those pair hashes plus the number of pairs. Sum and xor are
// both invertible, so a store keeps its digest up to date on every put and delete in O(1), and
// the same content inserted in any order gives the same digest.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/hash.h"

namespace rpbench {

// The pair hash, given the key's hash (hash64(key, kKeyHashSeed)) and the value.
inline uint64_t pair_hash(uint64_t key_hash, std::string_view value) {
  const uint64_t hv = hash64(value, key_hash ^ 0x6469676573747631ull);
  return hash_detail::mix(hv ^ hash_detail::kS2, key_hash ^ hash_detail::kS3);
}
inline uint64_t pair_hash(std::string_view key, std::string_view value) {
  return pair_hash(hash64(key, kKeyHashSeed), value);
}

struct ContentDigest {
  uint64_t sum = 0;
  uint64_t xr = 0;
  uint64_t count = 0;

  void add(uint64_t h) {
    sum += h;
    xr ^= h;
    ++count;
  }
  void remove(uint64_t h) {
    sum -= h;
    xr ^= h;
    --count;
  }
  void add(std::string_view key, std::string_view value) { add(pair_hash(key, value)); }

  // 48 lowercase hex digits: sum, xor, count (16 each).
  std::string hex() const;
  // Parses hex(); false when `s` is not one.
  static bool parse(std::string_view s, ContentDigest* out);

  friend bool operator==(const ContentDigest&, const ContentDigest&) = default;
};

}  // namespace rpbench
