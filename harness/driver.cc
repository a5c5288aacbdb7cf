#include "harness/driver.h"

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "harness/client_worker.h"
#include "harness/op_source.h"
#include "harness/snapshot_controller.h"
#include "measure/clock.h"
#include "measure/os_probes.h"
#include "measure/pacer.h"
#include "workloads/keys.h"
#include "workloads/op.h"
#include "workloads/values.h"

namespace rpbench {

using workloads::Op;
using workloads::OpType;

namespace {

constexpr int kOpTypes = workloads::kOpTypeCount;

void merge_into(PhaseResult& out, std::vector<std::unique_ptr<ThreadRecord>>& recs) {
  for (size_t i = 0; i < recs.size(); ++i) {
    ThreadRecord& r = *recs[i];
    out.ops += r.ops;
    out.errors += r.errors;
    out.not_found += r.not_found;
    out.service.merge(r.service);
    for (int k = 0; k < kOpTypes; ++k) {
      auto [it, inserted] = out.per_op.try_emplace(std::string(workloads::op_name(static_cast<OpType>(k))));
      for (int during = 0; during < 2; ++during) {
        const measure::Histogram& h = r.latency[k][during];
        out.all.merge(h);
        (during ? out.during_snapshot : out.normal).merge(h);
        it->second.merge(h);
      }
    }
    if (i == 0) {
      out.timeline.emplace(std::move(r.timeline));
    } else {
      out.timeline->merge(r.timeline);
    }
    if (out.first_error.empty()) out.first_error = r.first_error;
  }
}

}  // namespace

Driver::Driver(const ExperimentConfig& cfg, Engine& engine, ProgressSink* progress)
    : cfg_(cfg), engine_(engine), progress_(progress) {
  uint64_t want = 0;
  for (const auto& p : cfg_.phases)
    if (p.type == PhaseType::kVerify) want = std::max(want, p.sample_keys);
  if (want > 0 && cfg_.threads == 1 && cfg_.client_count == 1 && cfg_.workload.key_count > 0)
    sample_.emplace(cfg_.workload.key_count, want);
}

void Driver::attach_sample_hooks(SnapshotController& snaps) {
  if (!sample_) return;
  snaps.set_hooks([this] { sample_pending_ = sample_->entries(); },
                  [this] {
                    sample_at_snapshot_ = sample_pending_;
                    sample_snapshot_taken_ = true;
                  });
}

void Driver::check_sample(const PhaseConfig& phase, VerifyRecord& v) {
  if (phase.sample_keys == 0) {
    v.sample_note = "not asked for (sample_keys 0)";
    return;
  }
  if (!sample_) {
    v.sample_note =
        "not checked: several client threads (or clients) write concurrently, so what a key holds is not tracked";
    return;
  }
  if (!sample_snapshot_taken_) {
    v.sample_note = "not checked: no snapshot completed";
    return;
  }
  const auto& entries = sample_at_snapshot_;
  // At most phase.sample_keys of the tracked keys, evenly spread.
  const size_t step = std::max<size_t>(1, entries.size() / std::max<uint64_t>(1, phase.sample_keys));
  std::string key(cfg_.workload.key_size, '\0');
  std::string got;
  for (size_t i = 0; i < entries.size(); i += step) {
    const uint64_t id = sample_->id_of(i);
    workloads::make_key(id, cfg_.workload.key_size, key.data());
    const Status st = engine_.get(key, &got);
    ++v.sampled_keys;
    const KeySample::Entry& e = entries[i];
    std::string problem;
    if (e.version < 0) {
      if (!st.not_found()) problem = st.ok() ? "present, but it was deleted before the snapshot" : st.message();
    } else if (!st.ok()) {
      problem = st.not_found() ? "missing" : st.message();
    } else if (got != workloads::make_value(id, static_cast<uint64_t>(e.version), cfg_.workload.seed, e.size)) {
      problem = "holds other bytes than version " + std::to_string(e.version) + " (" + std::to_string(e.size) +
                " bytes; got " + std::to_string(got.size()) + ")";
    }
    if (!problem.empty()) {
      if (v.sample_mismatches == 0) v.sample_note = "key id " + std::to_string(id) + ": " + problem;
      ++v.sample_mismatches;
    }
  }
}

Status Driver::warm_up_memory() {
  if (!cfg_.measure.memory_warmup) return Status::Ok();
  uint64_t bytes = cfg_.measure.memory_warmup_bytes;
  if (bytes == 0) bytes = std::max<uint64_t>(2 * estimated_dataset_bytes(cfg_), 64ull << 20);
  return measure::memory_warmup(static_cast<size_t>(bytes));
}

Status Driver::run(Result& result) {
  for (const auto& phase : cfg_.phases) {
    if (stop_requested_.load()) return Status::FailedPrecondition("stopped by request before phase " + phase.name);
    PhaseResult out;
    out.name = phase.name;
    out.type = std::string(phase.type_name());
    out.started_unix_ms =
        std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
    engine_.begin_phase(phase.type_name());
    Status st;
    switch (phase.type) {
      case PhaseType::kLoad:
      case PhaseType::kRun: st = run_ops_phase(phase, out); break;
      case PhaseType::kSnapshot: st = run_snapshot_phase(phase, out); break;
      case PhaseType::kRecover: st = run_recover_phase(out); break;
      case PhaseType::kVerify: st = run_verify_phase(phase, out); break;
      case PhaseType::kCompact: st = run_compact_phase(out); break;
    }
    if (progress_) progress_->phase_done(phase.name);
    result.phases.push_back(std::move(out));
    if (!st.ok()) return st.with_context("phase " + phase.name + ": ");
  }
  return Status::Ok();
}

Status Driver::run_ops_phase(const PhaseConfig& phase, PhaseResult& out) {
  const bool is_load = phase.type == PhaseType::kLoad;
  const uint32_t threads = cfg_.threads;
  const bool open = !is_load && cfg_.measure.open_loop();
  out.threads = threads;
  out.measures_ops = true;
  out.split_by_snapshot = !is_load;
  out.pacing.open_loop = open;
  out.pacing.poisson = cfg_.measure.arrival == measure::Arrival::kPoisson;
  out.pacing.target_ops_per_s = cfg_.measure.rate;
  out.timeline_interval_ms = cfg_.measure.timeline_ms;

  if (Status s = warm_up_memory(); !s.ok()) return s;

  // Sources are built before the clock starts (a trace is opened and checked here).
  std::vector<std::unique_ptr<OpSource>> sources;
  // Client I of N (workload.client) runs threads I*T .. I*T+T-1 of the N*T streams.
  const uint32_t first = cfg_.client_index * threads, all = cfg_.client_count * threads;
  for (uint32_t t = 0; t < threads; ++t) {
    if (is_load) {
      sources.push_back(make_load_source(phase.workload, phase.ops, first + t, all));
      continue;
    }
    StatusOr<std::unique_ptr<OpSource>> src = make_run_source(phase.workload, cfg_.trace.value_or(""), first + t, all);
    if (!src.ok()) return src.status();
    sources.push_back(std::move(*src));
  }

  PhaseShared shared;
  shared.stop_requested = &stop_requested_;
  std::vector<LiveCounter> live(threads);
  const uint64_t interval_ns = static_cast<uint64_t>(cfg_.measure.timeline_ms * 1e6);
  const uint64_t start = measure::now_ns();
  std::vector<std::unique_ptr<ThreadRecord>> recs;
  for (uint32_t t = 0; t < threads; ++t) recs.push_back(std::make_unique<ThreadRecord>(start, interval_ns));

  SnapshotSchedule schedule;
  for (double s : phase.snapshot_at_s) schedule.at_ns.push_back(start + static_cast<uint64_t>(s * 1e9));
  std::sort(schedule.at_ns.begin(), schedule.at_ns.end());
  schedule.every_ops = phase.snapshot_every_ops;
  const bool snapshots = !schedule.at_ns.empty() || schedule.every_ops > 0;
  SnapshotController snaps(engine_, schedule, start, cfg_.measure.snapshot_poll_us * 1000,
                           static_cast<uint64_t>(phase.timeout_s * 1e9), shared.windows, snapshot_count_);
  attach_sample_hooks(snaps);

  std::vector<ClientWorker> workers;
  workers.reserve(threads);
  for (uint32_t t = 0; t < threads; ++t) {
    ClientPlan plan;
    plan.engine = &engine_;
    plan.workload = &phase.workload;
    plan.source = sources[t].get();
    plan.start_ns = start;
    if (phase.duration_s > 0) plan.end_ns = start + static_cast<uint64_t>(phase.duration_s * 1e9);
    // The timeline covers at most Timeline::kMaxIntervals intervals; ops after that still count
    // in the histograms (only an op-count phase running for days at a fine interval gets there).
    plan.timeline_end_ns = start + (measure::Timeline::kMaxIntervals - 1) * interval_ns;
    if (!is_load && phase.ops > 0) plan.quota = phase.ops / threads + (t < phase.ops % threads ? 1 : 0);
    plan.spin_ns = cfg_.measure.spin_us * 1000;
    if (open)
      plan.pacer.emplace(cfg_.measure.rate / threads, cfg_.measure.arrival, cfg_.seed * 0x9e3779b97f4a7c15ULL + t + 1,
                         start);
    if (t == 0 && snapshots) plan.snapshots = &snaps;
    if (sample_) plan.sample = &*sample_;  // only with one client thread
    workers.emplace_back(std::move(plan), shared, live[t], *recs[t]);
  }

  std::atomic<uint32_t> finished{0};
  std::vector<std::thread> pool;
  for (uint32_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      workers[t].run();
      finished.fetch_add(1);
    });
  // Progress: the calling thread watches until every worker is done.
  while (finished.load() < threads) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!progress_) continue;
    uint64_t ops = 0, p99 = 0;
    for (auto& l : live) {
      ops += l.ops.load(std::memory_order_relaxed);
      p99 = std::max(p99, l.p99_ns.load(std::memory_order_relaxed));
    }
    const double el = static_cast<double>(measure::now_ns() - start) / 1e9;
    progress_->update(phase.name, el, phase.duration_s, ops, el > 0 ? ops / el : 0, p99);
  }
  for (auto& th : pool) th.join();
  // The phase's measured window: from its start to the last op's completion, including whatever
  // the engine still had batched (a snapshot still running at the end is waited for, but that
  // wait is not operation time).
  uint64_t finish = start;
  for (const auto& r : recs) finish = std::max(finish, r->end_ns);
  const uint64_t end_phase_start = measure::now_ns();
  const Status ended = engine_.end_phase();
  finish += measure::now_ns() - end_phase_start;
  if (!ended.ok()) {
    ++recs[0]->errors;
    recs[0]->first_error = "engine " + std::string(engine_.name()) + ": " + ended.message();
    shared.failed.store(true);
  }
  out.duration_s = static_cast<double>(finish - start) / 1e9;
  merge_into(out, recs);
  out.events = std::move(snaps.events());
  out.snapshots = std::move(snaps.records());
  snapshot_count_ = snaps.next_index();
  if (!snaps.last_good_digest().empty()) last_snapshot_digest_ = snaps.last_good_digest();
  out.pacing.achieved_ops_per_s = out.duration_s > 0 ? static_cast<double>(out.ops) / out.duration_s : 0;
  // Open loop keeps up when it completed (nearly) every scheduled op within the phase.
  out.pacing.kept_up = !open || out.pacing.achieved_ops_per_s >= 0.97 * cfg_.measure.rate;
  if (shared.failed.load()) {
    // The first failure: thread 0's when it has one (it runs the snapshots), else another thread's.
    for (const auto& w : workers)
      if (!w.failure().ok()) return w.failure();
    if (!ended.ok()) return ended.with_context("engine " + std::string(engine_.name()) + ": ");
    return Status::Internal(out.first_error.empty() ? "a client thread failed" : out.first_error);
  }
  if (stop_requested_.load()) return Status::FailedPrecondition("stopped by request");
  return Status::Ok();
}

