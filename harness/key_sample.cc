#include "harness/key_sample.h"

#include <algorithm>

namespace rpbench {

KeySample::KeySample(uint64_t key_count, uint64_t target) : limit_(key_count) {
  const uint64_t want = std::max<uint64_t>(1, target);
  while (shift_ < 63 && (key_count >> shift_) > want) ++shift_;
  mask_ = (uint64_t{1} << shift_) - 1;
  entries_.resize(key_count == 0 ? 0 : ((key_count - 1) >> shift_) + 1);
}

}  // namespace rpbench
