// DirectPort: the BufferPort of child-connect. The fork child posts each full buffer itself, over
// the connection it opened after the fork, and commits the slot over it.
#pragma once
#include <deque>
#include <vector>

#include "engines/rdma_pingpong/stream_sink.h"
#include "engines/remote/buffer_poster.h"
#include "engines/remote/remote_slots.h"

namespace rpbench::pingpong {

class DirectPort final : public BufferPort {
 public:
  // `area_offset`: where the slot's payload starts in the region; `slot`: the slot to commit.
  DirectPort(remote::BufferPoster* poster, remote::RemoteSlots* slots, int buffers, uint64_t area_offset, int slot);

  Status send(int index, uint64_t len, uint64_t stream_offset) override;
  StatusOr<int> acquire() override;
  void progress() override;
  Status finish() override;
  Status commit(const remote::SlotHeader& header) override;

 private:
  void take_done();

  remote::BufferPoster* poster_;
  remote::RemoteSlots* slots_;
  uint64_t area_offset_;
  int slot_;
  std::deque<int> free_;
  std::vector<int> done_;
};

}  // namespace rpbench::pingpong