Status Driver::run_snapshot_phase(const PhaseConfig& phase, PhaseResult& out) {
  SnapshotWindows windows;
  const uint64_t start = measure::now_ns();
  SnapshotController snaps(engine_, {}, start, cfg_.measure.snapshot_poll_us * 1000,
                           static_cast<uint64_t>(phase.timeout_s * 1e9), windows, snapshot_count_);
  attach_sample_hooks(snaps);
  Status st = snaps.begin(start);
  if (st.ok()) st = snaps.finish();
  out.duration_s = static_cast<double>(measure::now_ns() - start) / 1e9;
  out.events = std::move(snaps.events());
  out.snapshots = std::move(snaps.records());
  snapshot_count_ = snaps.next_index();
  if (!snaps.last_good_digest().empty()) last_snapshot_digest_ = snaps.last_good_digest();
  return st;
}

Status Driver::run_recover_phase(PhaseResult& out) {
  const uint64_t start = measure::now_ns();
  RecoveryRecord rec;
  rec.report = engine_.recover();
  rec.duration_ms = static_cast<double>(measure::now_ns() - start) / 1e6;
  out.duration_s = rec.duration_ms / 1e3;
  const Status st = rec.report.status;
  if (st.ok() && sample_ && sample_snapshot_taken_) sample_->restore(sample_at_snapshot_);
  out.recovery = std::move(rec);
  return st.with_context("recovery failed: ");
}

