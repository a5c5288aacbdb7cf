#include "engines/paged_kv/paged_engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "engines/paged_kv/page_format.h"
#include "engines/remote/checksum.h"
#include "measure/clock.h"
#include "measure/os_probes.h"
#include "transport/little_endian.h"

namespace rpbench::paged {

namespace {

constexpr uint32_t kImageMagic = 0x49564b50;  // "PKVI"
constexpr uint32_t kImageVersion = 1;
constexpr uint64_t kStagingBytes = 1 << 20;

// The end of the shard's part of an index image that starts at p (shard.cc's cut() layout: id,
// pages, 16 bytes a page, keys, then per key its length, the key and 20 bytes); nullptr when the
// lengths run past `end`. Shard::load() checks the contents.
const uint8_t* shard_part_end(const uint8_t* p, const uint8_t* end) {
  auto left = [&] { return static_cast<uint64_t>(end - p); };
  if (left() < 8) return nullptr;
  const uint64_t pages = transport::le::get32(p + 4);
  p += 8;
  if (left() < pages * 16 + 8) return nullptr;
  p += pages * 16;
  const uint64_t keys = transport::le::get64(p);
  p += 8;
  if (keys > left() / 22) return nullptr;
  for (uint64_t i = 0; i < keys; ++i) {
    if (left() < 2) return nullptr;
    const uint64_t n = 2 + uint64_t{transport::le::get16(p)} + 20;
    if (left() < n) return nullptr;
    p += n;
  }
  return p;
}

double ms_since(uint64_t t0) { return static_cast<double>(measure::now_ns() - t0) / 1e6; }

void merge(ContentDigest* into, const ContentDigest& d) {
  into->sum += d.sum;
  into->xr ^= d.xr;
  into->count += d.count;
}

}  // namespace

StatusOr<std::unique_ptr<PagedEngine>> PagedEngine::open(const PagedOptions& opt,
                                                         const transport::TransportOptions& transport) {
  if (transport.type == "none")
    return Status::InvalidArgument("paged-kv keeps its pages in remote memory: set transport.type (shm, tcp or verbs)");
  if (auto p = options_problem(opt)) return Status::InvalidArgument("paged-kv: " + p->second);
  StatusOr<std::unique_ptr<transport::RemoteMemory>> remote = transport::RemoteMemory::open(transport);
  if (!remote.ok()) return remote.status().with_context("paged-kv: ");
  std::unique_ptr<PagedEngine> e(new PagedEngine(opt, std::move(*remote)));
  const auto pb = static_cast<uint32_t>(opt.page_bytes);
  const uint64_t region = e->remote_->transport().region_bytes();
  e->areas_.capacity = static_cast<uint64_t>(static_cast<double>(region) * opt.index_area_fraction) / 4096 * 4096;
  e->data_offset_ = e->areas_.end();
  const uint64_t slots = region > e->data_offset_ ? (region - e->data_offset_) / pb : 0;
  if (slots < 2 * static_cast<uint64_t>(opt.shards) || slots > UINT32_MAX)
    return Status::ResourceExhausted("paged-kv: the memory node's region of " + std::to_string(region) +
                                     " bytes holds " + std::to_string(slots) + " page slots of " + std::to_string(pb) +
                                     " bytes after its snapshot areas; " + std::to_string(opt.shards) +
                                     " shards need at least two each (raise transport.region_bytes)");
  e->frames_ = static_cast<uint32_t>(cache_budget(opt) / pb);
  StatusOr<measure::AnonMapping> cache = measure::AnonMapping::map(uint64_t{e->frames_} * pb);
  if (!cache.ok()) return cache.status().with_context("paged-kv: mapping the page cache: ");
  e->cache_ = std::move(*cache);
  StatusOr<measure::AnonMapping> staging_map = measure::AnonMapping::map(kStagingBytes);
  if (!staging_map.ok()) return staging_map.status().with_context("paged-kv: mapping the staging buffer: ");
  e->staging_ = std::move(*staging_map);
  StatusOr<std::unique_ptr<IoPool>> io = IoPool::open(*e->remote_, static_cast<int>(opt.connections), e->cache_, pb);
  if (!io.ok()) return io.status().with_context("paged-kv: ");
  e->io_ = std::move(*io);
  StatusOr<std::unique_ptr<remote::RemoteSlots>> rs = remote::RemoteSlots::open(e->remote_->transport());
  if (!rs.ok()) return rs.status().with_context("paged-kv: ");
  e->slots_ = std::move(*rs);
  transport::BufferId staging = 0;
  if (Status s = e->remote_->transport().register_buffer(e->staging_.data(), e->staging_.size(), &staging); !s.ok())
    return s.with_context("paged-kv: registering the staging buffer: ");
  e->staging_buf_ = staging;
  e->alloc_ = std::make_unique<SlotAllocator>(static_cast<uint32_t>(slots));
  ShardContext ctx;
  ctx.page_bytes = pb;
  ctx.cache = e->cache_.data();
  ctx.data_offset = e->data_offset_;
  ctx.rebuild_dead_fraction = opt.rebuild_dead_fraction;
  ctx.eviction = opt.eviction;
  ctx.io = e->io_.get();
  ctx.slots = e->alloc_.get();
  ctx.counters = &e->counters_;
  const auto n = static_cast<uint32_t>(opt.shards);
  uint32_t first = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t frames = e->frames_ / n + (i < e->frames_ % n ? 1 : 0);
    e->shards_.push_back(std::make_unique<Shard>(i, ctx, first, frames));
    first += frames;
  }
  e->start_background();
  return e;
}

