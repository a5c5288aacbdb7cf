#include "engines/rdma_pingpong/stream_sink.h"

#include "engines/remote/slot_header.h"
#include "measure/clock.h"

namespace rpbench::pingpong {

StreamSink::StreamSink(const remote::StreamBuffers& buffers, BufferPort* port, uint64_t capacity, uint64_t region_bytes)
    : buffers_(buffers), port_(port), capacity_(capacity), region_bytes_(region_bytes) {}

Status StreamSink::reserve(std::span<char>* window) {
  if (!failed_.ok()) return failed_;
  if (current_ < 0) {
    if (stats_.first_fill_ns == 0) stats_.first_fill_ns = measure::now_ns();
    const uint64_t t0 = measure::now_ns();
    StatusOr<int> b = port_->acquire();
    stats_.acquire_wait_ns += static_cast<int64_t>(measure::now_ns() - t0);
    if (!b.ok()) return fail(b.status());
    current_ = *b;
    fill_ = 0;
  }
  *window = std::span<char>(buffers_.buffer(current_) + fill_, buffers_.bytes_each() - fill_);
  return Status::Ok();
}

Status StreamSink::commit(size_t n) {
  if (!failed_.ok()) return failed_;
  if (current_ < 0 || n > buffers_.bytes_each() - fill_)
    return fail(Status::Internal("stream sink: commit of " + std::to_string(n) + " bytes outside the reserved window"));
  fill_ += n;
  since_progress_ += n;
  if (since_progress_ >= 64 * 1024) {
    since_progress_ = 0;
    port_->progress();
  }
  if (fill_ == buffers_.bytes_each()) return hand_on();
  return Status::Ok();
}

Status StreamSink::hand_on() {
  const int index = current_;
  const uint64_t len = fill_;
  const uint64_t offset = stats_.stream_bytes;
  current_ = -1;
  fill_ = 0;
  stats_.stream_bytes += len;
  if (len == 0) return port_->send(index, 0, offset);  // gives the buffer back unsent
  if (overflow_ || offset + len > capacity_) {
    // Too big for the slot: keep counting (for the message) without sending.
    overflow_ = true;
    if (Status s = port_->send(index, 0, offset); !s.ok()) return fail(s);
    return Status::Ok();
  }
  checksum_.update(buffers_.buffer(index), len);
  ++stats_.buffers_sent;
  const uint64_t t0 = measure::now_ns();
  const Status s = port_->send(index, len, offset);
  stats_.send_ns += static_cast<int64_t>(measure::now_ns() - t0);
  if (!s.ok()) return fail(s);
  return Status::Ok();
}

Status StreamSink::finish() {
  if (!failed_.ok()) return failed_;
  if (current_ >= 0)
    if (Status s = hand_on(); !s.ok()) return s;
  stats_.stream_end_ns = measure::now_ns();
  const Status s = port_->finish();
  stats_.drain_wait_ns = static_cast<int64_t>(measure::now_ns() - stats_.stream_end_ns);
  if (!s.ok()) return fail(s);
  if (overflow_) {
    const uint64_t needed =
        remote::kHeadersBytes + remote::kSlotCount * ((stats_.stream_bytes + 4095) & ~uint64_t{4095});
    return fail(Status::ResourceExhausted("the snapshot stream is " + std::to_string(stats_.stream_bytes) +
                                          " bytes but a slot of the memory node's region holds " +
                                          std::to_string(capacity_) + " (region " + std::to_string(region_bytes_) +
                                          " bytes: two header pages and two slots); a region of at least " +
                                          std::to_string(needed) + " bytes is needed"));
  }
  return Status::Ok();
}

}  // namespace rpbench::pingpong
