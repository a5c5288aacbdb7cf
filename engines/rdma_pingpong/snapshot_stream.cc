#include "engines/rdma_pingpong/snapshot_stream.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdma_pingpong/direct_port.h"
#include "engines/rdma_pingpong/stream_sink.h"
#include "engines/remote/buffer_poster.h"
#include "measure/clock.h"
#include "measure/os_probes.h"

namespace rpbench::pingpong {

namespace {

constexpr uint32_t kRecordMagic = 0x52505050;  // "RPPP"

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }
double ms_between(uint64_t a, uint64_t b) { return (a != 0 && b >= a) ? static_cast<double>(b - a) / 1e6 : 0.0; }

Status stream(const kvstore::KvStore& store, const StreamPlan& plan, const transport::RemoteMemory& remote,
              const ParentSide& parent, int handoff_fd, StreamRecord* rec) {
  const PingpongOptions& o = plan.options;
  const int count = static_cast<int>(o.buffers);
  const uint64_t each = static_cast<uint64_t>(o.buffer_bytes);
  std::unique_ptr<transport::Transport> own;
  remote::StreamBuffers mine;
  const remote::StreamBuffers* buffers = parent.buffers;
  std::unique_ptr<remote::RemoteSlots> slots;
  std::optional<remote::BufferPoster> poster;
  std::unique_ptr<BufferPort> port;
  if (o.fork_mode == ForkMode::kChildConnect) {
    StatusOr<std::unique_ptr<transport::Transport>> t = remote.connect_again();
    if (!t.ok()) return t.status().with_context("the snapshot child could not connect to the memory node: ");
    own = std::move(*t);
    rec->connected_ns = measure::now_ns();
    StatusOr<remote::StreamBuffers> b =
        remote::StreamBuffers::create(count, each, /*shared=*/false, o.prefault_buffers);
    if (!b.ok()) return b.status();
    mine = std::move(*b);
    rec->prefault_us = mine.prefault_us();
    buffers = &mine;
    transport::BufferId id = 0;
    if (Status s = own->register_buffer(mine.data(), mine.total_bytes(), &id); !s.ok())
      return s.with_context("registering the snapshot buffers: ");
    StatusOr<std::unique_ptr<remote::RemoteSlots>> sl = remote::RemoteSlots::open(*own);
    if (!sl.ok()) return sl.status();
    slots = std::move(*sl);
    poster.emplace(*own, id, each, plan.stall);
    port = std::make_unique<DirectPort>(&*poster, slots.get(), count, plan.area_offset, plan.target.slot);
  } else {
    port = std::make_unique<HandoffPort>(handoff_fd, count);
  }
  rec->ready_ns = measure::now_ns();
  StreamSink sink(*buffers, port.get(), plan.capacity, plan.region_bytes);
  const rdb::RdbWriteResult r = rdb::write_rdb(store, &sink, plan.writer);
  const SinkStats& st = sink.stats();
  rec->stream_bytes = static_cast<int64_t>(st.stream_bytes);
  rec->buffers_sent = st.buffers_sent;
  rec->first_fill_ns = st.first_fill_ns;
  rec->stream_end_ns = st.stream_end_ns;
  rec->acquire_wait_ns = st.acquire_wait_ns;
  rec->send_ns = st.send_ns;
  rec->drain_ns = st.drain_wait_ns;
  if (poster) {
    rec->busy_ns = poster->stats().busy_ns;
    rec->transfers = poster->stats().transfers;
  }
  if (!r.status.ok()) return r.status;
  rec->data_complete_ns = measure::now_ns();
  rec->checksum = sink.checksum();
  rec->digest_sum = r.digest.sum;
  rec->digest_xor = r.digest.xr;
  rec->digest_count = r.digest.count;
  const remote::SlotHeader h =
      stream_header(plan.target, plan.area_offset, static_cast<uint64_t>(r.bytes), sink.checksum(), r.digest);
  if (Status s = port->commit(h); !s.ok()) return s.with_context("committing the snapshot: ");
  rec->committed_ns = measure::now_ns();
  return Status::Ok();
}

[[noreturn]] void child_main(int out_fd, int handoff_fd, const kvstore::KvStore& store, const StreamPlan& plan,
                             const transport::RemoteMemory& remote, const ParentSide& parent) {
  StreamRecord rec{};
  rec.magic = kRecordMagic;
  rec.start_ns = measure::now_ns();
  Status s;
  try {
    s = stream(store, plan, remote, parent, handoff_fd, &rec);
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("snapshot child: ") + e.what());
  }
  rec.ok = s.ok() ? 1 : 0;
  rec.code = static_cast<uint32_t>(s.code());
  std::strncpy(rec.error, s.message().c_str(), sizeof rec.error - 1);
  rec.private_dirty_bytes = measure::private_dirty_bytes(0);
  write_record(out_fd, rec);
  ::_exit(rec.ok ? 0 : 1);
}

}  // namespace

