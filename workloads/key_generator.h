// Key choosers: each returns an item number in [0, key_count) drawn from one distribution.
// Item numbers are positions in the key space as a stream sees it (OpStream maps them to key
// ids); scrambled-zipfian additionally spreads its items over the loaded keys (scramble()).
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "workloads/spec.h"

namespace rpbench::workloads {

class KeyGenerator {
 public:
  virtual ~KeyGenerator() = default;

  // The next item number, in [0, key_count()). Requires key_count() >= 1.
  virtual uint64_t next() = 0;

  // Where an item lives in the key space: a bijection of [0, initial key count) onto itself for
  // scrambled-zipfian (items at or beyond the initial count, i.e. inserted later, stay put), the
  // identity for every other distribution.
  virtual uint64_t scramble(uint64_t item) const { return item; }
  bool scrambles() const { return scrambles_; }

  // The number of keys existing now; the op stream calls it after each insert (`latest` favours
  // the newest item, the others draw over the grown range).
  virtual void set_key_count(uint64_t n) = 0;
  uint64_t key_count() const { return n_; }

  virtual std::string_view name() const = 0;

 protected:
  explicit KeyGenerator(uint64_t n, bool scrambles = false) : n_(n), scrambles_(scrambles) {}
  uint64_t n_;

 private:
  bool scrambles_;
};

// A generator for spec.dist over key_count items. The sampling sequence is derived from (seed,
// thread_index), so the streams of one workload differ; the scrambling permutation from seed
// alone, so every stream agrees on which keys are hot. `sequential` visits thread_index,
// thread_index + thread_count, ... so that the threads together sweep the keys once per round.
// Throws std::invalid_argument for an unknown distribution or bad parameters.
std::unique_ptr<KeyGenerator> make_key_generator(const KeySpec& spec, uint64_t key_count, uint64_t seed,
                                                 uint32_t thread_index = 0, uint32_t thread_count = 1);

}  // namespace rpbench::workloads
