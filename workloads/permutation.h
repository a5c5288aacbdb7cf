// A keyed bijection of [0, n): scrambled-zipfian spreads its popular ranks over the key space
// with it. Unlike YCSB's `fnv64(rank) % n`, no two ranks share a key, so the frequency-by-rank
// curve stays exactly zipfian. Built from invertible w-bit steps (xorshift, multiply by an odd
// constant, xor with a key; 2^w >= n) and cycle-walking back into [0, n), which takes fewer than
// two rounds on average.
#pragma once
#include <bit>
#include <cstdint>

#include "workloads/rng.h"

namespace rpbench::workloads {

class KeyedPermutation {
 public:
  KeyedPermutation(uint64_t n, uint64_t key) : n_(n) {
    const int width = n <= 1 ? 1 : std::bit_width(n - 1);
    mask_ = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    shift_ = (width + 1) / 2;
    uint64_t state = key;
    for (int r = 0; r < kRounds; ++r) {
      mult_[r] = splitmix64(state) | 1;  // odd: invertible modulo 2^width
      xor_[r] = splitmix64(state) & mask_;
    }
  }

  uint64_t n() const { return n_; }

  // x in [0, n) -> a distinct value in [0, n).
  uint64_t operator()(uint64_t x) const {
    if (n_ <= 1) return x;
    do {
      x = round(x);
    } while (x >= n_);
    return x;
  }

 private:
  static constexpr int kRounds = 2;  // with the final xorshift, as strong as murmur3's finalizer

  uint64_t round(uint64_t x) const {
    for (int r = 0; r < kRounds; ++r) {
      x ^= x >> shift_;
      x = (x * mult_[r]) & mask_;
      x ^= xor_[r];
    }
    return x ^ (x >> shift_);
  }

  uint64_t n_;
  uint64_t mask_;
  int shift_;
  uint64_t mult_[kRounds];
  uint64_t xor_[kRounds];
};

}  // namespace rpbench::workloads