SnapshotStream::~SnapshotStream() { abort(); }

void SnapshotStream::abort() {
  child_.kill();
  if (poster_) (void)poster_->join();  // the child is gone: the thread sees end-of-file
  poster_.reset();
}

Status SnapshotStream::start(const kvstore::KvStore& store, const StreamPlan& plan,
                             const transport::RemoteMemory& remote, const ParentSide& parent) {
  if (running())
    return Status::FailedPrecondition("a snapshot child (pid " + std::to_string(pid()) + ") is still running");
  std::array<UniqueFd, 2> hand;
  const bool parent_posts = plan.options.fork_mode == ForkMode::kParentPosts;
  if (parent_posts) {
    StatusOr<std::array<UniqueFd, 2>> p = handoff_socketpair();
    if (!p.ok()) return p.status();
    hand = std::move(*p);
  }
  plan_ = plan;
  parent_ = parent;
  transport_name_ = remote.options().type;
  where_ = "slot " + std::to_string(plan.target.slot) + " (snapshot " + std::to_string(plan.target.sequence) + ") of " +
           remote.describe();
  const Status s = child_.start([&](int fd) {
    if (parent_posts) ::close(hand[0].get());
    child_main(fd, parent_posts ? hand[1].get() : -1, store, plan_, remote, parent);
  });
  if (!s.ok()) return s;
  if (parent_posts)
    poster_ = std::make_unique<ParentPoster>(*parent.transport, parent.buffer_id, *parent.buffers, *parent.slots,
                                             plan.target, plan.area_offset, std::move(hand[0]), plan.stall);
  return Status::Ok();
}

std::optional<SnapshotReport> SnapshotStream::poll() {
  std::optional<ReportingChild<StreamRecord>::Exit> e = child_.poll();
  if (!e) return std::nullopt;
  return finish(*e);
}

std::string SnapshotStream::slot_state_after_death(const std::optional<PosterResult>& posted) const {
  // parent-posts: the parent's thread committed or not; child-connect: the child may have died
  // between its commit and its report, so look (the parent's connection is idle).
  bool committed = posted && posted->committed;
  if (!posted && parent_.slots != nullptr) {
    StatusOr<std::array<remote::SlotState, remote::kSlotCount>> st = parent_.slots->read();
    if (!st.ok()) return "may or may not be committed (reading it failed: " + st.status().message() + ")";
    const remote::SlotState& slot = (*st)[static_cast<size_t>(plan_.target.slot)];
    committed = slot.committed && slot.header && slot.header->sequence == plan_.target.sequence;
  }
  return committed ? "was committed before it died" : "is not committed";
}

