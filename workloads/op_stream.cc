#include "workloads/op_stream.h"

#include <stdexcept>
#include <string>

namespace rpbench::workloads {
namespace {

constexpr uint64_t kTagOps = 0x6f707321;  // "ops!"

const WorkloadSpec& checked(const WorkloadSpec& spec, uint32_t thread_index, uint32_t thread_count) {
  check_spec(spec);
  if (thread_count == 0 || thread_index >= thread_count) {
    throw std::invalid_argument("op stream: thread_index " + std::to_string(thread_index) +
                                " out of range for thread_count " + std::to_string(thread_count));
  }
  return spec;
}

}  // namespace

OpStream::OpStream(const WorkloadSpec& spec, uint32_t thread_index, uint32_t thread_count)
    : spec_(checked(spec, thread_index, thread_count)),
      thread_index_(thread_index),
      thread_count_(thread_count),
      keys_(make_key_generator(spec.keys, spec.key_count, spec.seed, thread_index, thread_count)),
      scrambles_(keys_->scrambles()),
      sizer_(spec.value_size, spec.seed),
      rng_(derive_seed(spec.seed, kTagOps, thread_index)),
      key_count_(spec.key_count) {
  const MixSpec& m = spec.mix;
  const double shares[kOpTypeCount] = {m.read, m.update, m.insert, m.del, m.rmw};
  double total = 0;
  for (double s : shares) total += s;
  double cumulative = 0;
  int last = 0;
  for (int i = 0; i < kOpTypeCount; ++i) {
    cumulative += shares[i];
    cumulative_[i] = cumulative / total;
    if (shares[i] > 0) last = i;
  }
  // Rounding must never pick a type without a share, nor fall past the last type with one.
  for (int i = last; i < kOpTypeCount; ++i) cumulative_[i] = 2.0;
}

}  // namespace rpbench::workloads
