#include "workloads/keys.h"

#include <cstring>

#include "workloads/rng.h"

namespace rpbench::workloads {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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
constexpr PairTable kPairs = make_pair_table();

// Writes 2 * kPairCount characters for the low 12 * kPairCount bits of word, low bits first.
template <int kPairCount>
inline void put_pairs(uint64_t word, char* p) {
  for (int i = 0; i < kPairCount; ++i, word >>= 12) std::memcpy(p + 2 * i, kPairs.chars[word & 4095], 2);
}

}  // namespace

void make_key(uint64_t key_id, uint32_t key_size, char* out) {
  // Runs once per operation: characters are written two at a time from a table of all 4096
  // pairs, with fixed trip counts so the compiler unrolls (the same bytes as one character per
  // 6 bits, low bits first).
  char head[kMinKeySize];
  char* h = key_size >= kMinKeySize ? out : head;
  const uint64_t m = mix64(key_id);  // a bijection: distinct ids give distinct m, and all 64 bits are encoded
  h[0] = 'k';
  put_pairs<5>(m, h + 1);
  h[11] = kAlphabet[m >> 60];
  if (key_size < kMinKeySize) {
    std::memcpy(out, head, key_size);
    return;
  }
  char* p = out + kMinKeySize;
  size_t left = key_size - kMinKeySize;
  uint64_t state = key_id;
  for (; left >= 10; left -= 10, p += 10) put_pairs<5>(splitmix64(state), p);
  if (left > 0) {
    uint64_t word = splitmix64(state);
    for (; left >= 2; left -= 2, p += 2, word >>= 12) std::memcpy(p, kPairs.chars[word & 4095], 2);
    if (left > 0) *p = kAlphabet[word & 63];
  }
}

std::string make_key(uint64_t key_id, uint32_t key_size) {
  std::string key(key_size, '\0');
  make_key(key_id, key_size, key.data());
  return key;
}

}  // namespace rpbench::workloads
