#include "engines/mempool_offload/mempool_engine.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/child_process.h"
#include "engines/mempool_offload/extent_io.h"
#include "engines/mempool_offload/pool_image.h"
#include "measure/clock.h"
#include "measure/os_probes.h"

namespace rpbench::mempool {

namespace {

double ms_since(uint64_t t0) { return static_cast<double>(measure::now_ns() - t0) / 1e6; }

void set_error(SaveRecord* rec, const Status& s) {
  rec->ok = s.ok() ? 1 : 0;
  rec->code = static_cast<uint32_t>(s.code());
  std::strncpy(rec->error, s.message().c_str(), sizeof rec->error - 1);
}

}  // namespace

StatusOr<std::unique_ptr<MempoolEngine>> MempoolEngine::open(const MempoolOptions& opt,
                                                             const transport::TransportOptions& transport) {
  if (transport.type == "none")
    return Status::InvalidArgument(
        "mempool-offload keeps its snapshots in remote memory: set transport.type (shm, tcp or verbs)");
  if (const std::string p = pool_range_problem(opt.pool_base, opt.pool_bytes); !p.empty())
    return Status::InvalidArgument("mempool-offload: " + p);
  StatusOr<PoolStore> pool = PoolStore::create(
      static_cast<uint64_t>(opt.pool_base), static_cast<uint64_t>(opt.pool_bytes),
      opt.thp == PoolThp::kDefault ? std::nullopt : std::optional<bool>(opt.thp == PoolThp::kMadvise));
  if (!pool.ok()) return pool.status().with_context("mempool-offload: ");
  StatusOr<std::unique_ptr<transport::RemoteMemory>> remote = transport::RemoteMemory::open(transport);
  if (!remote.ok()) return remote.status().with_context("mempool-offload: ");
  std::unique_ptr<MempoolEngine> e(new MempoolEngine(opt, std::move(*pool), std::move(*remote)));
  StatusOr<std::unique_ptr<remote::RemoteSlots>> slots = remote::RemoteSlots::open(e->remote_->transport());
  if (!slots.ok()) return slots.status().with_context("mempool-offload: ");
  e->slots_ = std::move(*slots);
  e->areas_ = remote::SlotAreas::halves(e->remote_->transport().region_bytes());
  return e;
}

MempoolEngine::MempoolEngine(const MempoolOptions& opt, PoolStore pool, std::unique_ptr<transport::RemoteMemory> remote)
    : Engine(kMempoolEngineInfo), opt_(opt), pool_(std::move(pool)), remote_(std::move(remote)) {}

MempoolEngine::~MempoolEngine() { child_.kill(); }

std::chrono::milliseconds MempoolEngine::stall() const {
  return std::chrono::milliseconds(static_cast<int64_t>(remote_->options().io_timeout_ms) + 10000);
}

Status MempoolEngine::begin_snapshot() {
  if (child_.running() || done_) return Status::FailedPrecondition("mempool-offload: a snapshot is already running");
  if (areas_.capacity == 0)
    return Status::ResourceExhausted("mempool-offload: the memory node's region of " +
                                     std::to_string(remote_->transport().region_bytes()) +
                                     " bytes leaves no room for two slots");
  const uint64_t t0 = measure::now_ns();
  StatusOr<remote::RemoteSlots::Target> target = slots_->prepare();
  if (!target.ok()) return target.status().with_context("mempool-offload: preparing the snapshot's slot: ");
  plan_ = SavePlan{};
  plan_.options = opt_;
  plan_.digest = opt_.snapshot_digest;
  plan_.target = *target;
  plan_.area_offset = areas_.offset(target->slot);
  plan_.capacity = areas_.capacity;
  plan_.region_bytes = remote_->transport().region_bytes();
  plan_.stall = stall();
  plan_.prepare_us = ms_since(t0) * 1e3;
  where_ = "slot " + std::to_string(target->slot) + " (snapshot " + std::to_string(target->sequence) + ") of " +
           remote_->describe();
  const std::string& type = remote_->options().type;
  if (opt_.snapshot_mode == SnapshotMode::kPause) {
    SaveRecord rec{};
    rec.magic = kSaveRecordMagic;
    rec.start_ns = t0;
    const Status s = save_pool(remote_->transport(), *slots_, pool_, plan_, &rec);
    set_error(&rec, s);
    rec.private_dirty_bytes = -1;
    const double pause_us = ms_since(t0) * 1e3;
    done_ = save_report(rec, plan_, s.ok() ? s : s.with_context("mempool-offload: "), pause_us, pause_us, where_, type);
    return Status::Ok();
  }
  const Status s = child_.start([this](int fd) {
    SaveRecord rec{};
    rec.magic = kSaveRecordMagic;
    rec.start_ns = measure::now_ns();
    rec.private_dirty_after_register = -1;
    Status st;
    try {
      StatusOr<std::unique_ptr<transport::Transport>> t = remote_->connect_again();
      if (!t.ok()) {
        st = t.status().with_context("the snapshot child could not connect to the memory node: ");
      } else {
        rec.connected_ns = measure::now_ns();
        StatusOr<std::unique_ptr<remote::RemoteSlots>> sl = remote::RemoteSlots::open(**t);
        st = sl.ok() ? save_pool(**t, **sl, pool_, plan_, &rec) : sl.status();
      }
    } catch (const std::exception& e) {
      st = Status::Internal(std::string("snapshot child: ") + e.what());
    }
    set_error(&rec, st);
    rec.private_dirty_bytes = measure::private_dirty_bytes(0);
    write_record(fd, rec);
    ::_exit(rec.ok ? 0 : 1);
  });
  if (!s.ok()) return s.with_context("mempool-offload: ");
  pool_.kv().pause_resize(true);
  return Status::Ok();
}

SnapshotReport MempoolEngine::finish_child(const ReportingChild<SaveRecord>::Exit& e) {
  const bool have = e.record && e.record->magic == kSaveRecordMagic;
  SaveRecord rec = have ? *e.record : SaveRecord{};
  if (!have) rec.private_dirty_bytes = -1;
  rec.error[sizeof rec.error - 1] = '\0';
  const std::string who = "mempool-offload: snapshot child " + std::to_string(e.pid);
  Status status;
  if (!WIFEXITED(e.wait_status) || !have) {
    // It may have died between its commit and its report: look (the parent's connection is idle).
    std::string state = "is not committed";
    StatusOr<std::array<remote::SlotState, remote::kSlotCount>> st = slots_->read();
    if (!st.ok()) {
      state = "may or may not be committed (reading it failed: " + st.status().message() + ")";
    } else {
      const remote::SlotState& slot = (*st)[static_cast<size_t>(plan_.target.slot)];
      if (slot.committed && slot.header && slot.header->sequence == plan_.target.sequence)
        state = "was committed before it died";
    }
    status = Status::Unavailable(who + " " + describe_wait_status(e.wait_status) +
                                 (have ? "" : " without sending its report") + "; its slot " +
                                 std::to_string(plan_.target.slot) + " " + state);
  } else if (WEXITSTATUS(e.wait_status) != 0 || rec.ok == 0) {
    const auto code = rec.code != 0 && rec.code <= static_cast<uint32_t>(Status::Code::kInternal)
                          ? static_cast<Status::Code>(rec.code)
                          : Status::Code::kIoError;
    status = Status::FromCode(
        code,
        who + " failed: " + (rec.error[0] != '\0' ? std::string(rec.error) : describe_wait_status(e.wait_status)));
  }
  SnapshotReport rep = save_report(rec, plan_, std::move(status), e.fork_us, plan_.prepare_us + e.fork_us, where_,
                                   remote_->options().type);
  rep.child_pid = e.pid;
  return rep;
}

std::optional<SnapshotReport> MempoolEngine::poll_snapshot() {
  std::optional<SnapshotReport> r;
  if (done_) {
    r = std::move(done_);
    done_.reset();
  } else if (std::optional<ReportingChild<SaveRecord>::Exit> e = child_.poll()) {
    pool_.kv().pause_resize(false);
    r = finish_child(*e);
  }
  if (r) ++(r->ok() ? snapshots_ok_ : snapshots_failed_);
  return r;
}

Status MempoolEngine::load_slot(const remote::SlotState& s, RecoveryReport* rep) {
  const remote::SlotHeader& h = *s.header;
  StatusOr<PoolImage> im =
      check_image_header(h, pool_.base(), pool_.mapping().bytes(), remote_->transport().region_bytes());
  if (!im.ok()) return im.status();
  const uint64_t extent = h.payload_bytes;
  const uint64_t t0 = measure::now_ns();
  if (Status r = pool_.reset(); !r.ok()) return r;
  const char* populate = "none";
  if (opt_.recovery_prefault == RecoveryPrefault::kPopulate) {
    StatusOr<const char*> p = pool_.mapping().populate(extent);
    if (!p.ok()) return p.status();
    populate = *p;
  }
  const double populate_ms = ms_since(t0);
  ExtentIo io;
  io.chunk_bytes = static_cast<uint64_t>(opt_.chunk_bytes);
  io.window = static_cast<int>(opt_.chunks_in_flight);
  io.stall = stall();
  ExtentIoStats st;
  uint64_t checksum = 0;
  const uint64_t t_read = measure::now_ns();
  Status r = read_extent(remote_->transport(), pool_.mapping().data(), extent, h.payload_offset, io, &checksum, &st);
  const double read_ms = ms_since(t_read);
  if (r.ok() && checksum != h.payload_checksum)
    r = Status::Corruption("the extent's checksum does not match its header's (the saved pool is damaged)");
  if (r.ok() && pool_.control().checksum != im->control_checksum)
    r = Status::Corruption("the control block's checksum differs from the one the header recorded");
  if (!r.ok()) {
    (void)pool_.reset(extent);
    return r;
  }
  const uint64_t t_fix = measure::now_ns();
  if (Status a = pool_.adopt(extent); !a.ok()) return a;
  if (pool_.kv().size() != im->keys) {
    const std::string msg = "the recovered store holds " + std::to_string(pool_.kv().size()) +
                            " keys, the header says " + std::to_string(im->keys);
    (void)pool_.reset(extent);
    return Status::Corruption(msg);
  }
  const double fixup_ms = ms_since(t_fix);
  const double total_ms = ms_since(t0);
  recovered_digest_ = s.late_digest;
  rep->bytes = static_cast<int64_t>(extent);
  rep->keys = static_cast<int64_t>(pool_.kv().size());
  const double mbps = read_ms > 0 ? static_cast<double>(extent) / 1e6 / (read_ms / 1e3) : 0.0;
  char line[300];
  std::snprintf(line, sizeof line,
                "from slot %d (snapshot %llu) over %s: %.1f MB extent, populate %.1f ms, read %.1f ms = %.0f MB/s, "
                "fix-up %.3f ms, no parse",
                s.slot, static_cast<unsigned long long>(h.sequence), remote_->options().type.c_str(),
                static_cast<double>(extent) / 1e6, populate_ms, read_ms, mbps, fixup_ms);
  rep->summary = line;
  rep->extra =
      nlohmann::json{{"transport", remote_->options().type},
                     {"slot", s.slot},
                     {"sequence", h.sequence},
                     {"extent_bytes", extent},
                     {"live_bytes", im->live_bytes},
                     {"pool_base", hex_address(im->pool_base)},
                     {"recovery_prefault", std::string(name_of(kRecoveryPrefaultNames, opt_.recovery_prefault))},
                     {"populate_method", populate},
                     {"populate_ms", populate_ms},
                     {"read_ms", read_ms},
                     {"read_register_ms", static_cast<double>(st.register_ns) / 1e6},
                     {"read_checksum_ms", static_cast<double>(st.checksum_ns) / 1e6},
                     {"fixup_ms", fixup_ms},
                     {"total_ms", total_ms},
                     {"mb_per_s", mbps},
                     {"payload_checksum_verified", true},
                     {"control_checksum_verified", true},
                     {"digest_stored", s.late_digest.has_value()},
                     {"created_unix_ns", h.created_unix_ns}};
  return Status::Ok();
}

RecoveryReport MempoolEngine::recover() {
  RecoveryReport rep;
  rep.source = remote_->describe();
  recovered_digest_.reset();
  if (child_.running()) {
    rep.status = Status::FailedPrecondition("mempool-offload: cannot recover while a snapshot child (pid " +
                                            std::to_string(child_.pid()) + ") is running");
    return rep;
  }
  StatusOr<remote::RemoteSlots::Candidates> cand = slots_->candidates();
  if (!cand.ok()) {
    (void)pool_.reset();
    rep.status = cand.status().with_context("mempool-offload: ");
    return rep;
  }
  const remote::SlotRecovery got = remote::recover_newest(
      *cand, "mempool-offload", [&](const remote::SlotState& s, const std::string&) { return load_slot(s, &rep); });
  if (!got.status.ok()) {
    (void)pool_.reset();
    rep.status = got.status;
    return rep;
  }
  rep.source = got.name + " of " + remote_->describe();
  rep.extra["skipped"] = got.skipped.empty() ? nlohmann::json(nullptr) : nlohmann::json(got.skipped);
  return rep;
}

StatusOr<std::string> MempoolEngine::recovered_snapshot_digest() {
  if (!recovered_digest_) return Status::NotFound("mempool-offload has recovered no snapshot with a stored digest");
  return recovered_digest_->hex();
}

nlohmann::json MempoolEngine::report() const {
  nlohmann::json j;
  j["keys"] = pool_.kv().size();
  j["allocator"] = "pool";
  j["pool"] = pool_.report();
  j["thp"] = std::string(name_of(kPoolThpNames, opt_.thp));
  const int64_t rss = measure::rss_bytes();
  j["rss_bytes"] = rss >= 0 ? nlohmann::json(rss) : nlohmann::json(nullptr);
  j["remote"] = remote_->describe();
  j["transport"] = remote_->options().type;
  j["region_bytes"] = remote_->transport().region_bytes();
  j["slot_capacity_bytes"] = areas_.capacity;
  j["snapshot_mode"] = std::string(name_of(kSnapshotModeNames, opt_.snapshot_mode));
  j["chunk_bytes"] = opt_.chunk_bytes;
  j["chunks_in_flight"] = opt_.chunks_in_flight;
  j["snapshot_digest"] = opt_.snapshot_digest;
  j["snapshots_ok"] = snapshots_ok_;
  j["snapshots_failed"] = snapshots_failed_;
  return j;
}

}  // namespace rpbench::mempool

namespace rpbench {

EngineEntry mempool_engine_entry() {
  EngineEntry e;
  e.info = mempool::kMempoolEngineInfo;
  e.options = mempool::mempool_option_table().fields();
  e.check = [](const nlohmann::json& resolved) -> std::optional<ConfigProblem> {
    const nlohmann::json& eng = resolved.at("engine");
    const mempool::MempoolOptions defaults;
    const int64_t base = eng.value("pool_base", defaults.pool_base);
    const int64_t bytes = eng.value("pool_bytes", defaults.pool_bytes);
    if (const std::string p = mempool::pool_range_problem(base, bytes); !p.empty())
      return ConfigProblem{base % (int64_t{2} << 20) != 0 ? "engine.pool_base" : "engine.pool_bytes", p};
    return std::nullopt;
  };
  e.open = [](const EngineOpenArgs& args) -> StatusOr<std::unique_ptr<Engine>> {
    auto engine = mempool::MempoolEngine::open(mempool::mempool_option_table().bind(args.options), args.transport);
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<Engine>(std::move(*engine));
  };
  return e;
}

}  // namespace rpbench