PagedEngine::PagedEngine(const PagedOptions& opt, std::unique_ptr<transport::RemoteMemory> remote)
    : Engine(kPagedEngineInfo), opt_(opt), remote_(std::move(remote)) {}

PagedEngine::~PagedEngine() {
  if (snapshot_.joinable()) snapshot_.join();
  stop_background();
  shards_.clear();
  if (staging_buf_) (void)remote_->transport().deregister_buffer(*staging_buf_);
}

Status PagedEngine::check_key(std::string_view key) const {
  if (opt_.key_bytes > 0 && key.size() != static_cast<size_t>(opt_.key_bytes))
    return Status::InvalidArgument("paged-kv: a key of " + std::to_string(key.size()) + " bytes; engine.key_bytes is " +
                                   std::to_string(opt_.key_bytes));
  if (key.empty() || key.size() > kMaxKeyBytes)
    return Status::InvalidArgument("paged-kv: a key of " + std::to_string(key.size()) + " bytes (1 to " +
                                   std::to_string(kMaxKeyBytes) + " are taken)");
  return Status::Ok();
}

Status PagedEngine::put(std::string_view key, std::string_view value) {
  if (Status s = check_key(key); !s.ok()) return s;
  const uint32_t cap = page_capacity(static_cast<uint32_t>(opt_.page_bytes));
  if (record_footprint(key.size(), value.size()) > cap)
    return Status::InvalidArgument("paged-kv: a value of " + std::to_string(value.size()) +
                                   " bytes does not fit a page of " + std::to_string(opt_.page_bytes) +
                                   " bytes (at most " + std::to_string(cap - record_footprint(key.size(), 0)) +
                                   " with this key)");
  return shard_of(key).put(key, value);
}

Status PagedEngine::get(std::string_view key, std::string* value) {
  if (Status s = check_key(key); !s.ok()) return s;
  return shard_of(key).get(key, value);
}

Status PagedEngine::del(std::string_view key) {
  if (Status s = check_key(key); !s.ok()) return s;
  return shard_of(key).del(key);
}

void PagedEngine::start_background() {
  {
    std::lock_guard lk(bg_mu_);
    bg_stop_ = false;
  }
  background_ = std::thread([this] { background(); });
}

