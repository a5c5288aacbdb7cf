// The seeded pseudo-random machinery every generator shares: splitmix64 (seeding and stateless
// 64-bit mixing) and xoshiro256** (the per-stream generator). Header-only: it is on the hot path.
// No std::random_device and no global state: a seed fully determines every sequence.
#pragma once
#include <bit>
#include <cstdint>

namespace rpbench::workloads {

__extension__ typedef unsigned __int128 Uint128;

// splitmix64's output function: a bijection of 64-bit integers with good avalanche.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One step of splitmix64 (Steele, Lea, Flood 2014): advances the state and returns a mixed word.
constexpr uint64_t splitmix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

// A seed for one purpose (a small tag) and one index (e.g. a thread index), derived from a
// workload seed, so that independent streams never share a sequence.
constexpr uint64_t derive_seed(uint64_t seed, uint64_t tag, uint64_t index = 0) {
  return mix64(mix64(seed ^ mix64(tag + 0x5851f42d4c957f2dULL)) + index * 0x9e3779b97f4a7c15ULL);
}

// High 64 bits of a*b: maps a uniform 64-bit word onto [0, n) (bias below n / 2^64).
inline uint64_t mul_high(uint64_t a, uint64_t b) { return static_cast<uint64_t>((static_cast<Uint128>(a) * b) >> 64); }

// xoshiro256** (Blackman and Vigna 2018), seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t s = seed;
    for (auto& word : s_) word = splitmix64(s);
  }

  uint64_t next() {
    const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  double next_double() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n) without bias (Lemire's multiply-and-reject); n >= 1.
  uint64_t below(uint64_t n) {
    Uint128 m = static_cast<Uint128>(next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<Uint128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

 private:
  uint64_t s_[4];
};

}  // namespace rpbench::workloads
