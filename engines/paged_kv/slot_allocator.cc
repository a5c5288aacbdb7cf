#include "engines/paged_kv/slot_allocator.h"

#include <algorithm>
#include <string>

namespace rpbench::paged {

SlotAllocator::SlotAllocator(uint32_t slots) : total_(slots) {
  free_.reserve(slots);
  for (uint32_t s = slots; s-- > 0;) free_.push_back(s);  // slot 0 first
}

StatusOr<uint32_t> SlotAllocator::alloc() {
  std::lock_guard lk(mu_);
  if (free_.empty())
    return Status::ResourceExhausted(
        "paged-kv: the memory node's region is full: all " + std::to_string(total_) + " page slots are in use" +
        (retired_.empty() ? std::string()
                          : " (" + std::to_string(retired_.size()) + " of them held for the last snapshots)"));
  const uint32_t s = free_.back();
  free_.pop_back();
  return s;
}

void SlotAllocator::retire(uint32_t slot, uint64_t seq) {
  std::lock_guard lk(mu_);
  if (seq == 0 || (seq != valid_[0] && seq != valid_[1] && seq != in_flight_)) {
    free_.push_back(slot);
    return;
  }
  retired_.push_back({slot, seq});
}

void SlotAllocator::begin_snapshot(uint64_t seq, int header_slot) {
  std::lock_guard lk(mu_);
  valid_[header_slot] = 0;  // prepare() zeroed that header's commit word
  in_flight_ = seq;
  release_freeable();
}

void SlotAllocator::commit_snapshot(uint64_t seq, int header_slot) {
  std::lock_guard lk(mu_);
  valid_[header_slot] = seq;
  in_flight_ = 0;
  release_freeable();
}

void SlotAllocator::abort_snapshot(uint64_t seq) {
  std::lock_guard lk(mu_);
  if (in_flight_ == seq) in_flight_ = 0;
  release_freeable();
}

void SlotAllocator::reset(const std::vector<uint32_t>& used, uint64_t seq, int header_slot) {
  std::lock_guard lk(mu_);
  std::vector<bool> taken(total_, false);
  for (uint32_t s : used) taken[s] = true;
  free_.clear();
  for (uint32_t s = total_; s-- > 0;)
    if (!taken[s]) free_.push_back(s);
  retired_.clear();
  valid_[0] = valid_[1] = 0;
  valid_[header_slot] = seq;
  in_flight_ = 0;
}

void SlotAllocator::release_freeable() {
  auto keep = [&](const Retired& r) { return r.seq == valid_[0] || r.seq == valid_[1] || r.seq == in_flight_; };
  auto mid = std::partition(retired_.begin(), retired_.end(), keep);
  for (auto it = mid; it != retired_.end(); ++it) free_.push_back(it->slot);
  retired_.erase(mid, retired_.end());
}

SlotAllocator::Figures SlotAllocator::figures() const {
  std::lock_guard lk(mu_);
  return {total_, static_cast<uint32_t>(free_.size()), static_cast<uint32_t>(retired_.size())};
}

}  // namespace rpbench::paged
