#include "engines/paged_kv/replacer.h"

namespace rpbench::paged {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

// An intrusive doubly-linked list over frame numbers: head = most recent, tail = least.
class LruReplacer final : public Replacer {
 public:
  explicit LruReplacer(uint32_t frames) : prev_(frames, kNone), next_(frames, kNone), in_(frames, false) {}

  void insert(uint32_t f) override {
    if (in_[f]) unlink(f);
    push_front(f);
  }
  void erase(uint32_t f) override {
    if (in_[f]) unlink(f);
  }
  void touch(uint32_t f) override {
    if (!in_[f] || head_ == f) return;
    unlink(f);
    push_front(f);
  }
  int64_t pick(const std::function<bool(uint32_t)>& may_go, uint32_t max_scan) override {
    uint32_t f = tail_;
    for (uint32_t seen = 0; f != kNone && seen < max_scan; ++seen, f = prev_[f])
      if (may_go(f)) return f;
    return -1;
  }

 private:
  void push_front(uint32_t f) {
    prev_[f] = kNone;
    next_[f] = head_;
    if (head_ != kNone) prev_[head_] = f;
    head_ = f;
    if (tail_ == kNone) tail_ = f;
    in_[f] = true;
  }
  void unlink(uint32_t f) {
    if (prev_[f] != kNone)
      next_[prev_[f]] = next_[f];
    else
      head_ = next_[f];
    if (next_[f] != kNone)
      prev_[next_[f]] = prev_[f];
    else
      tail_ = prev_[f];
    prev_[f] = next_[f] = kNone;
    in_[f] = false;
  }
  std::vector<uint32_t> prev_, next_;
  std::vector<bool> in_;
  uint32_t head_ = kNone, tail_ = kNone;
};

class ClockReplacer final : public Replacer {
 public:
  explicit ClockReplacer(uint32_t frames) : ref_(frames, 0), in_(frames, 0) {}

  void insert(uint32_t f) override { in_[f] = 1, ref_[f] = 1; }
  void erase(uint32_t f) override { in_[f] = 0, ref_[f] = 0; }
  void touch(uint32_t f) override { ref_[f] = 1; }
  int64_t pick(const std::function<bool(uint32_t)>& may_go, uint32_t max_scan) override {
    const auto n = static_cast<uint32_t>(in_.size());
    // Two sweeps: the first clears the bits it passes, so the second finds a frame if any may go.
    for (uint32_t step = 0; step < 2 * n && step < 2 * max_scan; ++step) {
      const uint32_t f = hand_;
      hand_ = hand_ + 1 == n ? 0 : hand_ + 1;
      if (!in_[f] || !may_go(f)) continue;
      if (ref_[f]) {
        ref_[f] = 0;
        continue;
      }
      return f;
    }
    return -1;
  }

 private:
  std::vector<uint8_t> ref_, in_;
  uint32_t hand_ = 0;
};

}  // namespace

std::unique_ptr<Replacer> make_replacer(Eviction policy, uint32_t frames) {
  if (policy == Eviction::kClock) return std::make_unique<ClockReplacer>(frames);
  return std::make_unique<LruReplacer>(frames);
}

}  // namespace rpbench::paged