void PagedEngine::stop_background() {
  if (!background_.joinable()) return;
  {
    std::lock_guard lk(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  background_.join();
}

void PagedEngine::background() {
  for (;;) {
    bool worked = false;
    Status s;
    for (auto& sh : shards_) {
      StatusOr<uint32_t> n = sh->clean(8);
      if (!n.ok())
        s = n.status();
      else
        worked |= *n > 0;
      if (opt_.rebuild && s.ok()) {
        StatusOr<uint32_t> r = sh->rebuild(1);
        if (!r.ok())
          s = r.status();
        else
          worked |= *r > 0;
      }
    }
    std::unique_lock lk(bg_mu_);
    if (!s.ok() && bg_error_.empty()) bg_error_ = s.message();
    if (sampling_ && measure::now_ns() >= next_sample_ns_) {
      samples_.push_back(counters_.values());
      next_sample_ns_ += kSampleNs;
    }
    if (bg_stop_) return;
    if (!worked) bg_cv_.wait_for(lk, std::chrono::milliseconds(1), [&] { return bg_stop_; });
  }
}

Status PagedEngine::rebuild_now() {
  for (auto& sh : shards_)
    if (Status s = sh->rebuild_all(); !s.ok()) return s;
  return Status::Ok();
}

CompactReport PagedEngine::compact() {
  CompactReport rep;
  BackgroundPause pause(this);
  const Shard::Figures before = totals();
  const CounterValues c0 = counters_.values();
  rep.status = rebuild_now();
  const CounterValues d = counters_.values().since(c0);
  const Shard::Figures after = totals();
  rep.extra = {{"pages_rebuilt", d.pages_rebuilt},     {"records_moved", d.rebuild_records_moved},
               {"bytes_read", d.rebuild_bytes_read},   {"bytes_written", d.bytes_written},
               {"pages_freed", d.pages_freed},         {"pages_before", before.pages},
               {"pages_after", after.pages},           {"dead_bytes_before", before.dead_bytes},
               {"dead_bytes_after", after.dead_bytes}, {"dead_fraction_threshold", opt_.rebuild_dead_fraction}};
  rep.summary = std::to_string(d.pages_rebuilt) + " pages rebuilt, " + std::to_string(before.pages) + " -> " +
                std::to_string(after.pages) + " pages, " + std::to_string(d.rebuild_bytes_read) + " bytes read";
  return rep;
}

void PagedEngine::begin_phase(std::string_view phase_type) {
  phase_type_ = std::string(phase_type);
  phase_start_ = counters_.values();
  phase_start_ns_ = measure::now_ns();
  std::lock_guard lk(bg_mu_);
  samples_.assign(1, phase_start_);
  next_sample_ns_ = phase_start_ns_ + kSampleNs;
  sampling_ = true;
}

Status PagedEngine::end_phase() {
  const CounterValues d = counters_.values().since(phase_start_);
  const double secs = static_cast<double>(measure::now_ns() - phase_start_ns_) / 1e9;
  nlohmann::json j = d.to_json();
  j["type"] = phase_type_;
  j["seconds"] = secs;
  j["evictions_per_s"] = secs > 0 ? nlohmann::json(static_cast<double>(d.evictions) / secs) : nlohmann::json(nullptr);
  // Of the frames taken from a page for another, the share a client thread had to write back itself.
  j["foreground_writeback_fraction"] =
      d.evictions ? nlohmann::json(static_cast<double>(d.foreground_writebacks) / static_cast<double>(d.evictions))
                  : nlohmann::json(nullptr);
  {
    std::lock_guard lk(bg_mu_);
    samples_.push_back(counters_.values());
    sampling_ = false;
    nlohmann::json hit = nlohmann::json::array(), fetches = nlohmann::json::array(), fg = nlohmann::json::array();
    for (size_t i = 1; i < samples_.size(); ++i) {
      const CounterValues x = samples_[i].since(samples_[i - 1]);
      const uint64_t n = x.hits + x.misses;
      hit.push_back(n ? nlohmann::json(static_cast<double>(x.hits) / static_cast<double>(n)) : nlohmann::json(nullptr));
      fetches.push_back(x.misses);
      fg.push_back(x.foreground_writebacks);
    }
    j["timeline"] = {{"interval_ms", kSampleNs / 1e6},
                     {"note", "the last interval ends with the phase (shorter)"},
                     {"hit_ratio", hit},
                     {"fetches", fetches},
                     {"foreground_writebacks", fg}};
  }
  phases_.push_back(std::move(j));
  return Status::Ok();
}

std::vector<uint8_t> PagedEngine::header_extra() const {
  std::vector<uint8_t> x(24);
  transport::le::put32(x.data(), static_cast<uint32_t>(opt_.page_bytes));
  transport::le::put32(x.data() + 4, static_cast<uint32_t>(shards_.size()));
  transport::le::put64(x.data() + 8, data_offset_);
  transport::le::put64(x.data() + 16, alloc_->figures().total);
  return x;
}

Status PagedEngine::write_image(const std::vector<uint8_t>& part, uint64_t at, remote::Checksum64* sum) {
  sum->update(part.data(), part.size());
  for (uint64_t off = 0; off < part.size();) {
    const uint64_t n = std::min<uint64_t>(kStagingBytes, part.size() - off);
    std::memcpy(staging_.data(), part.data() + off, n);
    if (Status s = transport::transfer(remote_->transport(), transport::Op::kWrite, *staging_buf_, 0, n, at + off,
                                       io_->timeout());
        !s.ok())
      return s.with_context("writing the index image: ");
    counters_.add(counters_.bytes_written, n);
    off += n;
  }
  return Status::Ok();
}

Status PagedEngine::begin_snapshot() {
  if (snapshot_running_) return Status::FailedPrecondition("paged-kv: a snapshot is already running");
  // The snapshot is of the content now: the slot is prepared (a few small transfers) and every
  // shard armed before this returns; the thread then cuts them (or a shard's next write does).
  const uint64_t t0 = measure::now_ns();
  const CounterValues before = counters_.values();
  StatusOr<remote::RemoteSlots::Target> target = slots_->prepare();
  if (!target.ok()) return target.status().with_context("paged-kv: preparing the snapshot's slot: ");
  alloc_->begin_snapshot(target->sequence, target->slot);
  for (auto& sh : shards_) sh->arm(target->sequence);
  const double begin_us = ms_since(t0) * 1e3;
  snapshot_running_ = true;
  snapshot_done_.store(false);
  snapshot_ = std::thread([this, t = *target, t0, begin_us, before] {
    snapshot_report_ = run_snapshot(t, t0, begin_us, before);
    snapshot_done_.store(true, std::memory_order_release);
  });
  return Status::Ok();
}

SnapshotReport PagedEngine::run_snapshot(remote::RemoteSlots::Target tgt, uint64_t t0, double begin_us,
                                         const CounterValues& before) {
  SnapshotReport rep;
  rep.fork_us_source = "paged-kv: begin_snapshot() plus the longest shard cut (no fork)";
  const remote::RemoteSlots::Target* target = &tgt;
  const uint64_t area = areas_.offset(target->slot);
  rep.location = "slot " + std::to_string(target->slot) + " (snapshot " + std::to_string(target->sequence) + ") of " +
                 remote_->describe();
  Status s;
  const uint64_t t_flush = measure::now_ns();
  for (auto& sh : shards_)
    if (s.ok()) s = sh->flush();
  const double flush_ms = ms_since(t_flush);
  std::vector<uint8_t> part;
  part.reserve(kStagingBytes);
  for (uint32_t v :
       {kImageMagic, kImageVersion, static_cast<uint32_t>(shards_.size()), static_cast<uint32_t>(opt_.page_bytes)}) {
    uint8_t b[4];
    transport::le::put32(b, v);
    part.insert(part.end(), b, b + 4);
  }
  remote::Checksum64 sum;
  uint64_t written = 0, pause_max = 0, pause_sum = 0, cut_pages = 0, keys = 0;
  ContentDigest digest;
  for (auto& sh : shards_) {
    if (!s.ok()) break;
    StatusOr<ShardCut> c = sh->take_cut(&part);
    if (!c.ok()) {
      s = c.status();
      break;
    }
    pause_max = std::max(pause_max, c->pause_ns);
    pause_sum += c->pause_ns;
    cut_pages += c->pages_written;
    keys += c->keys;
    merge(&digest, c->digest);
    if (written + part.size() > areas_.capacity) {
      s = Status::ResourceExhausted("paged-kv: the index image outgrows its slot area of " +
                                    std::to_string(areas_.capacity) +
                                    " bytes (raise engine.index_area_fraction or transport.region_bytes)");
      break;
    }
    s = write_image(part, area + written, &sum);
    written += part.size();
    part.clear();
  }
  if (s.ok()) {
    remote::SlotHeader h;
    h.kind = remote::PayloadKind::kPagedKv;
    h.format_version = kImageVersion;
    h.sequence = target->sequence;
    h.payload_offset = area;
    h.payload_bytes = written;
    h.payload_checksum = sum.digest();
    h.digest = digest;
    h.created_unix_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    h.extra = header_extra();
    s = slots_->commit(target->slot, h);
    if (!s.ok()) s = s.with_context("committing the snapshot: ");
  }
  if (s.ok()) {
    alloc_->commit_snapshot(target->sequence, target->slot);
  } else {
    for (auto& sh : shards_) sh->disarm();
    alloc_->abort_snapshot(target->sequence);
  }
  rep.child_done_ns = measure::now_ns();
  const double total_ms = ms_since(t0);
  if (!s.ok()) {
    rep.status =
        s.code() == Status::Code::kOk ? s : s.with_context(s.message().rfind("paged-kv", 0) == 0 ? "" : "paged-kv: ");
    return rep;
  }
  const uint64_t flushed = counters_.values().snapshot_writebacks - before.snapshot_writebacks - cut_pages;
  const uint64_t page_bytes_written = (flushed + cut_pages) * static_cast<uint64_t>(opt_.page_bytes);
  rep.fork_us = begin_us + static_cast<double>(pause_max) / 1e3;
  rep.child_duration_ms = total_ms;
  rep.bytes = static_cast<int64_t>(page_bytes_written + written);
  rep.digest = digest.hex();
  rep.extra = nlohmann::json{{"transport", remote_->options().type},
                             {"slot", target->slot},
                             {"sequence", target->sequence},
                             {"begin_us", begin_us},
                             {"cuts_by_clients", counters_.values().cuts_by_clients - before.cuts_by_clients},
                             {"flush_ms", flush_ms},
                             {"pages_flushed", flushed},
                             {"pages_written_in_cuts", cut_pages},
                             {"page_bytes_written", page_bytes_written},
                             {"index_image_bytes", written},
                             {"keys", keys},
                             {"cut_pause_us_max", static_cast<double>(pause_max) / 1e3},
                             {"cut_pause_us_sum", static_cast<double>(pause_sum) / 1e3},
                             {"shards", shards_.size()},
                             {"fork", false}};
  char line[300];
  std::snprintf(
      line, sizeof line,
      "no fork; %llu pages flushed + %llu in cuts, %.1f MB index image, longest shard cut %.0f us, %.1f ms in all",
      static_cast<unsigned long long>(flushed), static_cast<unsigned long long>(cut_pages),
      static_cast<double>(written) / 1e6, static_cast<double>(pause_max) / 1e3, total_ms);
  rep.summary = line;
  return rep;
}

std::optional<SnapshotReport> PagedEngine::poll_snapshot() {
  if (!snapshot_running_ || !snapshot_done_.load(std::memory_order_acquire)) return std::nullopt;
  snapshot_.join();
  snapshot_running_ = false;
  (snapshot_report_.ok() ? snapshots_ok_ : snapshots_failed_)++;
  return std::move(snapshot_report_);
}

Status PagedEngine::load_slot(const remote::SlotState& st, RecoveryReport* rep) {
  const remote::SlotHeader& h = *st.header;
  if (h.kind != remote::PayloadKind::kPagedKv)
    return Status::FailedPrecondition("holds a " + std::string(remote::payload_kind_name(h.kind)) +
                                      ", not a paged-kv snapshot");
  if (h.format_version != kImageVersion)
    return Status::FailedPrecondition("image format " + std::to_string(h.format_version) + ", this build reads " +
                                      std::to_string(kImageVersion));
  const std::vector<uint8_t> want = header_extra();
  if (h.extra != want) {
    if (h.extra.size() != want.size()) return Status::Corruption("its header's paged-kv fields have the wrong size");
    return Status::FailedPrecondition("written with pages of " + std::to_string(transport::le::get32(h.extra.data())) +
                                      " bytes, " + std::to_string(transport::le::get32(h.extra.data() + 4)) +
                                      " shards, data at " + std::to_string(transport::le::get64(h.extra.data() + 8)) +
                                      " and " + std::to_string(transport::le::get64(h.extra.data() + 16)) +
                                      " page slots; this engine has " + std::to_string(opt_.page_bytes) + ", " +
                                      std::to_string(shards_.size()) + ", " + std::to_string(data_offset_) + " and " +
                                      std::to_string(alloc_->figures().total));
  }
  if (h.payload_offset != areas_.offset(st.slot) || h.payload_bytes > areas_.capacity)
    return Status::Corruption("its image lies outside its slot area");
  const uint64_t t0 = measure::now_ns();
  std::vector<uint8_t> image(h.payload_bytes);
  for (uint64_t off = 0; off < image.size();) {
    const uint64_t n = std::min<uint64_t>(kStagingBytes, image.size() - off);
    if (Status s = transport::transfer(remote_->transport(), transport::Op::kRead, *staging_buf_, 0, n,
                                       h.payload_offset + off, io_->timeout());
        !s.ok())
      return s.with_context("reading the index image: ");
    std::memcpy(image.data() + off, staging_.data(), n);
    off += n;
  }
  counters_.add(counters_.bytes_read, image.size());
  const double read_ms = ms_since(t0);
  if (remote::checksum64(image.data(), image.size()) != h.payload_checksum)
    return Status::Corruption("the index image's checksum does not match its header's");
  const uint64_t t_parse = measure::now_ns();
  const uint8_t* p = image.data();
  const uint8_t* end = p + image.size();
  if (image.size() < 16 || transport::le::get32(p) != kImageMagic || transport::le::get32(p + 8) != shards_.size())
    return Status::Corruption("the index image has no valid header");
  p += 16;
  // Where each shard's part ends (a scan of the lengths only), then the shards loaded in parallel.
  std::vector<const uint8_t*> parts;
  Status s;
  for (size_t i = 0; i < shards_.size() && s.ok(); ++i) {
    parts.push_back(p);
    p = shard_part_end(p, end);
    if (p == nullptr) s = Status::Corruption("the index image is cut short in shard " + std::to_string(i));
  }
  if (s.ok() && p != end) s = Status::Corruption("the index image has bytes after its last shard");
  parts.push_back(end);
  std::vector<uint32_t> used;
  if (s.ok()) {
    const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, shards_.size());
    std::vector<Status> status(workers);
    std::vector<std::vector<uint32_t>> slots_used(workers);
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w)
      threads.emplace_back([&, w] {
        for (size_t i = w; i < shards_.size() && status[w].ok(); i += workers) {
          const uint8_t* q = parts[i];
          status[w] = shards_[i]->load(&q, parts[i + 1], h.sequence, &slots_used[w]);
          if (status[w].ok() && q != parts[i + 1])
            status[w] =
                Status::Corruption("shard " + std::to_string(i) + "'s part of the index image has bytes left over");
        }
      });
    for (auto& t : threads) t.join();
    for (size_t w = 0; w < workers; ++w) {
      if (s.ok() && !status[w].ok()) s = status[w];
      used.insert(used.end(), slots_used[w].begin(), slots_used[w].end());
    }
  }
  if (s.ok()) {
    std::vector<bool> seen(alloc_->figures().total, false);
    for (uint32_t slot : used) {
      if (seen[slot]) {
        s = Status::Corruption("two pages of the image share page slot " + std::to_string(slot));
        break;
      }
      seen[slot] = true;
    }
  }
  ContentDigest running;
  for (auto& sh : shards_) merge(&running, sh->running_digest());
  if (s.ok() && !(running == h.digest))
    s = Status::Corruption("the index's record hashes do not add up to the header's digest");
  if (!s.ok()) {
    for (auto& sh : shards_) sh->clear();
    alloc_->reset({}, 0, st.slot);
    return s;
  }
  alloc_->reset(used, h.sequence, st.slot);
  recovered_digest_ = h.digest;
  const double parse_ms = ms_since(t_parse);
  rep->bytes = static_cast<int64_t>(image.size());
  rep->keys = static_cast<int64_t>(running.count);
  char line[300];
  std::snprintf(line, sizeof line,
                "index of %llu keys and %zu pages from slot %d (snapshot %llu) over %s: read %.1f ms, parse %.1f ms; "
                "pages come back on demand",
                static_cast<unsigned long long>(running.count), used.size(), st.slot,
                static_cast<unsigned long long>(h.sequence), remote_->options().type.c_str(), read_ms, parse_ms);
  rep->summary = line;
  rep->extra = nlohmann::json{{"transport", remote_->options().type},
                              {"slot", st.slot},
                              {"sequence", h.sequence},
                              {"index_image_bytes", image.size()},
                              {"pages", used.size()},
                              {"read_ms", read_ms},
                              {"parse_ms", parse_ms},
                              {"ready_ms", ms_since(t0)},
                              {"pages_on_demand", true},
                              {"created_unix_ns", h.created_unix_ns}};
  return Status::Ok();
}

