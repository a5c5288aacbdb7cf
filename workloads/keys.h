// Key bytes from key ids. A key is 'k' followed by 11 characters of [A-Za-z0-9_-] encoding a
// 64-bit bijective mix of the id (so the bytes do not follow id order), then filler characters
// derived from the id up to key_size. Same id -> same bytes; injective in the id for
// key_size >= kMinKeySize (12) (shorter keys are truncated and may collide). Printable ASCII.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

#include "workloads/rng.h"
#include "workloads/spec.h"

namespace rpbench::workloads {

std::string make_key(uint64_t key_id, uint32_t key_size);

namespace keys_detail {

inline constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static_assert(sizeof(kAlphabet) == 65);

// Every pair of characters: entry v is kAlphabet[v & 63] then kAlphabet[v >> 6].
struct PairTable {
  char chars[4096][2];
};
constexpr PairTable make_pair_table() {
  PairTable t{};
  for (int v = 0; v < 4096; ++v) {
    t.chars[v][0] = kAlphabet[v & 63];
    t.chars[v][1] = kAlphabet[v >> 6];
  }
  return t;
}
inline constexpr PairTable kPairs = make_pair_table();

// Writes 2 * kPairCount characters for the low 12 * kPairCount bits of word, low bits first.
template <int kPairCount>
inline void put_pairs(uint64_t word, char* p) {
  for (int i = 0; i < kPairCount; ++i, word >>= 12) std::memcpy(p + 2 * i, kPairs.chars[word & 4095], 2);
}

}  // namespace keys_detail

// Writes exactly key_size bytes to out. Inline: it runs once per operation.
inline void make_key(uint64_t key_id, uint32_t key_size, char* out) {
  // Characters are written two at a time from a table of all 4096
  // pairs, with fixed trip counts so the compiler unrolls (the same bytes as one character per
  // 6 bits, low bits first).
  char head[kMinKeySize];
  char* h = key_size >= kMinKeySize ? out : head;
  const uint64_t m = mix64(key_id);  // a bijection: distinct ids give distinct m, and all 64 bits are encoded
  h[0] = 'k';
  keys_detail::put_pairs<5>(m, h + 1);
  h[11] = keys_detail::kAlphabet[m >> 60];
  if (key_size < kMinKeySize) {
    std::memcpy(out, head, key_size);
    return;
  }
  char* p = out + kMinKeySize;
  size_t left = key_size - kMinKeySize;
  uint64_t state = key_id;
  for (; left >= 10; left -= 10, p += 10) keys_detail::put_pairs<5>(splitmix64(state), p);
  if (left > 0) {
    uint64_t word = splitmix64(state);
    for (; left >= 2; left -= 2, p += 2, word >>= 12) std::memcpy(p, keys_detail::kPairs.chars[word & 4095], 2);
    if (left > 0) *p = keys_detail::kAlphabet[word & 63];
  }
}

}  // namespace rpbench::workloads
