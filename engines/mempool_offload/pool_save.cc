#include "engines/mempool_offload/pool_save.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "engines/mempool_offload/extent_io.h"
#include "engines/mempool_offload/pool_image.h"
#include "measure/clock.h"
#include "measure/os_probes.h"

namespace rpbench::mempool {

namespace {

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }
double ms_between(uint64_t a, uint64_t b) { return (a != 0 && b >= a) ? static_cast<double>(b - a) / 1e6 : 0.0; }

uint64_t round_page(uint64_t n) { return (n + 4095) & ~uint64_t{4095}; }

}  // namespace

Status save_pool(transport::Transport& t, remote::RemoteSlots& slots, PoolStore& pool, const SavePlan& plan,
                 SaveRecord* rec) {
  const MempoolOptions& o = plan.options;
  PoolControl& pc = pool.control();
  const uint64_t extent = pool.extent_bytes();
  rec->extent_bytes = extent;
  rec->live_bytes = pc.live_bytes;
  rec->keys = pool.kv().size();
  if (extent > plan.capacity)
    return Status::ResourceExhausted(
        "the pool's extent of " + std::to_string(extent) + " bytes does not fit a slot of " +
        std::to_string(plan.capacity) + " bytes (the memory node's region is " + std::to_string(plan.region_bytes) +
        " bytes; two slots of this extent need a region of at least " +
        std::to_string(remote::kHeadersBytes + remote::kSlotCount * round_page(extent)) + " bytes)");
  seal(&pc);
  rec->control_checksum = pc.checksum;
  ExtentIo io;
  io.chunk_bytes = static_cast<uint64_t>(o.chunk_bytes);
  io.window = static_cast<int>(o.chunks_in_flight);
  io.stall = plan.stall;
  if (o.test_child_pause_ms > 0) {
    const unsigned pause = o.test_child_pause_ms;
    io.after_first_chunk = [pause] { ::usleep(pause * 1000u); };
  }
  const bool copy = o.snapshot_mode == SnapshotMode::kForkCopy;
  ExtentIoStats st;
  rec->ready_ns = measure::now_ns();
  uint64_t checksum = 0;
  const Status w = write_extent(t, pool.mapping().data(), extent, plan.area_offset, copy, io, &checksum, &st);
  rec->chunks = st.chunks;
  rec->register_ns = st.register_ns;
  rec->copy_ns = st.copy_ns;
  rec->checksum_ns = st.checksum_ns;
  rec->wait_ns = st.wait_ns;
  rec->busy_ns = st.busy_ns;
  rec->prefault_us = st.prefault_us;
  if (o.snapshot_mode == SnapshotMode::kForkDirect) rec->private_dirty_after_register = measure::private_dirty_bytes(0);
  if (!w.ok()) return w.with_context("writing the pool's extent: ");
  rec->data_done_ns = measure::now_ns();
  rec->checksum = checksum;
  PoolImage im;
  im.pool_base = pool.base();
  im.pool_bytes = pool.mapping().bytes();
  im.control_checksum = pc.checksum;
  im.live_bytes = pc.live_bytes;
  im.keys = rec->keys;
  im.root_layout = pc.root_layout;
  remote::SlotHeader h;
  h.kind = remote::PayloadKind::kPoolExtent;
  h.format_version = kPoolLayoutVersion;
  h.sequence = plan.target.sequence;
  h.payload_offset = plan.area_offset;
  h.payload_bytes = extent;
  h.payload_checksum = checksum;
  h.created_unix_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  h.extra = encode_image(im);
  if (Status s = slots.commit(plan.target.slot, h); !s.ok()) return s.with_context("committing the snapshot: ");
  rec->committed_ns = measure::now_ns();
  if (!plan.digest) return Status::Ok();
  const ContentDigest d = pool.kv().compute_digest();
  rec->digest_sum = d.sum;
  rec->digest_xor = d.xr;
  rec->digest_count = d.count;
  if (Status s = slots.write_late_digest(plan.target.slot, plan.target.sequence, d); !s.ok())
    return s.with_context("the snapshot is committed, but its digest was not written: ");
  rec->digest_written = 1;
  rec->digest_done_ns = measure::now_ns();
  return Status::Ok();
}

