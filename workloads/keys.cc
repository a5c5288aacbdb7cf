#include "workloads/keys.h"

#include "workloads/rng.h"

namespace rpbench::workloads {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static_assert(sizeof(kAlphabet) == 65);

}  // namespace

void make_key(uint64_t key_id, uint32_t key_size, char* out) {
  char buf[kMinKeySize];
  uint64_t m = mix64(key_id);  // a bijection: distinct ids give distinct m, and all 64 bits are encoded
  buf[0] = 'k';
  for (uint32_t i = 1; i < kMinKeySize; ++i) {
    buf[i] = kAlphabet[m & 63];
    m >>= 6;
  }
  uint32_t i = 0;
  for (; i < key_size && i < kMinKeySize; ++i) out[i] = buf[i];
  uint64_t state = key_id;
  while (i < key_size) {
    uint64_t word = splitmix64(state);
    for (int c = 0; c < 10 && i < key_size; ++c, ++i) {
      out[i] = kAlphabet[word & 63];
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
