#include "engines/content_digest.h"

#include <cstdio>

namespace rpbench {
namespace {

inline uint64_t mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// FNV-1a over the bytes, then mixed; `basis` selects an independent lane.
inline uint64_t hash_bytes(std::string_view s, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h ^ s.size());
}

inline void pair_hash(std::string_view k, std::string_view v, uint64_t* a, uint64_t* b) {
  const uint64_t hk0 = hash_bytes(k, 0xcbf29ce484222325ULL);
  const uint64_t hv0 = hash_bytes(v, 0x84222325cbf29ce4ULL);
  const uint64_t hk1 = hash_bytes(k, 0x9e3779b97f4a7c15ULL);
  const uint64_t hv1 = hash_bytes(v, 0x7f4a7c159e3779b9ULL);
  *a = mix(hk0 * 31 + hv0);
  *b = mix(hk1 ^ (hv1 * 0x2545f4914f6cdd1dULL));
}

}  // namespace

void ContentDigest::add(std::string_view key, std::string_view value) {
  uint64_t a, b;
  pair_hash(key, value, &a, &b);
  lane0_ += a;
  lane1_ += b;
  ++count_;
}

void ContentDigest::remove(std::string_view key, std::string_view value) {
  uint64_t a, b;
  pair_hash(key, value, &a, &b);
  lane0_ -= a;
  lane1_ -= b;
  --count_;
}

std::string ContentDigest::hex() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu-%016llx%016llx", static_cast<unsigned long long>(count_),
                static_cast<unsigned long long>(lane0_), static_cast<unsigned long long>(lane1_));
  return buf;
}

}  // namespace rpbench
