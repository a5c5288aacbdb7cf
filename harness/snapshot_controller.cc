#include "harness/snapshot_controller.h"

#include <thread>

#include "measure/clock.h"

namespace rpbench {

SnapshotController::SnapshotController(Engine& engine, SnapshotSchedule schedule, uint64_t phase_start_ns,
                                       uint64_t poll_interval_ns, uint64_t timeout_ns, SnapshotWindows& windows,
                                       int first_index)
    : engine_(engine),
      schedule_(std::move(schedule)),
      next_every_(schedule_.every_ops),
      phase_start_ns_(phase_start_ns),
      poll_interval_ns_(poll_interval_ns),
      timeout_ns_(timeout_ns),
      windows_(windows),
      next_index_(first_index) {}

Status SnapshotController::tick(uint64_t now_ns, uint64_t ops_done) {
  if (running_) {
    if (now_ns < next_poll_ns_) return Status::Ok();
    return poll(now_ns);
  }
  bool due = false;
  if (next_at_ < schedule_.at_ns.size() && now_ns >= schedule_.at_ns[next_at_]) {
    ++next_at_;
    due = true;
  }
  if (schedule_.every_ops && ops_done >= next_every_) {
    next_every_ = ops_done + schedule_.every_ops;
    due = true;
  }
  return due ? begin(now_ns) : Status::Ok();
}

Status SnapshotController::begin(uint64_t /*now_ns*/) {
  Running r;
  r.record.index = next_index_++;
  r.record.engine = std::string(engine_.name());
  r.probe = std::make_unique<measure::SnapshotProbe>();
  if (on_begin_) on_begin_();
  r.start_ns = measure::now_ns();
  r.record.started_ms = ms_since_phase(r.start_ns);
  windows_.open(r.start_ns);
  events_.push_back({r.record.started_ms, "snapshot_start", r.record.index});
  const Status st = engine_.begin_snapshot();
  const uint64_t returned = measure::now_ns();
  if (!st.ok()) {
    windows_.close(returned);
    events_.push_back({ms_since_phase(returned), "snapshot_failed", r.record.index});
    r.record.report.status = st;
    r.record.duration_ms = static_cast<double>(returned - r.start_ns) / 1e6;
    r.record.probe = r.probe->finish();
    records_.push_back(std::move(r.record));
    return st.with_context("snapshot " + std::to_string(records_.back().index) + " could not begin: ");
  }
  events_.push_back({ms_since_phase(returned), "fork_returned", r.record.index});
  next_poll_ns_ = returned + poll_interval_ns_;
  running_ = std::move(r);
  return Status::Ok();
}

Status SnapshotController::poll(uint64_t now_ns) {
  Running& r = *running_;
  r.probe->sample();
  std::optional<SnapshotReport> rep = engine_.poll_snapshot();
  const uint64_t t = measure::now_ns();
  if (!rep) {
    if (t - r.start_ns > timeout_ns_)
      return Status::Timeout("snapshot " + std::to_string(r.record.index) + " not complete after " +
                             std::to_string(timeout_ns_ / 1000000000.0) + " s (timeout_s)");
    next_poll_ns_ = now_ns + poll_interval_ns_;
    return Status::Ok();
  }
  windows_.close(t);
  r.record.report = std::move(*rep);
  r.record.duration_ms = static_cast<double>(t - r.start_ns) / 1e6;
  r.record.probe = r.probe->finish();
  if (const auto done = r.record.report.child_done_ns; done && *done >= r.start_ns && *done <= t)
    events_.push_back({ms_since_phase(*done), "child_done", r.record.index});
  events_.push_back({ms_since_phase(t), r.record.report.ok() ? "reaped" : "snapshot_failed", r.record.index});
  const Status st = r.record.report.status.with_context("snapshot " + std::to_string(r.record.index) + " failed: ");
  if (st.ok()) {
    last_good_digest_ = r.record.report.digest;
    if (on_good_) on_good_();
  }
  records_.push_back(std::move(r.record));
  running_.reset();
  return st;
}

Status SnapshotController::finish() {
  while (running_) {
    const uint64_t now = measure::now_ns();
    if (Status s = poll(now); !s.ok()) return s;
    if (running_) std::this_thread::sleep_for(std::chrono::nanoseconds(poll_interval_ns_));
  }
  return Status::Ok();
}

}  // namespace rpbench
