// SlotAllocator: the remote page slots of the region (every page_bytes from the data offset to
// the region's end), a free list, and the rule that keeps committed snapshots intact.
//
// A snapshot's page table names the slots its pages were in. Once a page is in a snapshot (its
// slot_seq is that snapshot's sequence) the next write-back of the page goes to a new slot (copy on
// write at page grain) and the old slot is retired, not freed: it is freed only when no snapshot
// that a recovery could still take names it. Of the two header slots (remote/remote_slots.h),
// preparing a snapshot into one invalidates the snapshot that header held, so a retired slot of
// snapshot s is free once the header slot that held s has been prepared again and no snapshot in
// flight is s. Thread-safe.
#pragma once
#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

#include "base/status_or.h"

namespace rpbench::paged {

class SlotAllocator {
 public:
  explicit SlotAllocator(uint32_t slots);

  // A free slot, or kResourceExhausted naming the region's size in pages.
  StatusOr<uint32_t> alloc();
  // `slot` is no longer any live page's; `seq` is the newest snapshot that named it (0: none,
  // then it is free at once).
  void retire(uint32_t slot, uint64_t seq);

  // The snapshot protocol: prepare of snapshot `seq` into header slot `header_slot`, then commit
  // or abort.
  void begin_snapshot(uint64_t seq, int header_slot);
  void commit_snapshot(uint64_t seq, int header_slot);
  void abort_snapshot(uint64_t seq);

  // After a recovery from snapshot `seq` (in header slot `header_slot`): `used` are the slots
  // its pages are in; every other slot is free.
  void reset(const std::vector<uint32_t>& used, uint64_t seq, int header_slot);

  struct Figures {
    uint32_t total = 0;
    uint32_t free = 0;
    uint32_t retired = 0;
  };
  Figures figures() const;

 private:
  void release_freeable();  // mu_ held

  mutable std::mutex mu_;
  uint32_t total_;
  std::vector<uint32_t> free_;
  struct Retired {
    uint32_t slot;
    uint64_t seq;
  };
  std::vector<Retired> retired_;
  uint64_t valid_[2] = {0, 0};  // the sequence each header slot may still hold (0: none)
  uint64_t in_flight_ = 0;
};

}  // namespace rpbench::paged
