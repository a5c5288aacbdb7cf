// StreamSink: the RDB writer's OutputSink (engines/rdb/output_sink.h) of the rdma-pingpong
// snapshot child. The writer fills the remote::StreamBuffers in turn, in place; each full buffer is handed
// to a BufferPort, which sends it to the slot's area in remote memory while the next one fills;
// the sink waits (acquire) only when every buffer is still in flight. The payload checksum is
// taken here, over each buffer as it is handed on.
//
// A stream larger than the slot's area is not cut short: the sink stops sending, counts the rest,
// and finish() fails with both sizes (the snapshot's slot then stays uncommitted).
#pragma once
#include <cstdint>
#include <span>

#include "base/status_or.h"
#include "engines/rdb/output_sink.h"
#include "engines/remote/checksum.h"
#include "engines/remote/slot_header.h"
#include "engines/remote/stream_buffers.h"

namespace rpbench::pingpong {

// Where full buffers go and free ones come from: the child's own connection (DirectPort) or the
// parent's posting thread (the hand-off of parent-posts).
class BufferPort {
 public:
  virtual ~BufferPort() = default;
  // Hands the first `len` bytes of buffer `index` on; they are the stream's bytes at
  // `stream_offset` (the port writes them to slot area + stream_offset). len 0 gives the buffer
  // back unsent.
  virtual Status send(int index, uint64_t len, uint64_t stream_offset) = 0;
  // A buffer the sink may fill; blocks until one is free.
  virtual StatusOr<int> acquire() = 0;
  // Called about every 64 KiB the writer fills: a chance to see completions (never blocks).
  virtual void progress() {}
  // Every buffer sent has been written: blocks until then.
  virtual Status finish() = 0;
  // After finish(), once the stream is known complete: writes the slot's header and commit word
  // (remote_slots.h). The sink never calls it; the snapshot child does.
  virtual Status commit(const remote::SlotHeader& header) = 0;
};

struct SinkStats {
  uint64_t stream_bytes = 0;  // the whole stream's length (also when it did not fit)
  uint64_t buffers_sent = 0;
  int64_t acquire_wait_ns = 0;  // blocked for a free buffer (every buffer in flight)
  int64_t send_ns = 0;          // inside send(): handing full buffers on (shm: the copy itself)
  int64_t drain_wait_ns = 0;    // finish(): waiting for the last writes
  uint64_t first_fill_ns = 0;   // measure::now_ns() at the first reserve
  uint64_t stream_end_ns = 0;   // at finish(), before the drain
};

class StreamSink final : public rdb::OutputSink {
 public:
  // `capacity`: the slot area's bytes; `region_bytes` only for the message when it is too small.
  StreamSink(const remote::StreamBuffers& buffers, BufferPort* port, uint64_t capacity, uint64_t region_bytes);

  Status reserve(std::span<char>* window) override;
  Status commit(size_t n) override;
  Status finish() override;

  const SinkStats& stats() const { return stats_; }
  uint64_t checksum() const { return checksum_.digest(); }

 private:
  Status hand_on();
  Status fail(Status s) {
    if (failed_.ok()) failed_ = std::move(s);
    return failed_;
  }

  const remote::StreamBuffers& buffers_;
  BufferPort* port_;
  uint64_t capacity_;
  uint64_t region_bytes_;
  int current_ = -1;   // the buffer being filled
  uint64_t fill_ = 0;  // bytes filled in it
  uint64_t since_progress_ = 0;
  bool overflow_ = false;
  remote::Checksum64 checksum_;
  SinkStats stats_;
  Status failed_;
};

}  // namespace rpbench::pingpong
