// The operations one client thread issues: op type by the mix, key by the key distribution,
// version and value size for writes. Deterministic: the same spec and (thread_index,
// thread_count) give the same sequence byte for byte.
//
// Key space as a stream sees it: items [0, spec.key_count) are the loaded keys (key id = item
// after scrambling); item spec.key_count + j is this stream's j-th insert, key id
// spec.key_count + thread_index + j * thread_count, so the streams of one workload never insert
// the same id. A stream does not see other streams' inserts.
// Versions of writes (update, insert, rmw): 1 + seq * thread_count + thread_index, seq counting
// this stream's writes: unique across streams; version 0 is the loaded value. Reads and deletes
// carry version 0 and value_size 0.
#pragma once
#include <array>
#include <cstdint>
#include <memory>

#include "workloads/key_generator.h"
#include "workloads/op.h"
#include "workloads/rng.h"
#include "workloads/spec.h"
#include "workloads/values.h"

namespace rpbench::workloads {

class OpStream {
 public:
  // Throws std::invalid_argument for a spec check_spec rejects or thread_index >= thread_count.
  OpStream(const WorkloadSpec& spec, uint32_t thread_index, uint32_t thread_count);

  // The next operation. Hot path.
  Op next() {
    uint64_t item;
    return next(&item);
  }
  // Also returns the generator's item number before scrambling (for an insert: the new item,
  // i.e. key_count() before the insert); key_id_of(*item) == op.key_id. For every distribution
  // but scrambled-zipfian a loaded key's item (< spec.key_count) is its key id. Inline: it runs
  // once per operation.
  Op next(uint64_t* item);

  // Keys existing from this stream's point of view (grows with inserts).
  uint64_t key_count() const { return key_count_; }
  uint64_t inserts() const { return inserts_; }
  uint32_t thread_index() const { return thread_index_; }
  uint32_t thread_count() const { return thread_count_; }
  const WorkloadSpec& spec() const { return spec_; }
  const ValueSizer& value_sizer() const { return sizer_; }

  // The key id of an item number (after scrambling, for scrambled-zipfian).
  uint64_t key_id_of(uint64_t item) const {
    const uint64_t placed = scrambles_ ? keys_->scramble(item) : item;
    if (placed < spec_.key_count) return placed;
    return insert_key_id(spec_.key_count, thread_index_, thread_count_, placed - spec_.key_count);
  }

  // The id the j-th insert of stream thread_index creates.
  static uint64_t insert_key_id(uint64_t loaded_keys, uint32_t thread_index, uint32_t thread_count, uint64_t j) {
    return loaded_keys + thread_index + j * thread_count;
  }

 private:
  uint64_t next_version() { return 1 + (writes_++) * thread_count_ + thread_index_; }

  WorkloadSpec spec_;
  uint32_t thread_index_;
  uint32_t thread_count_;
  std::unique_ptr<KeyGenerator> keys_;
  bool scrambles_;
  ValueSizer sizer_;
  Rng rng_;
  // Cumulative op-type probabilities in OpType order; from the last type with a share on, 2.0
  // (the type is the number of entries <= a uniform draw in [0, 1)).
  std::array<double, kOpTypeCount> cumulative_{};
  uint64_t key_count_;
  uint64_t inserts_ = 0;
  uint64_t writes_ = 0;
};

inline Op OpStream::next(uint64_t* item) {
  // Branch-free: op types are random, a search loop would mispredict on every few ops.
  const double u = rng_.next_double();
  int t = 0;
  for (int i = 0; i < kOpTypeCount - 1; ++i) t += u >= cumulative_[i];
  Op op;
  op.type = static_cast<OpType>(t);
  if (op.type == OpType::kInsert) {
    *item = key_count_;
    op.key_id = insert_key_id(spec_.key_count, thread_index_, thread_count_, inserts_);
    ++inserts_;
    ++key_count_;
    keys_->set_key_count(key_count_);
  } else {
    *item = keys_->next();
    op.key_id = key_id_of(*item);
  }
  if (op.type == OpType::kRead || op.type == OpType::kDelete) {
    op.version = 0;
    op.value_size = 0;
  } else {
    op.version = next_version();
    op.value_size = sizer_.size_for(op.key_id, op.version);
  }
  return op;
}

}  // namespace rpbench::workloads