RecoveryReport PagedEngine::recover() {
  RecoveryReport rep;
  rep.source = remote_->describe();
  recovered_digest_.reset();
  if (snapshot_running_) {
    rep.status = Status::FailedPrecondition("paged-kv: cannot recover while a snapshot is running");
    return rep;
  }
  const BackgroundPause pause(this);
  auto empty = [&] {
    for (auto& sh : shards_) sh->clear();
    alloc_->reset({}, 0, 0);
  };
  StatusOr<remote::RemoteSlots::Candidates> cand = slots_->candidates();
  if (!cand.ok()) {
    empty();
    rep.status = cand.status().with_context("paged-kv: ");
    return rep;
  }
  const remote::SlotRecovery got = remote::recover_newest(
      *cand, "paged-kv", [&](const remote::SlotState& s, const std::string&) { return load_slot(s, &rep); });
  if (!got.status.ok()) {
    empty();
    rep.status = got.status;
    return rep;
  }
  rep.source = got.name + " of " + remote_->describe();
  rep.extra["skipped"] = got.skipped.empty() ? nlohmann::json(nullptr) : nlohmann::json(got.skipped);
  return rep;
}

StatusOr<std::string> PagedEngine::digest() {
  // The background rebuild moves records between pages: it would count a record twice when it
  // moves one from a page not yet read to one already read. Pause it meanwhile.
  const BackgroundPause pause(this);
  ContentDigest d;
  for (auto& sh : shards_) {
    StatusOr<ContentDigest> s = sh->content_digest();
    if (!s.ok()) return s.status();
    merge(&d, *s);
  }
  return d.hex();
}

