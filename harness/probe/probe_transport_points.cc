#include "harness/probe/probe_transport_points.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>
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
      : t_(t), buf_(buf), op_(op), size_(size), local_slots_(local_slots), remote_slots_(t.region_bytes() / size) {
    if (size == 0 || size > buf.bytes || size > t.region_bytes())
      throw std::invalid_argument(what(op, size) + ": must fit the local buffer (" + std::to_string(buf.bytes) +
                                  " bytes) and the region (" + std::to_string(t.region_bytes()) + " bytes)");
    local_slots_ = std::clamp<uint64_t>(local_slots_, 1, buf.bytes / size);
  }
  void post() {
    const uint64_t local = (next_ % local_slots_) * size_;
    const uint64_t remote = (next_ % remote_slots_) * size_;
    const Status s = t_.post(op_, next_, buf_.id, local, size_, remote);
    if (!s.ok()) throw std::runtime_error(what(op_, size_) + " at remote offset " + std::to_string(remote) +
                                          ": post failed: " + s.message());
    ++next_;
  }
  // Waits for at least one completion; returns how many, each checked.
  size_t reap() {
    const size_t n = t_.wait(completions_, kWaitTimeout);
    if (n == 0)
      throw std::runtime_error(what(op_, size_) + ": no completion within " + std::to_string(kWaitTimeout.count()) +
                               " ms (" + std::to_string(t_.pending()) + " pending)");
    for (size_t i = 0; i < n; ++i) {
      const Completion& c = completions_[i];
      if (!c.status.ok()) throw std::runtime_error(what(op_, size_) + " failed: " + c.status.message());
      if (c.bytes != size_)
        throw std::runtime_error(what(op_, size_) + " completed with " + std::to_string(c.bytes) + " bytes");
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
  uint64_t remote_slots_;
  uint64_t next_ = 0;
  std::array<Completion, 64> completions_;
};

}  // namespace

BandwidthPoint measure_bandwidth(Transport& t, const LocalBuffer& buf, Op op, uint64_t size, int queue_depth,
                                 double seconds, uint64_t min_transfers) {
  if (queue_depth < 1) throw std::invalid_argument("queue depth must be >= 1");
  if (t.pending() != 0) throw std::runtime_error("bandwidth point: the transport has transfers pending");
  const auto qd = static_cast<uint64_t>(queue_depth);
  Rotor rotor(t, buf, op, size, qd);  // one local slot per outstanding transfer, as ib_write_bw
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
    rotor.post();
    more = rotor.posted() < min_transfers || measure::now_ns() - t0 < budget_ns;
  }
  while (done < rotor.posted()) {
    done += rotor.reap();
    if (more) more = rotor.posted() < min_transfers || measure::now_ns() - t0 < budget_ns;
    while (more && rotor.posted() - done < qd) rotor.post();
  }
  const uint64_t t1 = measure::now_ns();
  p.transfers = done;
  p.bytes = done * size;
  p.seconds = static_cast<double>(t1 - t0) / 1e9;
  return p;
}

measure::Histogram measure_latency(Transport& t, const LocalBuffer& buf, Op op, uint64_t size, uint64_t samples,
                                   double seconds, uint64_t min_samples) {
  if (t.pending() != 0) throw std::runtime_error("latency point: the transport has transfers pending");
  Rotor rotor(t, buf, op, size, 1);
  for (int i = 0; i < 2; ++i) {  // untimed: first use of this size
    rotor.post();
    rotor.reap();
  }
  measure::Histogram h;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  const uint64_t start = measure::now_ns();
  while (h.count() < samples) {
    const uint64_t t0 = measure::now_ns();
    rotor.post();
    rotor.reap();
    const uint64_t t1 = measure::now_ns();
    h.record(t1 - t0);
    if (h.count() >= min_samples && t1 - start >= budget_ns) break;
  }
  return h;
}

void warm_region(Transport& t, const LocalBuffer& buf) {
  const uint64_t region = t.region_bytes();
  const uint64_t piece = std::min(buf.bytes, region);
  Rotor rotor(t, buf, Op::kWrite, piece, 4);
  const uint64_t count = region / piece;
  uint64_t done = 0;
  while (rotor.posted() < std::min<uint64_t>(count, 4)) rotor.post();
  while (done < rotor.posted()) {
    done += rotor.reap();
    while (rotor.posted() < count && rotor.posted() - done < 4) rotor.post();
  }
  // The tail when the region is not a multiple of the piece.
  if (const uint64_t tail = region - count * piece; tail > 0) {
    const Status s = transport::transfer(t, Op::kWrite, buf.id, 0, tail, count * piece);
    if (!s.ok()) throw std::runtime_error("warming the region's last " + std::to_string(tail) + " bytes: " + s.message());
  }
}

}  // namespace rpbench::probe
