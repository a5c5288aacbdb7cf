// The snapshot window shared by the client threads: an op is `during_snapshot` when its intended
// start time falls from just before the snapshot began until the snapshot completed (child
// reaped). Written by client thread 0 only (it begins and polls snapshots); read by every thread.
// The current and the previous window are kept, so an op issued just before a window closed and
// completed after is still classified by its intended start.
#pragma once
#include <atomic>
#include <cstdint>
#include <limits>

namespace rpbench {

class SnapshotWindows {
 public:
  static constexpr uint64_t kOpen = std::numeric_limits<uint64_t>::max();

  void open(uint64_t t_ns) {
    prev_start_.store(cur_start_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    prev_end_.store(cur_end_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    cur_end_.store(kOpen, std::memory_order_release);
    cur_start_.store(t_ns, std::memory_order_release);
  }
  void close(uint64_t t_ns) { cur_end_.store(t_ns, std::memory_order_release); }

  bool during(uint64_t t_ns) const {
    const uint64_t s = cur_start_.load(std::memory_order_acquire);
    if (t_ns >= s && t_ns <= cur_end_.load(std::memory_order_acquire)) return true;
    return t_ns >= prev_start_.load(std::memory_order_relaxed) && t_ns <= prev_end_.load(std::memory_order_relaxed);
  }
  bool active() const { return cur_end_.load(std::memory_order_acquire) == kOpen; }

 private:
  std::atomic<uint64_t> cur_start_{kOpen};
  std::atomic<uint64_t> cur_end_{0};
  std::atomic<uint64_t> prev_start_{kOpen};
  std::atomic<uint64_t> prev_end_{0};
};

}  // namespace rpbench