StatusOr<std::string> PagedEngine::recovered_snapshot_digest() {
  if (!recovered_digest_) return Status::NotFound("paged-kv has recovered no snapshot");
  return recovered_digest_->hex();
}

std::optional<int64_t> PagedEngine::size() const {
  int64_t n = 0;
  for (const auto& sh : shards_) n += static_cast<int64_t>(sh->figures().keys);
  return n;
}

Shard::Figures PagedEngine::totals() const {
  Shard::Figures t;
  for (const auto& sh : shards_) {
    const Shard::Figures f = sh->figures();
    t.keys += f.keys;
    t.pages += f.pages;
    t.resident += f.resident;
    t.dirty += f.dirty;
    t.used_bytes += f.used_bytes;
    t.dead_bytes += f.dead_bytes;
    t.index_bytes += f.index_bytes;
    t.frames += f.frames;
  }
  return t;
}

nlohmann::json PagedEngine::report() const {
  const Shard::Figures t = totals();
  const SlotAllocator::Figures sl = alloc_->figures();
  const auto pb = static_cast<uint64_t>(opt_.page_bytes);
  nlohmann::json j;
  j["keys"] = t.keys;
  j["transport"] = remote_->options().type;
  j["remote"] = remote_->describe();
  j["shards"] = opt_.shards;
  j["page_bytes"] = opt_.page_bytes;
  j["eviction"] = std::string(name_of(kEvictionNames, opt_.eviction));
  j["connections"] = opt_.connections;
  j["cache"] = {
      {"budget_bytes", cache_.size()},
      {"budget_from", opt_.cache_bytes > 0 ? "engine.cache_bytes" : "engine.cache_fraction"},
      {"cache_fraction", opt_.cache_bytes > 0 ? nlohmann::json(nullptr) : nlohmann::json(opt_.cache_fraction)},
      {"dataset_record_bytes", opt_.dataset_bytes},
      {"frames", t.frames},
      {"resident_pages", t.resident},
      {"resident_bytes", t.resident * pb},
      {"dirty_pages", t.dirty}};
  j["index_bytes_estimate"] = t.index_bytes;
  j["pages"] = {{"allocated", t.pages},
                {"used_bytes", t.used_bytes},
                {"dead_bytes", t.dead_bytes},
                {"fill", t.pages ? nlohmann::json(static_cast<double>(t.used_bytes) / static_cast<double>(t.pages * pb))
                                 : nlohmann::json(nullptr)}};
  j["remote_slots"] = {{"total", sl.total},
                       {"free", sl.free},
                       {"retired", sl.retired},
                       {"data_offset", data_offset_},
                       {"snapshot_area_bytes", areas_.capacity}};
  j["rebuild"] = {{"enabled", opt_.rebuild}, {"dead_fraction", opt_.rebuild_dead_fraction}};
  j["counters"] = counters_.values().to_json();
  j["phases"] = phases_;
  // The process's own memory: over shm the memory node's region is mapped here too, and its touched
  // pages count in RSS as shared memory; rss_anon_bytes is what the cache, index and rest cost.
  auto known = [](int64_t v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  const measure::RssParts rss = measure::rss_parts();
  j["rss_bytes"] = known(measure::rss_bytes());
  j["rss_anon_bytes"] = known(rss.anon);
  j["rss_shmem_bytes"] = known(rss.shmem);
  j["snapshots_ok"] = snapshots_ok_;
  j["snapshots_failed"] = snapshots_failed_;
  {
    std::lock_guard lk(const_cast<std::mutex&>(bg_mu_));
    j["background_error"] = bg_error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(bg_error_);
  }
  return j;
}

}  // namespace rpbench::paged