SnapshotReport SnapshotStream::finish(const ReportingChild<StreamRecord>::Exit& e) {
  const int wait_status = e.wait_status;
  SnapshotReport rep;
  rep.child_pid = e.pid;
  rep.fork_us = e.fork_us;
  rep.location = where_;
  const bool have_record = e.record && e.record->magic == kRecordMagic;
  StreamRecord rec = have_record ? *e.record : StreamRecord{};
  std::optional<PosterResult> posted;
  if (poster_) {
    posted = poster_->join();
    poster_.reset();
  }
  const std::string who = "snapshot child " + std::to_string(e.pid);
  if (have_record) rec.error[sizeof rec.error - 1] = '\0';
  if (!WIFEXITED(wait_status)) {
    rep.status = Status::Unavailable(who + " " + describe_wait_status(wait_status) + "; its slot " +
                                     std::to_string(plan_.target.slot) + " " + slot_state_after_death(posted));
  } else if (!have_record) {
    rep.status = Status::Unavailable(who + " " + describe_wait_status(wait_status) + " without sending its report");
  } else if (posted && !posted->status.ok()) {
    // The parent's side knows the transport's error; the child only saw that its side failed.
    rep.status = posted->status.with_context(who + " failed: the parent's posting thread: ");
  } else if (WEXITSTATUS(wait_status) != 0 || rec.ok == 0) {
    // The child's own code (a region too small is kResourceExhausted, a dead node kUnavailable, ...).
    const auto code = rec.code <= static_cast<uint32_t>(Status::Code::kInternal) && rec.code != 0
                          ? static_cast<Status::Code>(rec.code)
                          : Status::Code::kIoError;
    rep.status = Status::FromCode(
        code, who + " failed: " + (rec.error[0] != '\0' ? std::string(rec.error) : describe_wait_status(wait_status)));
  } else if (posted && !posted->committed) {
    rep.status = Status::Internal(who + " exited 0 but the parent's posting thread committed nothing");
  }
  if (!have_record) return rep;

  const bool child_connect = plan_.options.fork_mode == ForkMode::kChildConnect;
  rep.bytes = rec.stream_bytes;
  if (rec.private_dirty_bytes >= 0) rep.cow_bytes = rec.private_dirty_bytes;
  // The child's last phase reached (the commit when it completed).
  const uint64_t end_ns = std::max(
      {rec.start_ns, rec.connected_ns, rec.ready_ns, rec.stream_end_ns, rec.data_complete_ns, rec.committed_ns});
  rep.child_duration_ms = ms_between(rec.start_ns, end_ns);
  if (rec.committed_ns != 0) rep.child_done_ns = rec.committed_ns;
  const ContentDigest digest{rec.digest_sum, rec.digest_xor, rec.digest_count};
  if (rep.ok()) rep.digest = digest.hex();

  const int64_t busy_ns = posted ? posted->posts.busy_ns : rec.busy_ns;
  const uint64_t transfers = posted ? posted->posts.transfers : rec.transfers;
  // Serialization: the child's streaming time less its waits for buffers and its hand-offs.
  const double stream_ms = ms_between(rec.first_fill_ns, rec.stream_end_ns);
  const double serialize_ms = std::max(0.0, stream_ms - ms(rec.acquire_wait_ns) - ms(rec.send_ns));
  const double transfer_ms = ms(busy_ns);
  const double pipeline_ms = ms_between(rec.first_fill_ns, rec.data_complete_ns);
  const double total_ms = rep.fork_us.value_or(0) / 1e3 + rep.child_duration_ms.value_or(0);
  const double slower = std::max(serialize_ms, transfer_ms);
  nlohmann::json x;
  x["transport"] = transport_name_;
  x["fork_mode"] = child_connect ? "child-connect" : "parent-posts";
  x["slot"] = plan_.target.slot;
  x["sequence"] = plan_.target.sequence;
  x["buffers"] = plan_.options.buffers;
  x["buffer_bytes"] = plan_.options.buffer_bytes;
  x["prefault_buffers"] = plan_.options.prefault_buffers;
  x["fork_us"] = rep.fork_us.value_or(0);
  x["prepare_us"] = plan_.prepare_us;
  // What the foreground waited for: the slot's preparation (two round trips) and fork().
  x["pause_us"] = plan_.prepare_us + rep.fork_us.value_or(0);
  x["connect_us"] = child_connect && rec.connected_ns != 0
                        ? nlohmann::json(ms_between(rec.start_ns, rec.connected_ns) * 1e3)
                        : nlohmann::json(nullptr);
  x["buffer_setup_us"] = ms_between(child_connect ? rec.connected_ns : rec.start_ns, rec.ready_ns) * 1e3;
  x["prefault_us"] = child_connect ? rec.prefault_us : 0.0;
  x["serialize_ms"] = serialize_ms;
  x["transfer_ms"] = transfer_ms;
  x["wait_ms"] = ms(rec.acquire_wait_ns);
  x["handoff_ms"] = ms(rec.send_ns);
  x["drain_ms"] = ms(rec.drain_ns);
  x["commit_ms"] = ms_between(rec.data_complete_ns, rec.committed_ns);
  x["stream_ms"] = pipeline_ms;
  x["total_ms"] = total_ms;
  x["bytes"] = rec.stream_bytes;
  x["buffers_sent"] = rec.buffers_sent;
  x["transfers"] = transfers;
  x["mb_per_s"] = pipeline_ms > 0 ? nlohmann::json(static_cast<double>(rec.stream_bytes) / 1e6 / (pipeline_ms / 1e3))
                                  : nlohmann::json(nullptr);
  x["overlap_ratio"] = slower > 0 ? nlohmann::json(pipeline_ms / slower) : nlohmann::json(nullptr);
  x["overlap_ratio_note"] = "stream_ms (first byte serialized to last write complete) / max(serialize_ms, transfer_ms)";
  x["cow_bytes"] = rep.cow_bytes ? nlohmann::json(*rep.cow_bytes) : nlohmann::json(nullptr);
  x["poster_cpu_ms"] = posted ? nlohmann::json(ms(posted->cpu_ns)) : nlohmann::json(nullptr);
  x["poster"] = posted ? "a parent thread started at the fork, joined when the child exits" : "the fork child";
  x["payload_checksum"] = rec.checksum;
  // The timeline, in ms from the child's start.
  auto at = [&](uint64_t t) { return t != 0 ? nlohmann::json(ms_between(rec.start_ns, t)) : nlohmann::json(nullptr); };
  x["phases_ms"] = {{"connected", at(rec.connected_ns)},         {"buffers_ready", at(rec.ready_ns)},
                    {"first_byte", at(rec.first_fill_ns)},       {"stream_end", at(rec.stream_end_ns)},
                    {"data_complete", at(rec.data_complete_ns)}, {"committed", at(rec.committed_ns)}};
  char line[512];
  std::snprintf(
      line, sizeof line,
      "stream over %s (%s, %lld x %lld-byte buffers): serialize %.1f ms, transfer %.1f ms, wait %.1f ms, "
      "stream %.1f ms = %.0f MB/s, overlap %.2f; pause %.0f us (prepare %.0f + fork)%s",
      transport_name_.c_str(), child_connect ? "child-connect" : "parent-posts",
      static_cast<long long>(plan_.options.buffers), static_cast<long long>(plan_.options.buffer_bytes), serialize_ms,
      transfer_ms, ms(rec.acquire_wait_ns), pipeline_ms, x["mb_per_s"].is_null() ? 0.0 : x["mb_per_s"].get<double>(),
      slower > 0 ? pipeline_ms / slower : 0.0, x["pause_us"].get<double>(), plan_.prepare_us,
      x["connect_us"].is_null()
          ? ""
          : (", connect " + std::to_string(static_cast<long long>(x["connect_us"].get<double>())) + " us").c_str());
  rep.summary = line;
  rep.extra = std::move(x);
  return rep;
}

}  // namespace rpbench::pingpong
