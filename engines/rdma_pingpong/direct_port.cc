#include "engines/rdma_pingpong/direct_port.h"

namespace rpbench::pingpong {

DirectPort::DirectPort(remote::BufferPoster* poster, remote::RemoteSlots* slots, int buffers, uint64_t area_offset,
                       int slot)
    : poster_(poster), slots_(slots), area_offset_(area_offset), slot_(slot) {
  for (int i = 0; i < buffers; ++i) free_.push_back(i);
}

void DirectPort::take_done() {
  for (int i : done_) free_.push_back(i);
  done_.clear();
}

Status DirectPort::send(int index, uint64_t len, uint64_t stream_offset) {
  if (len == 0) {
    free_.push_back(index);
    return Status::Ok();
  }
  if (Status s = poster_->post(transport::Op::kWrite, index, len, area_offset_ + stream_offset); !s.ok()) return s;
  const Status s = poster_->reap(&done_, std::chrono::milliseconds(0));
  take_done();
  return s;
}

StatusOr<int> DirectPort::acquire() {
  if (free_.empty()) {
    const Status s = poster_->reap_one(&done_);
    take_done();
    if (!s.ok()) return s;
  }
  const int i = free_.front();
  free_.pop_front();
  return i;
}

void DirectPort::progress() {
  (void)poster_->reap(&done_, std::chrono::milliseconds(0));  // a failure sticks in the poster
  take_done();
}

Status DirectPort::finish() {
  const Status s = poster_->drain(&done_);
  take_done();
  return s;
}

Status DirectPort::commit(const remote::SlotHeader& header) { return slots_->commit(slot_, header); }

}  // namespace rpbench::pingpong
