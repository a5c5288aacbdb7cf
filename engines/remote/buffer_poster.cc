#include "engines/remote/buffer_poster.h"

#include <array>

#include "measure/clock.h"

namespace rpbench::remote {

BufferPoster::BufferPoster(transport::Transport& t, transport::BufferId buf, uint64_t bytes_each,
                           std::chrono::milliseconds stall)
    : t_(t), buf_(buf), bytes_each_(bytes_each), stall_(stall) {}

Status BufferPoster::post(transport::Op op, int index, uint64_t len, uint64_t remote_off) {
  if (!failed_.ok()) return failed_;
  if (index < 0) return Status::InvalidArgument("buffer poster: no buffer " + std::to_string(index));
  if (static_cast<size_t>(index) >= posted_.size()) posted_.resize(static_cast<size_t>(index) + 1);
  Posted& p = posted_[static_cast<size_t>(index)];
  if (p.busy) return Status::Internal("buffer poster: buffer " + std::to_string(index) + " is already in flight");
  if (len == 0 || len > bytes_each_)
    return Status::InvalidArgument("buffer poster: " + std::to_string(len) + " bytes do not fit a buffer of " +
                                   std::to_string(bytes_each_));
  const uint64_t now = measure::now_ns();
  if (Status s =
          t_.post(op, static_cast<uint64_t>(index), buf_, static_cast<uint64_t>(index) * bytes_each_, len, remote_off);
      !s.ok()) {
    failed_ = s.with_context(std::string("posting the ") + std::string(transport::op_name(op)) + " of buffer " +
                             std::to_string(index) + " (" + std::to_string(len) + " bytes at region offset " +
                             std::to_string(remote_off) + "): ");
    return failed_;
  }
  if (stats_.first_post_ns == 0) stats_.first_post_ns = now;
  if (in_flight_++ == 0) busy_since_ns_ = now;
  p = Posted{op, len, remote_off, true};
  return Status::Ok();
}

Status BufferPoster::reap(std::vector<int>* done, std::chrono::milliseconds wait) {
  if (in_flight_ == 0) return failed_;
  std::array<transport::Completion, 16> c;
  const size_t n = wait.count() > 0 ? t_.wait(c, wait) : t_.poll(c);
  const uint64_t now = n > 0 ? measure::now_ns() : 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t index = static_cast<size_t>(c[i].tag);
    if (index >= posted_.size() || !posted_[index].busy) {
      if (failed_.ok())
        failed_ = Status::Internal("buffer poster: a completion for buffer " + std::to_string(index) +
                                   ", which is not in flight");
      continue;
    }
    Posted& p = posted_[index];
    p.busy = false;
    if (--in_flight_ == 0) stats_.busy_ns += static_cast<int64_t>(now - busy_since_ns_);
    stats_.last_completion_ns = now;
    if (!c[i].status.ok()) {
      if (failed_.ok())
        failed_ = c[i].status.with_context(std::string("the ") + std::string(transport::op_name(p.op)) + " of buffer " +
                                           std::to_string(index) + " (" + std::to_string(p.len) +
                                           " bytes at region offset " + std::to_string(p.remote_off) + ") failed: ");
      continue;
    }
    ++stats_.transfers;
    stats_.bytes += p.len;
    done->push_back(static_cast<int>(index));
  }
  return failed_;
}

Status BufferPoster::reap_one(std::vector<int>* done) {
  const size_t before = done->size();
  auto last_progress = std::chrono::steady_clock::now();
  while (done->size() == before) {
    if (!failed_.ok()) return failed_;
    if (in_flight_ == 0) return Status::Internal("buffer poster: waiting for a buffer while none is in flight");
    const size_t flying = in_flight_;
    if (Status s = reap(done, std::chrono::milliseconds(100)); !s.ok()) return s;
    const auto now = std::chrono::steady_clock::now();
    if (in_flight_ != flying)
      last_progress = now;
    else if (now - last_progress > stall_)
      failed_ = Status::Timeout("no transfer completed for " + std::to_string(stall_.count()) + " ms (" +
                                std::to_string(in_flight_) + " buffers in flight over " + std::string(t_.name()) + ")");
  }
  return failed_;
}

Status BufferPoster::drain(std::vector<int>* done) {
  while (in_flight_ > 0)
    if (Status s = reap_one(done); !s.ok()) return s;
  return failed_;
}

}  // namespace rpbench::remote