SnapshotReport save_report(const SaveRecord& rec, const SavePlan& plan, Status status, std::optional<double> fork_us,
                           double pause_us, const std::string& where, const std::string& transport) {
  SnapshotReport rep;
  rep.status = std::move(status);
  rep.fork_us = fork_us;
  rep.location = where;
  const MempoolOptions& o = plan.options;
  const std::string mode(name_of(kSnapshotModeNames, o.snapshot_mode));
  rep.bytes = static_cast<int64_t>(rec.extent_bytes);
  if (rec.private_dirty_bytes >= 0 && o.snapshot_mode != SnapshotMode::kPause) rep.cow_bytes = rec.private_dirty_bytes;
  const uint64_t end_ns = std::max({rec.start_ns, rec.connected_ns, rec.ready_ns, rec.data_done_ns, rec.committed_ns});
  rep.child_duration_ms = ms_between(rec.start_ns, end_ns);
  if (rec.committed_ns != 0) rep.child_done_ns = rec.committed_ns;
  if (rep.ok() && rec.digest_written)
    rep.digest = ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count}.hex();
  const double transfer_ms = ms_between(rec.ready_ns, rec.data_done_ns);
  nlohmann::json x;
  x["transport"] = transport;
  x["snapshot_mode"] = mode;
  x["slot"] = plan.target.slot;
  x["sequence"] = plan.target.sequence;
  x["chunk_bytes"] = o.chunk_bytes;
  x["chunks_in_flight"] = o.chunks_in_flight;
  x["chunks"] = rec.chunks;
  x["extent_bytes"] = rec.extent_bytes;
  x["live_bytes"] = rec.live_bytes;
  x["keys"] = rec.keys;
  x["prepare_us"] = plan.prepare_us;
  x["fork_us"] = fork_us ? nlohmann::json(*fork_us) : nlohmann::json(nullptr);
  x["pause_us"] = pause_us;
  x["pause_note"] =
      o.snapshot_mode == SnapshotMode::kPause
          ? "the foreground stopped from the slot's preparation to the end of the save (and the digest, when on)"
          : "the slot's preparation and fork()";
  x["connect_us"] = rec.connected_ns != 0 ? nlohmann::json(ms_between(rec.start_ns, rec.connected_ns) * 1e3)
                                          : nlohmann::json(nullptr);
  x["register_ms"] = ms(rec.register_ns);
  x["staging_prefault_us"] = rec.prefault_us;
  x["copy_ms"] = ms(rec.copy_ns);
  x["checksum_ms"] = ms(rec.checksum_ns);
  x["wait_ms"] = ms(rec.wait_ns);
  x["transfer_busy_ms"] = ms(rec.busy_ns);
  x["transfer_ms"] = transfer_ms;
  x["commit_ms"] = ms_between(rec.data_done_ns, rec.committed_ns);
  x["digest_ms"] =
      rec.digest_written ? nlohmann::json(ms_between(rec.committed_ns, rec.digest_done_ns)) : nlohmann::json(nullptr);
  x["digest_note"] =
      plan.digest ? "computed after the commit, off the snapshot's measured duration; stored as the slot's late digest"
                  : "off (engine.snapshot_digest false)";
  x["duration_ms"] = rep.child_duration_ms.value_or(0);
  x["mb_per_s"] = transfer_ms > 0 ? nlohmann::json(static_cast<double>(rec.extent_bytes) / 1e6 / (transfer_ms / 1e3))
                                  : nlohmann::json(nullptr);
  x["payload_checksum"] = rec.checksum;
  x["control_checksum"] = rec.control_checksum;
  x["cow_bytes"] = rep.cow_bytes ? nlohmann::json(*rep.cow_bytes) : nlohmann::json(nullptr);
  x["private_dirty_after_register"] =
      o.snapshot_mode == SnapshotMode::kForkDirect && rec.private_dirty_after_register >= 0
          ? nlohmann::json(rec.private_dirty_after_register)
          : nlohmann::json(nullptr);
  auto at = [&](uint64_t t) { return t != 0 ? nlohmann::json(ms_between(rec.start_ns, t)) : nlohmann::json(nullptr); };
  x["phases_ms"] = {{"connected", at(rec.connected_ns)},
                    {"ready", at(rec.ready_ns)},
                    {"data_complete", at(rec.data_done_ns)},
                    {"committed", at(rec.committed_ns)},
                    {"digest_written", at(rec.digest_done_ns)}};
  char line[400];
  std::snprintf(line, sizeof line,
                "%s over %s: %.1f MB extent (%.1f MB live) in %.1f ms = %.0f MB/s (register %.1f ms, copy %.1f ms, "
                "wait %.1f ms); pause %.0f us",
                mode.c_str(), transport.c_str(), static_cast<double>(rec.extent_bytes) / 1e6,
                static_cast<double>(rec.live_bytes) / 1e6, transfer_ms,
                x["mb_per_s"].is_null() ? 0.0 : x["mb_per_s"].get<double>(), ms(rec.register_ns), ms(rec.copy_ns),
                ms(rec.wait_ns), pause_us);
  rep.summary = line;
  rep.extra = std::move(x);
  return rep;
}

}  // namespace rpbench::mempool
