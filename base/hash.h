// A fast, well-mixed 64-bit hash of a byte string (the wyhash construction: 64x64->128-bit
// multiply-fold over 16/48-byte blocks). Used for the store's bucket index and for the content
// digest; deterministic across processes (fixed seeds), so a recovered store digests like the
// original. Not cryptographic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rpbench {

namespace hash_detail {

__extension__ typedef unsigned __int128 u128;

inline constexpr uint64_t kS0 = 0xa0761d6478bd642full;
inline constexpr uint64_t kS1 = 0xe7037ed1a0b428dbull;
inline constexpr uint64_t kS2 = 0x8ebc6af09c88c6e3ull;
inline constexpr uint64_t kS3 = 0x589965cc75374cc3ull;

inline void mum128(uint64_t* a, uint64_t* b) {
  u128 r = static_cast<u128>(*a) * *b;
  *a = static_cast<uint64_t>(r);
  *b = static_cast<uint64_t>(r >> 64);
}
inline uint64_t mix(uint64_t a, uint64_t b) {
  mum128(&a, &b);
  return a ^ b;
}
inline uint64_t r64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t r32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace hash_detail

inline uint64_t hash64(const void* data, size_t len, uint64_t seed) {
  using namespace hash_detail;
  const auto* p = static_cast<const unsigned char*>(data);
  seed ^= mix(seed ^ kS0, kS1);
  uint64_t a = 0;
  uint64_t b = 0;
  if (len <= 16) {
    if (len >= 4) {
      const size_t d = (len >> 3) << 2;
      a = (r32(p) << 32) | r32(p + d);
      b = (r32(p + len - 4) << 32) | r32(p + len - 4 - d);
    } else if (len > 0) {
      a = (static_cast<uint64_t>(p[0]) << 16) | (static_cast<uint64_t>(p[len >> 1]) << 8) | p[len - 1];
    }
  } else {
    size_t i = len;
    if (i > 48) {
      uint64_t see1 = seed;
      uint64_t see2 = seed;
      do {
        seed = mix(r64(p) ^ kS1, r64(p + 8) ^ seed);
        see1 = mix(r64(p + 16) ^ kS2, r64(p + 24) ^ see1);
        see2 = mix(r64(p + 32) ^ kS3, r64(p + 40) ^ see2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= see1 ^ see2;
    }
    while (i > 16) {
      seed = mix(r64(p) ^ kS1, r64(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = r64(p + i - 16);
    b = r64(p + i - 8);
  }
  a ^= kS1;
  b ^= seed;
  mum128(&a, &b);
  return mix(a ^ kS0 ^ len, b ^ kS1);
}

inline uint64_t hash64(std::string_view s, uint64_t seed) { return hash64(s.data(), s.size(), seed); }

// The seed of the key hash (bucket index and the key half of the digest).
inline constexpr uint64_t kKeyHashSeed = 0x7270626e63686b76ull;  // "rpbnchkv"

}  // namespace rpbench
