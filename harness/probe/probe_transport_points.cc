#include "harness/probe/probe_transport_points.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "measure/clock.h"

namespace rpbench::probe {
namespace {

using transport::Completion;
using transport::Op;
using transport::Transport;

constexpr std::chrono::milliseconds kWaitTimeout{30000};

std::string what(Op op, uint64_t size) {
  return std::string(transport::op_name(op)) + " of " + std::to_string(size) + " bytes";
}

// Posts transfers of `size` bytes round-robin over local slots and region offsets.
class Rotor {
 public:
  Rotor(Transport& t, const LocalBuffer& buf, Op op, uint64_t size, uint64_t local_slots)
      : t_(t), buf_(buf), op_(op), size_(size), local_slots_(local_slots) {}
  // The transfer must fit the local buffer and the region.
  Status check() {
    if (size_ == 0 || size_ > buf_.bytes || size_ > t_.region_bytes())
      return Status::InvalidArgument(what(op_, size_) + ": must fit the local buffer (" + std::to_string(buf_.bytes) +
                                     " bytes) and the region (" + std::to_string(t_.region_bytes()) + " bytes)");
    local_slots_ = std::clamp<uint64_t>(local_slots_, 1, buf_.bytes / size_);
    remote_slots_ = t_.region_bytes() / size_;
    return Status::Ok();
  }
  Status post() {
    const uint64_t local = (next_ % local_slots_) * size_;
    const uint64_t remote = (next_ % remote_slots_) * size_;
    const Status s = t_.post(op_, next_, buf_.id, local, size_, remote);
    if (!s.ok())
      return s.with_context(what(op_, size_) + " at remote offset " + std::to_string(remote) + ": post failed: ");
    ++next_;
    return Status::Ok();
  }
  // Waits for at least one completion; how many, each checked.
  StatusOr<size_t> reap() {
    const size_t n = t_.wait(completions_, kWaitTimeout);
    if (n == 0)
      return Status::Timeout(what(op_, size_) + ": no completion within " + std::to_string(kWaitTimeout.count()) +
                             " ms (" + std::to_string(t_.pending()) + " pending)");
    for (size_t i = 0; i < n; ++i) {
      const Completion& c = completions_[i];
      if (!c.status.ok()) return c.status.with_context(what(op_, size_) + " failed: ");
      if (c.bytes != size_)
        return Status::Internal(what(op_, size_) + " completed with " + std::to_string(c.bytes) + " bytes");
    }
    return n;
  }
  uint64_t posted() const { return next_; }

 private:
  Transport& t_;
  const LocalBuffer& buf_;
  Op op_;
  uint64_t size_;
  uint64_t local_slots_;
  uint64_t remote_slots_ = 1;
  uint64_t next_ = 0;
  std::array<Completion, 64> completions_;
};

// One timed round trip: post, then wait for that transfer.
Status post_and_reap(Rotor& rotor) {
  if (Status s = rotor.post(); !s.ok()) return s;
  return rotor.reap().status();
}

}  // namespace

StatusOr<BandwidthPoint> measure_bandwidth(Transport& t, const LocalBuffer& buf, Op op, uint64_t size, int queue_depth,
                                           double seconds, uint64_t min_transfers) {
  if (queue_depth < 1) return Status::InvalidArgument("queue depth must be >= 1");
  if (t.pending() != 0) return Status::FailedPrecondition("bandwidth point: the transport has transfers pending");
  const auto qd = static_cast<uint64_t>(queue_depth);
  Rotor rotor(t, buf, op, size, qd);  // one local slot per outstanding transfer, as ib_write_bw
  if (Status s = rotor.check(); !s.ok()) return s;
  BandwidthPoint p;
  p.op = op;
  p.size_bytes = size;
  p.channels = t.channels();
  p.queue_depth = queue_depth;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  const uint64_t t0 = measure::now_ns();
  uint64_t done = 0;
  bool more = true;
  while (rotor.posted() < qd && more) {
    if (Status s = rotor.post(); !s.ok()) return s;
    more = rotor.posted() < min_transfers || measure::now_ns() - t0 < budget_ns;
  }
  while (done < rotor.posted()) {
    StatusOr<size_t> reaped = rotor.reap();
    if (!reaped.ok()) return reaped.status();
    done += *reaped;
    if (more) more = rotor.posted() < min_transfers || measure::now_ns() - t0 < budget_ns;
    while (more && rotor.posted() - done < qd) {
      if (Status s = rotor.post(); !s.ok()) return s;
    }
  }
  const uint64_t t1 = measure::now_ns();
  p.transfers = done;
  p.bytes = done * size;
  p.seconds = static_cast<double>(t1 - t0) / 1e9;
  return p;
}

StatusOr<measure::Histogram> measure_latency(Transport& t, const LocalBuffer& buf, Op op, uint64_t size,
                                             uint64_t samples, double seconds, uint64_t min_samples) {
  if (t.pending() != 0) return Status::FailedPrecondition("latency point: the transport has transfers pending");
  Rotor rotor(t, buf, op, size, 1);
  if (Status s = rotor.check(); !s.ok()) return s;
  for (int i = 0; i < 2; ++i) {  // untimed: first use of this size
    if (Status s = post_and_reap(rotor); !s.ok()) return s;
  }
  measure::Histogram h;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  const uint64_t start = measure::now_ns();
  while (h.count() < samples) {
    const uint64_t t0 = measure::now_ns();
    if (Status s = post_and_reap(rotor); !s.ok()) return s;
    const uint64_t t1 = measure::now_ns();
    h.record(t1 - t0);
    if (h.count() >= min_samples && t1 - start >= budget_ns) break;
  }
  return h;
}

Status warm_region(Transport& t, const LocalBuffer& buf) {
  const uint64_t region = t.region_bytes();
  const uint64_t piece = std::min(buf.bytes, region);
  Rotor rotor(t, buf, Op::kWrite, piece, 4);
  if (Status s = rotor.check(); !s.ok()) return s;
  const uint64_t count = region / piece;
  uint64_t done = 0;
  while (rotor.posted() < std::min<uint64_t>(count, 4)) {
    if (Status s = rotor.post(); !s.ok()) return s;
  }
  while (done < rotor.posted()) {
    StatusOr<size_t> reaped = rotor.reap();
    if (!reaped.ok()) return reaped.status();
    done += *reaped;
    while (rotor.posted() < count && rotor.posted() - done < 4) {
      if (Status s = rotor.post(); !s.ok()) return s;
    }
  }
  // The tail when the region is not a multiple of the piece.
  if (const uint64_t tail = region - count * piece; tail > 0) {
    const Status s = transport::transfer(t, Op::kWrite, buf.id, 0, tail, count * piece);
    if (!s.ok()) return s.with_context("warming the region's last " + std::to_string(tail) + " bytes: ");
  }
  return Status::Ok();
}

}  // namespace rpbench::probe