Status Driver::run_compact_phase(PhaseResult& out) {
  const uint64_t start = measure::now_ns();
  CompactRecord rec;
  rec.report = engine_.compact();
  rec.duration_ms = static_cast<double>(measure::now_ns() - start) / 1e6;
  out.duration_s = rec.duration_ms / 1e3;
  const Status st = rec.report.status;
  out.compaction = std::move(rec);
  return st.with_context("compaction failed: ");
}

Status Driver::run_verify_phase(const PhaseConfig& phase, PhaseResult& out) {
  const uint64_t start = measure::now_ns();
  VerifyRecord v;
  v.expected_digest = last_snapshot_digest_;
  std::string digest_error;
  if (!v.expected_digest.empty()) {
    v.expected_from = "snapshot";
  } else if (StatusOr<std::string> d = engine_.recovered_snapshot_digest(); d.ok()) {
    v.expected_digest = *d;
    v.expected_from = "recovered_file";
  } else if (!d.status().not_found()) {
    digest_error = "the recovered snapshot's digest: " + d.status().message();
  }
  if (StatusOr<std::string> d = engine_.digest(); d.ok()) {
    v.actual_digest = *d;
  } else if (digest_error.empty()) {
    digest_error = "the recovered store's digest: " + d.status().message();
  }
  v.ok = digest_error.empty() && !v.expected_digest.empty() && v.expected_digest == v.actual_digest;
  check_sample(phase, v);
  if (v.sample_mismatches > 0) v.ok = false;
  out.duration_s = static_cast<double>(measure::now_ns() - start) / 1e9;
  Status st;
  if (v.sample_mismatches > 0) {
    st = Status::Corruption("verify failed: " + std::to_string(v.sample_mismatches) + " of " +
                            std::to_string(v.sampled_keys) +
                            " sampled keys differ from what was written before the snapshot (" + v.sample_note + ")");
  } else if (!digest_error.empty()) {
    st = Status::Unavailable("verify failed: cannot compute " + digest_error);
  } else if (!v.ok) {
    st = Status::Corruption(
        "verify failed: recovered digest " + v.actual_digest + " differs from the snapshot's digest " +
        (v.expected_digest.empty() ? std::string("(none: no snapshot succeeded)") : v.expected_digest));
  }
  out.verify = std::move(v);
  return st;
}

}  // namespace rpbench
