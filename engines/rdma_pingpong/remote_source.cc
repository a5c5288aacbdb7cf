#include "engines/rdma_pingpong/remote_source.h"

#include "measure/clock.h"

namespace rpbench::pingpong {

RemoteSource::RemoteSource(transport::Transport& t, transport::BufferId buf, const remote::StreamBuffers& buffers,
                           const remote::SlotHeader& header, std::chrono::milliseconds stall, std::string name)
    : poster_(t, buf, buffers.bytes_each(), stall),
      buffers_(buffers),
      header_(header),
      name_(std::move(name)),
      ready_(static_cast<size_t>(buffers.count()), false) {
  pieces_ = (header_.payload_bytes + buffers_.bytes_each() - 1) / buffers_.bytes_each();
}

RemoteSource::~RemoteSource() { (void)poster_.drain(&done_); }

uint64_t RemoteSource::piece_len(uint64_t k) const {
  const uint64_t off = piece_offset(k);
  return std::min<uint64_t>(buffers_.bytes_each(), header_.payload_bytes - off);
}

Status RemoteSource::post_ahead() {
  // A buffer is free when the piece it last held has been handed out and given back.
  const uint64_t count = static_cast<uint64_t>(buffers_.count());
  const uint64_t held = holding_ ? 1 : 0;
  while (next_post_ < pieces_ && next_post_ < next_out_ - held + count) {
    const int b = static_cast<int>(next_post_ % count);
    ready_[static_cast<size_t>(b)] = false;
    if (Status s = poster_.post(transport::Op::kRead, b, piece_len(next_post_),
                                header_.payload_offset + piece_offset(next_post_));
        !s.ok())
      return s;
    ++next_post_;
  }
  return Status::Ok();
}

Status RemoteSource::next(std::span<const char>* chunk) {
  *chunk = {};
  if (!failed_.ok()) return failed_;
  holding_ = false;  // the loader is done with the piece it held
  if (Status s = post_ahead(); !s.ok()) return failed_ = s;
  if (next_out_ == pieces_) {
    if (checksum_.digest() != header_.payload_checksum)
      return failed_ = Status::Corruption(name_ + ": the payload's checksum " + std::to_string(checksum_.digest()) +
                                          " does not match the header's " + std::to_string(header_.payload_checksum));
    return Status::Ok();
  }
  const int b = static_cast<int>(next_out_ % static_cast<uint64_t>(buffers_.count()));
  const uint64_t t0 = measure::now_ns();
  while (!ready_[static_cast<size_t>(b)]) {
    if (Status s = poster_.reap_one(&done_); !s.ok()) return failed_ = s;
    for (int i : done_) ready_[static_cast<size_t>(i)] = true;
    done_.clear();
  }
  wait_ns_ += static_cast<int64_t>(measure::now_ns() - t0);
  const uint64_t len = piece_len(next_out_);
  checksum_.update(buffers_.buffer(b), len);
  *chunk = std::span<const char>(buffers_.buffer(b), len);
  ++next_out_;
  holding_ = true;
  return Status::Ok();
}

}  // namespace rpbench::pingpong
