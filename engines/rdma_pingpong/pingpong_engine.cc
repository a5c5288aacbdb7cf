#include "engines/rdma_pingpong/pingpong_engine.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "engines/kvstore/allocator_stats.h"
#include "engines/rdb/file_sink.h"
#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdma_pingpong/remote_source.h"
#include "measure/clock.h"
#include "measure/os_probes.h"

namespace rpbench::pingpong {

namespace {

double ms_since(uint64_t t0) { return static_cast<double>(measure::now_ns() - t0) / 1e6; }

// What makes a committed header unusable for this engine; ok when it is an RDB stream inside the region.
Status check_stream_header(const remote::SlotHeader& h, uint64_t region_bytes) {
  if (h.kind != remote::PayloadKind::kRdbStream)
    return Status::FailedPrecondition("holds a " + std::string(remote::payload_kind_name(h.kind)) +
                                      " payload, not an RDB stream (another engine wrote this region)");
  if (h.format_version != kRdbStreamFormat)
    return Status::FailedPrecondition("holds an RDB stream of version " + std::to_string(h.format_version) +
                                      " (this build reads version " + std::to_string(kRdbStreamFormat) + ")");
  if (h.payload_bytes == 0) return Status::Corruption("holds an empty stream");
  if (h.payload_offset < remote::kHeadersBytes || h.payload_offset > region_bytes ||
      h.payload_bytes > region_bytes - h.payload_offset)
    return Status::Corruption("its payload [" + std::to_string(h.payload_offset) + ", +" +
                              std::to_string(h.payload_bytes) + ") lies outside the region of " +
                              std::to_string(region_bytes) + " bytes");
  return Status::Ok();
}

}  // namespace

struct PingpongEngine::ReadBuffers {
  transport::Transport& t;
  remote::StreamBuffers own;             // empty when the shared set is used
  const remote::StreamBuffers* buffers;  // the set to read into
  transport::BufferId id = 0;
  ReadBuffers(transport::Transport& tr, const remote::StreamBuffers* b, transport::BufferId i)
      : t(tr), buffers(b), id(i) {}
  ~ReadBuffers() {
    if (own.data() != nullptr) (void)t.deregister_buffer(id);
  }
};

StatusOr<std::unique_ptr<PingpongEngine::ReadBuffers>> PingpongEngine::read_buffers() {
  transport::Transport& t = remote_->transport();
  if (shared_.data() != nullptr) return std::make_unique<ReadBuffers>(t, &shared_, shared_id_);
  StatusOr<remote::StreamBuffers> b =
      remote::StreamBuffers::create(static_cast<int>(opt_.buffers), static_cast<uint64_t>(opt_.buffer_bytes),
                                    /*shared=*/false, opt_.prefault_buffers);
  if (!b.ok()) return b.status();
  auto rb = std::make_unique<ReadBuffers>(t, nullptr, 0);
  rb->own = std::move(*b);
  rb->buffers = &rb->own;
  if (Status s = t.register_buffer(rb->own.data(), rb->own.total_bytes(), &rb->id); !s.ok()) {
    rb->own = remote::StreamBuffers();
    return s.with_context("registering the recovery buffers: ");
  }
  return rb;
}

std::chrono::milliseconds PingpongEngine::stall() const {
  return std::chrono::milliseconds(static_cast<int64_t>(remote_->options().io_timeout_ms) + 10000);
}

StatusOr<std::unique_ptr<PingpongEngine>> PingpongEngine::open(const PingpongOptions& opt,
                                                               const transport::TransportOptions& transport) {
  if (transport.type == "none")
    return Status::InvalidArgument(
        "rdma-pingpong keeps its snapshots in remote memory: set transport.type (shm, tcp or verbs)");
  StatusOr<std::unique_ptr<transport::RemoteMemory>> remote = transport::RemoteMemory::open(transport);
  if (!remote.ok()) return remote.status().with_context("rdma-pingpong: ");
  std::unique_ptr<PingpongEngine> e(new PingpongEngine(opt, std::move(*remote)));
  if (Status s = e->store_.apply_thp(); !s.ok()) return s;
  StatusOr<std::unique_ptr<remote::RemoteSlots>> slots = remote::RemoteSlots::open(e->remote_->transport());
  if (!slots.ok()) return slots.status().with_context("rdma-pingpong: ");
  e->slots_ = std::move(*slots);
  e->areas_ = remote::SlotAreas::halves(e->remote_->transport().region_bytes());
  if (opt.fork_mode == ForkMode::kParentPosts) {
    StatusOr<remote::StreamBuffers> b =
        remote::StreamBuffers::create(static_cast<int>(opt.buffers), static_cast<uint64_t>(opt.buffer_bytes),
                                      /*shared=*/true, opt.prefault_buffers);
    if (!b.ok()) return b.status().with_context("rdma-pingpong: ");
    e->shared_ = std::move(*b);
    if (Status s = e->remote_->transport().register_buffer(e->shared_.data(), e->shared_.total_bytes(), &e->shared_id_);
        !s.ok()) {
      e->shared_ = remote::StreamBuffers();
      return s.with_context("rdma-pingpong: registering the shared snapshot buffers: ");
    }
  }
  return e;
}

PingpongEngine::PingpongEngine(const PingpongOptions& opt, std::unique_ptr<transport::RemoteMemory> remote)
    : Engine(kPingpongEngineInfo), opt_(opt), remote_(std::move(remote)), store_(kPingpongEngineInfo.name, opt.thp) {}

PingpongEngine::~PingpongEngine() {
  stream_.abort();  // before the buffers, the slots and the connection go
  if (shared_.data() != nullptr) (void)remote_->transport().deregister_buffer(shared_id_);
}

Status PingpongEngine::put(std::string_view key, std::string_view value) { return store_.put(key, value); }

Status PingpongEngine::get(std::string_view key, std::string* value) { return store_.get(key, value); }

Status PingpongEngine::del(std::string_view key) { return store_.del(key); }

Status PingpongEngine::begin_snapshot() {
  if (stream_.running())
    return Status::FailedPrecondition("rdma-pingpong: a snapshot is already running (child pid " +
                                      std::to_string(stream_.pid()) + ")");
  if (areas_.capacity == 0)
    return Status::ResourceExhausted("rdma-pingpong: the memory node's region of " +
                                     std::to_string(remote_->transport().region_bytes()) +
                                     " bytes leaves no room for two slots");
  store_.thp().advise();
  StreamPlan plan;
  const uint64_t t0 = measure::now_ns();
  StatusOr<remote::RemoteSlots::Target> target = slots_->prepare();
  plan.prepare_us = ms_since(t0) * 1e3;
  if (!target.ok()) return target.status().with_context("rdma-pingpong: preparing the snapshot's slot: ");
  plan.options = opt_;
  plan.target = *target;
  plan.area_offset = areas_.offset(target->slot);
  plan.capacity = areas_.capacity;
  plan.region_bytes = remote_->transport().region_bytes();
  plan.writer.used_mem = kvstore::allocated_bytes();
  plan.writer.producer = "rdma-pingpong";
  plan.writer.test_pause_after_header_ms = opt_.test_child_pause_ms;
  plan.stall = stall();
  ParentSide parent;
  parent.transport = &remote_->transport();
  parent.buffers = &shared_;
  parent.buffer_id = shared_id_;
  parent.slots = slots_.get();
  Status s = stream_.start(store_.kv(), plan, *remote_, parent);
  if (s.ok()) store_.kv().pause_resize(true);
  return s;
}

std::optional<SnapshotReport> PingpongEngine::poll_snapshot() {
  std::optional<SnapshotReport> r = stream_.poll();
  if (!r) return r;
  store_.kv().pause_resize(false);
  if (r->ok())
    ++snapshots_ok_;
  else
    ++snapshots_failed_;
  return r;
}

// Loads slot `s` (`name` for messages) through `rb` into the store, filling rep's figures.
Status PingpongEngine::load_slot(const remote::SlotState& s, const std::string& name, ReadBuffers& rb, uint64_t t0,
                                 RecoveryReport* rep) {
  if (Status bad = check_stream_header(*s.header, remote_->transport().region_bytes()); !bad.ok()) return bad;
  const uint64_t t_slot = measure::now_ns();
  RemoteSource src(remote_->transport(), rb.id, *rb.buffers, *s.header, stall(), name);
  const rdb::RdbLoadResult r = rdb::load_rdb(&src, &store_.kv(), store_.load_tick());
  if (!r.status.ok()) return r.status;
  store_.after_load();
  const double total_ms = ms_since(t_slot);
  const double wait_ms = static_cast<double>(src.wait_ns()) / 1e6;
  recovered_digest_ = s.header->digest;
  rep->bytes = static_cast<int64_t>(s.header->payload_bytes);
  rep->keys = r.keys;
  char line[256];
  std::snprintf(line, sizeof line, "from slot %d (snapshot %llu) over %s: read %.1f ms, parse %.1f ms, %.0f MB/s",
                s.slot, static_cast<unsigned long long>(s.header->sequence), remote_->options().type.c_str(),
                static_cast<double>(src.reads().busy_ns) / 1e6, std::max(0.0, total_ms - wait_ms),
                total_ms > 0 ? static_cast<double>(s.header->payload_bytes) / 1e6 / (total_ms / 1e3) : 0.0);
  rep->summary = line;
  rep->extra = nlohmann::json{
      {"transport", remote_->options().type},
      {"slot", s.slot},
      {"sequence", s.header->sequence},
      {"rdb_version", r.version},
      {"checksum_verified", r.checksum_verified},
      {"payload_checksum_verified", true},
      {"read_ms", static_cast<double>(src.reads().busy_ns) / 1e6},
      {"read_wait_ms", wait_ms},
      {"parse_ms", std::max(0.0, total_ms - wait_ms)},
      {"total_ms", ms_since(t0)},
      {"mb_per_s", total_ms > 0 ? static_cast<double>(s.header->payload_bytes) / 1e6 / (total_ms / 1e3) : 0.0},
      {"created_unix_ns", s.header->created_unix_ns}};
  return Status::Ok();
}

RecoveryReport PingpongEngine::recover() {
  RecoveryReport rep;
  rep.source = remote_->describe();
  recovered_digest_.reset();
  if (stream_.running()) {
    rep.status = Status::FailedPrecondition("rdma-pingpong: cannot recover while a snapshot child (pid " +
                                            std::to_string(stream_.pid()) + ") is running");
    return rep;
  }
  store_.kv().clear();
  const uint64_t t0 = measure::now_ns();
  StatusOr<remote::RemoteSlots::Candidates> cand = slots_->candidates();
  if (!cand.ok()) {
    rep.status = cand.status().with_context("rdma-pingpong: ");
    return rep;
  }
  std::unique_ptr<ReadBuffers> rb;
  if (!cand->committed.empty()) {
    StatusOr<std::unique_ptr<ReadBuffers>> made = read_buffers();
    if (!made.ok()) {
      rep.status = made.status();
      return rep;
    }
    rb = std::move(*made);
  }
  const remote::SlotRecovery got = remote::recover_newest(
      *cand, "rdma-pingpong",
      [&](const remote::SlotState& s, const std::string& name) { return load_slot(s, name, *rb, t0, &rep); });
  if (!got.status.ok()) {
    store_.kv().clear();
    rep.status = got.status;
    return rep;
  }
  rep.source = got.name + " of " + remote_->describe();
  rep.extra["skipped"] = got.skipped.empty() ? nlohmann::json(nullptr) : nlohmann::json(got.skipped);
  return rep;
}

StatusOr<std::string> PingpongEngine::recovered_snapshot_digest() {
  if (!recovered_digest_) return Status::NotFound("rdma-pingpong has recovered no snapshot");
  return recovered_digest_->hex();
}

Status PingpongEngine::dump(const std::string& path, uint64_t* sequence) {
  if (stream_.running()) return Status::FailedPrecondition("rdma-pingpong: cannot dump while a snapshot runs");
  StatusOr<remote::RemoteSlots::Candidates> cand = slots_->candidates();
  if (!cand.ok()) return cand.status();
  if (cand->committed.empty()) return Status::NotFound("rdma-pingpong: no committed snapshot to dump");
  const remote::SlotState& s = cand->committed.front();
  if (Status bad = check_stream_header(*s.header, remote_->transport().region_bytes()); !bad.ok())
    return bad.with_context("slot " + std::to_string(s.slot) + ": ");
  StatusOr<std::unique_ptr<ReadBuffers>> rb = read_buffers();
  if (!rb.ok()) return rb.status();
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  StatusOr<rdb::FileSink> sink = rdb::FileSink::create(tmp, path, rdb::FileSinkOptions{});
  if (!sink.ok()) return sink.status();
  RemoteSource src(remote_->transport(), (*rb)->id, *(*rb)->buffers, *s.header, stall(),
                   "slot " + std::to_string(s.slot));
  for (;;) {
    std::span<const char> chunk;
    if (Status st = src.next(&chunk); !st.ok()) return st;
    if (chunk.empty()) break;
    while (!chunk.empty()) {
      std::span<char> w;
      if (Status st = sink->reserve(&w); !st.ok()) return st;
      const size_t n = std::min(w.size(), chunk.size());
      std::copy_n(chunk.data(), n, w.data());
      if (Status st = sink->commit(n); !st.ok()) return st;
      chunk = chunk.subspan(n);
    }
  }
  if (sequence != nullptr) *sequence = s.header->sequence;
  return sink->finish();
}

nlohmann::json PingpongEngine::report() const {
  const int64_t keys = static_cast<int64_t>(store_.kv().size());
  const int64_t alloc = kvstore::allocated_bytes();
  nlohmann::json j;
  j["keys"] = keys;
  j["allocator"] = kvstore::allocator_name();
  j["allocated_bytes"] = alloc >= 0 ? nlohmann::json(alloc) : nlohmann::json(nullptr);
  const int64_t rss = measure::rss_bytes();
  j["rss_bytes"] = rss >= 0 ? nlohmann::json(rss) : nlohmann::json(nullptr);
  j["remote"] = remote_->describe();
  j["transport"] = remote_->options().type;
  j["region_bytes"] = remote_->transport().region_bytes();
  j["slot_capacity_bytes"] = areas_.capacity;
  j["fork_mode"] = opt_.fork_mode == ForkMode::kChildConnect ? "child-connect" : "parent-posts";
  j["buffers"] = opt_.buffers;
  j["buffer_bytes"] = opt_.buffer_bytes;
  j["prefault_buffers"] = opt_.prefault_buffers;
  if (shared_.data() != nullptr) j["shared_buffers_prefault_us"] = shared_.prefault_us();
  j["thp"] = store_.thp().report();
  j["snapshots_ok"] = snapshots_ok_;
  j["snapshots_failed"] = snapshots_failed_;
  return j;
}

}  // namespace rpbench::pingpong

namespace rpbench {

EngineEntry pingpong_engine_entry() {
  EngineEntry e;
  e.info = pingpong::kPingpongEngineInfo;
  e.options = pingpong::pingpong_option_table().fields();
  e.open = [](const EngineOpenArgs& args) -> StatusOr<std::unique_ptr<Engine>> {
    auto engine = pingpong::PingpongEngine::open(pingpong::pingpong_option_table().bind(args.options), args.transport);
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<Engine>(std::move(*engine));
  };
  return e;
}

}  // namespace rpbench
