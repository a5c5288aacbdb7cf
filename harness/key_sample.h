// KeySample: what a sample of keys must hold, tracked from the operations the driver issues, so
// that verify can check a recovered store value by value against the workload generator (values
// are a function of key id, version and seed), independently of the engine's own digest.
//
// The sample is the key ids with the low `shift` bits zero (a power-of-two stride, so checking an
// id costs a compare and a mask on the hot path), below the dataset's key count. Tracking is exact
// with one client thread; with several, concurrent writes to one key race, and the driver does not
// track.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rpbench {

class KeySample {
 public:
  struct Entry {
    int64_t version = -1;  // -1: the key must be absent
    uint32_t size = 0;
  };

  // About `target` ids spread over [0, key_count).
  KeySample(uint64_t key_count, uint64_t target);

  bool sampled(uint64_t id) const { return id < limit_ && (id & mask_) == 0; }
  void on_write(uint64_t id, uint64_t version, uint32_t size) {
    entries_[id >> shift_] = {static_cast<int64_t>(version), size};
  }
  void on_delete(uint64_t id) { entries_[id >> shift_] = Entry{}; }

  const std::vector<Entry>& entries() const { return entries_; }
  // After a recovery the store holds the snapshot's content again.
  void restore(const std::vector<Entry>& entries) { entries_ = entries; }
  uint64_t id_of(size_t i) const { return static_cast<uint64_t>(i) << shift_; }

 private:
  uint64_t limit_;
  int shift_ = 0;
  uint64_t mask_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace rpbench
