// RemoteSlots: the two snapshot slots of a memory node's region (slot_header.h), over a
// Transport: which slot the next snapshot goes to, the commit protocol, and which committed
// snapshot a recovery may take. Every call is synchronous and needs an idle transport (no
// transfer of the engine's in flight): an engine calls prepare() before its first payload write
// and commit() after its last one completed.
//
// The protocol, for a snapshot into slot S:
//   prepare()  reads both header pages, picks S = the slot not holding the newest committed
//              snapshot (slot 0 in an empty region), numbers the snapshot one above every
//              sequence seen, and zeroes S's commit word (waiting for it): from then on S holds
//              no committed snapshot, and the other slot's is untouched.
//   ...        the engine writes the payload to S's area (any order, any channels) and waits
//              for every completion.
//   commit()   writes S's header page, waits, then writes S's commit word, waits.
// A snapshot that fails anywhere before the commit word leaves S uncommitted; recovery then
// takes the other slot.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status_or.h"
#include "engines/remote/slot_header.h"
#include "measure/mapping.h"
#include "transport/transport.h"

namespace rpbench::remote {

// Where the slots' payloads go in a region: two areas of `capacity` bytes after the header pages.
struct SlotAreas {
  uint64_t capacity = 0;
  uint64_t offset(int slot) const { return kHeadersBytes + static_cast<uint64_t>(slot) * capacity; }
  uint64_t end() const { return kHeadersBytes + kSlotCount * capacity; }
  // The whole region after the header pages, in two halves (4 KiB aligned).
  static SlotAreas halves(uint64_t region_bytes);
};

// What one slot holds.
struct SlotState {
  int slot = 0;
  std::optional<SlotHeader> header;          // when the header page decodes
  bool committed = false;                    // the commit word validates the header
  Status problem;                            // why the slot holds no usable snapshot (ok when it does)
  std::optional<ContentDigest> late_digest;  // a late digest record of the header's sequence
};

// "slot 0 (snapshot 3): never committed" / "slot 1: empty ..." for messages.
std::string describe(const SlotState& s);

class RemoteSlots {
 public:
  // Registers a two-page buffer with the transport (deregistered when this object goes).
  static StatusOr<std::unique_ptr<RemoteSlots>> open(transport::Transport& t);
  ~RemoteSlots();
  RemoteSlots(const RemoteSlots&) = delete;
  RemoteSlots& operator=(const RemoteSlots&) = delete;

  // Reads both header pages.
  StatusOr<std::array<SlotState, kSlotCount>> read();

  struct Target {
    int slot = 0;
    uint64_t sequence = 1;
  };
  // Picks the slot and sequence of the next snapshot and invalidates that slot (see above).
  StatusOr<Target> prepare();
  // Writes `header` into `slot` and then its commit word. The payload must be complete.
  Status commit(int slot, const SlotHeader& header);

  // Writes the late digest record of snapshot `sequence` into `slot`'s header page (after its
  // commit: slot_header.h).
  Status write_late_digest(int slot, uint64_t sequence, const ContentDigest& d);

  // The committed slots, newest first (a recovery tries them in this order), and the states of
  // all slots (for the message when none is usable).
  struct Candidates {
    std::vector<SlotState> committed;
    std::array<SlotState, kSlotCount> all;
  };
  StatusOr<Candidates> candidates();

 private:
  RemoteSlots(transport::Transport& t, measure::AnonMapping pages, transport::BufferId id)
      : t_(t), pages_(std::move(pages)), buf_(id) {}
  Status io(transport::Op op, uint64_t local_off, uint64_t len, uint64_t remote_off);

  transport::Transport& t_;
  measure::AnonMapping pages_;
  transport::BufferId buf_;
};

// What a recovery took from the candidates: the slot loaded, or why none could be.
struct SlotRecovery {
  Status status;        // ok: `slot` was loaded; kNotFound: none committed; kCorruption: none loaded
  int slot = -1;        // the slot loaded
  std::string name;     // "slot 1 (snapshot 7)"
  std::string skipped;  // why newer or uncommitted slots were not used ("" = none), "; "-separated
};
// Tries load(slot, name) on the committed slots, newest first, until one returns ok; every
// uncommitted slot and every failed load is described in `skipped` (and in the status when no
// slot loads). Messages start with "<engine>: ". The one recovery loop of the remote engines.
SlotRecovery recover_newest(const RemoteSlots::Candidates& candidates, const std::string& engine,
                            const std::function<Status(const SlotState& slot, const std::string& name)>& load);

}  // namespace rpbench::remote
