#include "engines/remote/remote_slots.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "transport/little_endian.h"

namespace rpbench::remote {

namespace {
constexpr auto kIoTimeout = std::chrono::milliseconds(60000);
}  // namespace

SlotAreas SlotAreas::halves(uint64_t region_bytes) {
  SlotAreas a;
  if (region_bytes > kHeadersBytes) a.capacity = ((region_bytes - kHeadersBytes) / kSlotCount) & ~uint64_t{4095};
  return a;
}

std::string describe(const SlotState& s) {
  std::string who = "slot " + std::to_string(s.slot);
  if (s.header) who += " (snapshot " + std::to_string(s.header->sequence) + ")";
  if (s.problem.ok()) return who + ": committed";
  return who + ": " + s.problem.message();
}

StatusOr<std::unique_ptr<RemoteSlots>> RemoteSlots::open(transport::Transport& t) {
  if (t.region_bytes() < kHeadersBytes)
    return Status::InvalidArgument("the memory node's region of " + std::to_string(t.region_bytes()) +
                                   " bytes cannot hold the two snapshot header pages (" +
                                   std::to_string(kHeadersBytes) + " bytes)");
  auto mapped = measure::AnonMapping::map(kHeadersBytes, 4096);
  if (!mapped.ok()) return mapped.status().with_context("remote slots: ");
  measure::AnonMapping pages = std::move(mapped).value();
  transport::BufferId id = 0;
  if (Status s = t.register_buffer(pages.data(), pages.size(), &id); !s.ok()) return s;
  return std::unique_ptr<RemoteSlots>(new RemoteSlots(t, std::move(pages), id));
}

RemoteSlots::~RemoteSlots() { (void)t_.deregister_buffer(buf_); }

Status RemoteSlots::io(transport::Op op, uint64_t local_off, uint64_t len, uint64_t remote_off) {
  return transport::transfer(t_, op, buf_, local_off, len, remote_off, kIoTimeout);
}

StatusOr<std::array<SlotState, kSlotCount>> RemoteSlots::read() {
  if (Status s = io(transport::Op::kRead, 0, kHeadersBytes, 0); !s.ok())
    return s.with_context("reading the snapshot slots' headers: ");
  std::array<SlotState, kSlotCount> out;
  for (int i = 0; i < static_cast<int>(kSlotCount); ++i) {
    const uint8_t* page = pages_.data() + header_offset(i);
    SlotState& st = out[i];
    st.slot = i;
    StatusOr<SlotHeader> h = decode_header(page);
    if (!h.ok()) {
      st.problem = h.status();
      continue;
    }
    st.header = std::move(*h);
    st.late_digest = decode_late_digest(page, st.header->sequence);
    const uint64_t stored = stored_commit_word(page);
    st.committed = stored != 0 && stored == expected_commit_word(page);
    if (!st.committed)
      st.problem = Status::NotFound(stored == 0 ? "never committed (its commit word is not written: the snapshot "
                                                  "did not complete)"
                                                : "its commit word does not match its header");
  }
  return out;
}

StatusOr<RemoteSlots::Target> RemoteSlots::prepare() {
  StatusOr<std::array<SlotState, kSlotCount>> states = read();
  if (!states.ok()) return states.status();
  Target t;
  uint64_t newest_committed = 0, highest = 0;
  int newest_slot = -1;
  for (const SlotState& s : *states) {
    if (!s.header) continue;
    highest = std::max(highest, s.header->sequence);
    if (s.committed && s.header->sequence > newest_committed) {
      newest_committed = s.header->sequence;
      newest_slot = s.slot;
    }
  }
  t.slot = newest_slot < 0 ? 0 : 1 - newest_slot;
  t.sequence = highest + 1;
  // Invalidate the target: from here on it holds no committed snapshot.
  uint8_t* word = pages_.data() + header_offset(t.slot) + kCommitWordOffset;
  std::memset(word, 0, 8);
  if (Status s = io(transport::Op::kWrite, header_offset(t.slot) + kCommitWordOffset, 8,
                    header_offset(t.slot) + kCommitWordOffset);
      !s.ok())
    return s.with_context("clearing slot " + std::to_string(t.slot) + "'s commit word: ");
  return t;
}

Status RemoteSlots::commit(int slot, const SlotHeader& header) {
  if (slot < 0 || slot >= static_cast<int>(kSlotCount))
    return Status::InvalidArgument("no slot " + std::to_string(slot));
  uint8_t* page = pages_.data() + header_offset(slot);
  encode_header(header, page);
  if (Status s = io(transport::Op::kWrite, header_offset(slot), kHeaderPageBytes, header_offset(slot)); !s.ok())
    return s.with_context("writing slot " + std::to_string(slot) + "'s header: ");
  transport::le::put64(page + kCommitWordOffset, expected_commit_word(page));
  if (Status s = io(transport::Op::kWrite, header_offset(slot) + kCommitWordOffset, 8,
                    header_offset(slot) + kCommitWordOffset);
      !s.ok())
    return s.with_context("writing slot " + std::to_string(slot) + "'s commit word: ");
  return Status::Ok();
}

Status RemoteSlots::write_late_digest(int slot, uint64_t sequence, const ContentDigest& d) {
  if (slot < 0 || slot >= static_cast<int>(kSlotCount))
    return Status::InvalidArgument("no slot " + std::to_string(slot));
  const uint64_t at = header_offset(slot) + kLateDigestOffset;
  encode_late_digest(sequence, d, pages_.data() + at);
  if (Status s = io(transport::Op::kWrite, at, kLateDigestBytes, at); !s.ok())
    return s.with_context("writing slot " + std::to_string(slot) + "'s digest: ");
  return Status::Ok();
}

StatusOr<RemoteSlots::Candidates> RemoteSlots::candidates() {
  StatusOr<std::array<SlotState, kSlotCount>> states = read();
  if (!states.ok()) return states.status();
  Candidates c;
  c.all = *states;
  for (const SlotState& s : c.all)
    if (s.committed) c.committed.push_back(s);
  static_assert(kSlotCount == 2);
  if (c.committed.size() == 2 && c.committed[1].header->sequence > c.committed[0].header->sequence)
    std::swap(c.committed[0], c.committed[1]);
  return c;
}

SlotRecovery recover_newest(const RemoteSlots::Candidates& candidates, const std::string& engine,
                            const std::function<Status(const SlotState& slot, const std::string& name)>& load) {
  SlotRecovery out;
  auto note = [&out](const std::string& p) { out.skipped += (out.skipped.empty() ? "" : "; ") + p; };
  for (const SlotState& s : candidates.all)
    if (!s.committed) note(describe(s));
  if (candidates.committed.empty()) {
    out.status = Status::NotFound(engine + ": no committed snapshot in the memory node's region (" + out.skipped + ")");
    return out;
  }
  for (const SlotState& s : candidates.committed) {
    const std::string name =
        "slot " + std::to_string(s.slot) + " (snapshot " + std::to_string(s.header->sequence) + ")";
    if (Status st = load(s, name); !st.ok()) {
      note(name + ": " + st.message());
      continue;
    }
    out.slot = s.slot;
    out.name = name;
    return out;
  }
  out.status = Status::Corruption(engine + ": no committed snapshot could be recovered (" + out.skipped + ")");
  return out;
}

}  // namespace rpbench::remote
