#include "workloads/keys.h"

#include <cstring>

#include "workloads/rng.h"

namespace rpbench::workloads {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static_assert(sizeof(kAlphabet) == 65);

}  // namespace

void make_key(uint64_t key_id, uint32_t key_size, char* out) {
  // Fixed trip counts so the compiler unrolls: this runs once per operation.
  char head[kMinKeySize];
  uint64_t m = mix64(key_id);  // a bijection: distinct ids give distinct m, and all 64 bits are encoded
  head[0] = 'k';
  for (uint32_t i = 1; i < kMinKeySize; ++i) {
    head[i] = kAlphabet[m & 63];
    m >>= 6;
  }
  if (key_size <= kMinKeySize) {
    std::memcpy(out, head, key_size);
    return;
  }
  std::memcpy(out, head, kMinKeySize);
  char* p = out + kMinKeySize;
  size_t left = key_size - kMinKeySize;
  uint64_t state = key_id;
  for (; left >= 10; left -= 10, p += 10) {
    uint64_t word = splitmix64(state);
    for (int c = 0; c < 10; ++c) {
      p[c] = kAlphabet[word & 63];
      word >>= 6;
    }
  }
  if (left > 0) {
    uint64_t word = splitmix64(state);
    for (size_t c = 0; c < left; ++c) {
      p[c] = kAlphabet[word & 63];
      word >>= 6;
    }
  }
}

std::string make_key(uint64_t key_id, uint32_t key_size) {
  std::string key(key_size, '\0');
  make_key(key_id, key_size, key.data());
  return key;
}

}  // namespace rpbench::workloads