namespace rpbench {

EngineEntry paged_engine_entry() {
  EngineEntry e;
  e.info = paged::kPagedEngineInfo;
  e.options = paged::paged_option_table().fields();
  e.snapshots_without_fork = true;
  e.check = [](const nlohmann::json& resolved) -> std::optional<ConfigProblem> {
    paged::PagedOptions o = paged::paged_option_table().bind(resolved.at("engine"));
    o.dataset_bytes = paged::dataset_record_bytes(resolved);
    const int64_t key_size = resolved.at("dataset").value("key_size", int64_t{16});
    if (o.key_bytes > 0 && key_size != o.key_bytes)
      return ConfigProblem{"engine.key_bytes", "engine.key_bytes is " + std::to_string(o.key_bytes) +
                                                   " but dataset.key_size is " + std::to_string(key_size) +
                                                   ": every put would be refused"};
    if (auto p = paged::options_problem(o)) return ConfigProblem{p->first, p->second};
    return std::nullopt;
  };
  e.memory_bytes = [](const nlohmann::json& resolved, uint64_t) -> uint64_t {
    paged::PagedOptions o = paged::paged_option_table().bind(resolved.at("engine"));
    o.dataset_bytes = paged::dataset_record_bytes(resolved);
    const uint64_t keys = resolved.at("dataset").value("keys", uint64_t{0});
    const uint64_t key_size = resolved.at("dataset").value("key_size", uint64_t{16});
    // The cache, and the index as Shard::figures() counts it (its bucket array about 8 bytes a key).
    return paged::cache_budget(o) + keys * (paged::Shard::index_bytes_per_key(key_size) + sizeof(void*));
  };
  e.open = [](const EngineOpenArgs& args) -> StatusOr<std::unique_ptr<Engine>> {
    paged::PagedOptions o = paged::paged_option_table().bind(args.options);
    o.dataset_bytes = paged::dataset_record_bytes(args.experiment);
    auto engine = paged::PagedEngine::open(o, args.transport);
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<Engine>(std::move(*engine));
  };
  return e;
}

}  // namespace rpbench
