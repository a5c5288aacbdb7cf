#include "harness/client_worker.h"

#include <sys/prctl.h>

#include <string>
#include <utility>

#include "measure/clock.h"
#include "workloads/keys.h"
#include "workloads/values.h"

namespace rpbench {

using workloads::Op;
using workloads::OpType;

namespace {

// Executes one op on the engine: builds the key, and the value for writes.
class OpExecutor {
 public:
  OpExecutor(Engine& engine, const workloads::WorkloadSpec& spec)
      : engine_(engine), key_size_(spec.key_size), seed_(spec.seed), key_(spec.key_size, '\0') {}

  Status execute(const Op& op) {
    workloads::make_key(op.key_id, key_size_, key_.data());
    switch (op.type) {
      case OpType::kRead: return engine_.get(key_, &read_buf_);
      case OpType::kUpdate:
      case OpType::kInsert: return engine_.put(key_, value(op));
      case OpType::kDelete: return engine_.del(key_);
      case OpType::kReadModifyWrite: {
        const Status st = engine_.get(key_, &read_buf_);
        if (!st.ok() && !st.not_found()) return st;
        return engine_.put(key_, value(op));
      }
    }
    return Status::Internal("unknown op");
  }

 private:
  std::string_view value(const Op& op) {
    if (value_buf_.size() < op.value_size) value_buf_.resize(op.value_size);
    workloads::fill_value(op.key_id, op.version, seed_, value_buf_.data(), op.value_size);
    return {value_buf_.data(), op.value_size};
  }

  Engine& engine_;
  uint32_t key_size_;
  uint64_t seed_;
  std::string key_;
  std::string read_buf_;
  std::string value_buf_;
};

}  // namespace

ClientWorker::ClientWorker(ClientPlan plan, PhaseShared& shared, LiveCounter& live, ThreadRecord& record)
    : plan_(std::move(plan)), shared_(shared), live_(live), rec_(record) {}

void ClientWorker::fail(Status why) {
  failure_ = std::move(why);
  shared_.failed.store(true);
  shared_.stop.store(true);
}

void ClientWorker::track(const Op& op, const Status& st) {
  if (!plan_.sample->sampled(op.key_id)) return;
  if (op.type == OpType::kDelete) {
    if (st.ok() || st.not_found()) plan_.sample->on_delete(op.key_id);
  } else if (op.type != OpType::kRead && st.ok()) {
    plan_.sample->on_write(op.key_id, op.version, op.value_size);
  }
}

void ClientWorker::record(const Op& op, uint64_t intended, uint64_t begin, uint64_t done) {
  const uint64_t lat = done - intended;
  ThreadRecord& rec = rec_;
  const uint64_t ops = rec.ops + 1;
  rec.ops = ops;
  rec.latency[static_cast<int>(op.type)][shared_.windows.during(intended) ? 1 : 0].record(lat);
  if (plan_.pacer) rec.service.record(done - begin);
  if (intended < plan_.timeline_end_ns) rec.timeline.record(intended, lat);
  if ((ops & 255) == 0) {
    live_.ops.store(ops, std::memory_order_relaxed);
    live_.p99_ns.store(rec.timeline.last_completed_p99_ns(), std::memory_order_relaxed);
  }
}

void ClientWorker::run() {
  // Timer slack 1 ns: when this thread sleeps until an op is due, it asks to wake on time.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  OpExecutor exec(*plan_.engine, *plan_.workload);
  Op op{};
  for (uint64_t i = 0; i < plan_.quota; ++i) {
    if (shared_.stop.load(std::memory_order_relaxed) ||
        (shared_.stop_requested && shared_.stop_requested->load(std::memory_order_relaxed)))
      break;
    uint64_t intended = 0;
    if (plan_.pacer) {
      intended = plan_.pacer->next_intended_ns();
      if (intended >= plan_.end_ns) break;
      measure::wait_until_ns(intended, plan_.spin_ns);
    }
    const uint64_t begin = measure::now_ns();
    if (!plan_.pacer) {
      if (begin >= plan_.end_ns) break;
      intended = begin;
    }
    if (!plan_.source->next(&op)) {  // load done, trace exhausted, or a corrupt trace record
      if (const Status s = plan_.source->status(); !s.ok()) {
        ++rec_.errors;
        rec_.first_error = s.message();
        fail(s);
      }
      break;
    }
    const Status st = exec.execute(op);
    const uint64_t done = measure::now_ns();
    if (plan_.sample) track(op, st);
    record(op, intended, begin, done);
    if (!st.ok()) {
      if (!st.not_found()) {
        ++rec_.errors;
        fail(st.with_context("engine " + std::string(plan_.engine->name()) + ": "));
        rec_.first_error = failure_.message();
        break;
      }
      ++rec_.not_found;
    }
    if (plan_.snapshots) {
      if (Status s = plan_.snapshots->tick(done, rec_.ops); !s.ok()) {
        fail(std::move(s));
        break;
      }
    }
  }
  live_.ops.store(rec_.ops, std::memory_order_relaxed);
  rec_.end_ns = measure::now_ns();
  // The phase ends for thread 0 only when its snapshot has completed (child reaped).
  if (plan_.snapshots && failure_.ok()) {
    if (Status s = plan_.snapshots->finish(); !s.ok()) {
      failure_ = std::move(s);
      shared_.failed.store(true);
    }
  }
}

}  // namespace rpbench
