#include "engines/paged_kv/shard.h"

#include <chrono>
#include <cstring>

#include "engines/paged_kv/page_format.h"
#include "measure/clock.h"
#include "transport/little_endian.h"

namespace rpbench::paged {

using transport::le::get16;
using transport::le::get32;
using transport::le::get64;
using transport::le::put16;
using transport::le::put32;
using transport::le::put64;

Shard::Shard(uint32_t id, const ShardContext& ctx, uint32_t first_frame, uint32_t frames)
    : id_(id),
      ctx_(ctx),
      first_frame_(first_frame),
      frames_(frames),
      low_water_(std::max<uint32_t>(1, frames / 8)),
      frame_(frames),
      replacer_(make_replacer(ctx.eviction, frames)) {
  for (int64_t f = frames; f-- > 0;) free_frames_.push_back(f);
}

void Shard::set_dirty(int64_t f, bool d) {
  if (frame_[f].dirty == d) return;
  frame_[f].dirty = d;
  if (d)
    ++dirty_frames_;
  else
    --dirty_frames_;
}

bool Shard::over_threshold(const Page& pg) const {
  return pg.used > 0 && static_cast<double>(pg.dead_bytes) >= ctx_.rebuild_dead_fraction * static_cast<double>(pg.used);
}

bool Shard::wait_for_cut(Lock& lk) {
  if (!cutting_) return false;
  cv_.wait(lk, [&] { return !cutting_; });
  return true;
}

void Shard::detach(int64_t f) {
  const int64_t p = frame_[f].page;
  if (p >= 0) pages_[p].frame = -1;
  frame_[f].page = -1;
  replacer_->erase(static_cast<uint32_t>(f));
  set_dirty(f, false);
}

Status Shard::fault_in(Lock& lk, uint32_t p) {
  Page& pg = pages_[p];
  if (pg.busy) {
    ctx_.counters->add(ctx_.counters->waits_for_fetch, 1);
    cv_.wait(lk, [&] { return !pg.busy; });
    return Status::Ok();
  }
  if (pg.frame >= 0 || wait_for_cut(lk)) return Status::Ok();
  StatusOr<int64_t> f = take_frame(lk);
  if (!f.ok()) return f.status();
  if (*f < 0) return Status::Ok();
  pg.busy = pg.fetching = true;
  ++busy_pages_;
  pg.frame = *f;
  frame_[*f].page = p;
  const uint32_t slot = pg.slot;
  ctx_.counters->add(ctx_.counters->misses, 1);
  lk.unlock();
  const uint64_t t0 = measure::now_ns();
  Status s = ctx_.io->cache_io(transport::Op::kRead, frame_offset(*f), ctx_.page_bytes, slot_offset(slot));
  const uint64_t dt = measure::now_ns() - t0;
  if (s.ok()) s = PageRef(frame_data(*f), ctx_.page_bytes).check(page_uid(p));
  lk.lock();
  pg.busy = pg.fetching = false;
  --busy_pages_;
  cv_.notify_all();
  if (!s.ok()) {
    pg.frame = -1;
    frame_[*f].page = -1;
    free_frames_.push_back(*f);
    return s.with_context("paged-kv: fetching page " + std::to_string(page_uid(p)) + " from slot " +
                          std::to_string(slot) + ": ");
  }
  replacer_->insert(static_cast<uint32_t>(*f));
  ctx_.counters->add(ctx_.counters->bytes_read, ctx_.page_bytes);
  ctx_.counters->add(ctx_.counters->fetch_ns, dt);
  ctx_.counters->max(ctx_.counters->fetch_ns_max, dt);
  return Status::Ok();
}

StatusOr<int64_t> Shard::take_frame(Lock& lk) {
  if (!free_frames_.empty()) {
    const int64_t f = free_frames_.back();
    free_frames_.pop_back();
    return f;
  }
  auto may_go = [&](uint32_t f, bool clean_only) {
    const Frame& fr = frame_[f];
    if (fr.page < 0 || fr.page == open_page_) return false;
    return !pages_[fr.page].busy && (!clean_only || !fr.dirty);
  };
  int64_t v = replacer_->pick([&](uint32_t f) { return may_go(f, true); }, frames_);
  if (v < 0) v = replacer_->pick([&](uint32_t f) { return may_go(f, false); }, frames_);
  if (v < 0) {  // every other frame is busy: wait for one
    ctx_.counters->add(ctx_.counters->waits_for_fetch, 1);
    cv_.wait_for(lk, std::chrono::milliseconds(1));
    return int64_t{-1};
  }
  ctx_.counters->add(ctx_.counters->evictions, 1);
  if (!frame_[v].dirty) {
    ctx_.counters->add(ctx_.counters->clean_drops, 1);
    detach(v);
    return v;
  }
  if (wait_for_cut(lk)) return int64_t{-1};
  ctx_.counters->add(ctx_.counters->foreground_writebacks, 1);
  if (Status s = write_back(lk, static_cast<uint32_t>(frame_[v].page), false); !s.ok()) return s;
  return int64_t{-1};
}

Status Shard::write_back(Lock& lk, uint32_t p, bool keep_lock) {
  Page& pg = pages_[p];
  const int64_t f = pg.frame;
  if (pg.slot_seq != 0) {  // a snapshot names the slot: the page moves to a new one
    StatusOr<uint32_t> ns = ctx_.slots->alloc();
    if (!ns.ok()) return ns.status();
    ctx_.slots->retire(pg.slot, pg.slot_seq);
    pg.slot = *ns;
    pg.slot_seq = 0;
  }
  const uint32_t slot = pg.slot;
  set_dirty(f, false);
  Status s;
  if (keep_lock) {
    s = ctx_.io->cache_io(transport::Op::kWrite, frame_offset(f), ctx_.page_bytes, slot_offset(slot));
  } else {
    pg.busy = true;
    ++busy_pages_;
    lk.unlock();
    s = ctx_.io->cache_io(transport::Op::kWrite, frame_offset(f), ctx_.page_bytes, slot_offset(slot));
    lk.lock();
    pg.busy = false;
    --busy_pages_;
    cv_.notify_all();
  }
  if (!s.ok()) {
    set_dirty(f, true);
    return s.with_context("paged-kv: writing page " + std::to_string(page_uid(p)) + " to slot " + std::to_string(slot) +
                          ": ");
  }
  ctx_.counters->add(ctx_.counters->bytes_written, ctx_.page_bytes);
  return Status::Ok();
}

uint32_t Shard::new_page_id() {
  if (!free_page_ids_.empty()) {
    const uint32_t p = free_page_ids_.back();
    free_page_ids_.pop_back();
    return p;
  }
  pages_.emplace_back();
  return static_cast<uint32_t>(pages_.size() - 1);
}

StatusOr<bool> Shard::ready_open_page(Lock& lk, uint32_t need) {
  if (open_page_ >= 0) {
    Page& pg = pages_[open_page_];
    if (pg.busy) {
      ctx_.counters->add(ctx_.counters->waits_for_fetch, 1);
      cv_.wait(lk, [&] { return !pg.busy; });
      return false;
    }
    if (pg.frame < 0) {
      if (Status s = fault_in(lk, static_cast<uint32_t>(open_page_)); !s.ok()) return s;
      return false;
    }
    if (PageRef(frame_data(pg.frame), ctx_.page_bytes).free_bytes() >= need) return true;
    const auto old = static_cast<uint32_t>(open_page_);
    open_page_ = -1;
    if (pg.dead_count == pg.count)
      free_page(old);
    else if (over_threshold(pg))
      rebuild_candidates_.insert(old);
  }
  StatusOr<int64_t> f = take_frame(lk);
  if (!f.ok()) return f.status();
  if (*f < 0) return false;
  StatusOr<uint32_t> slot = ctx_.slots->alloc();
  if (!slot.ok()) {
    free_frames_.push_back(*f);
    return slot.status();
  }
  const uint32_t p = new_page_id();
  Page& pg = pages_[p];
  pg = Page{};
  pg.allocated = true;
  pg.frame = *f;
  pg.slot = *slot;
  frame_[*f].page = p;
  set_dirty(*f, true);
  PageRef(frame_data(*f), ctx_.page_bytes).init(page_uid(p));
  replacer_->insert(static_cast<uint32_t>(*f));
  open_page_ = p;
  return true;
}

StatusOr<bool> Shard::append(Lock& lk, std::string_view key, std::string_view value, uint64_t pair) {
  const uint32_t need = record_footprint(key.size(), value.size());
  StatusOr<bool> ready = ready_open_page(lk, need);
  if (!ready.ok() || !*ready) return ready;
  const auto p = static_cast<uint32_t>(open_page_);
  Page& pg = pages_[p];
  PageRef pr(frame_data(pg.frame), ctx_.page_bytes);
  const std::optional<uint32_t> slot = pr.append(key, value);
  if (!slot) return Status::Internal("paged-kv: a record did not fit the page that had room for it");
  pg.count = pr.count();
  if (pg.dead.size() * 64 < pg.count) pg.dead.resize((pg.count + 63) / 64, 0);
  pg.used += need;
  used_bytes_ += need;
  set_dirty(pg.frame, true);
  replacer_->touch(static_cast<uint32_t>(pg.frame));
  const Entry e{p, *slot, need, pair};
  if (auto it = index_.find(key); it != index_.end()) {
    const Entry old = it->second;
    digest_.remove(old.pair);
    it->second = e;
    mark_dead(old);
  } else {
    index_.emplace(std::string(key), e);
  }
  digest_.add(pair);
  ctx_.counters->add(ctx_.counters->appends, 1);
  return true;
}

void Shard::mark_dead(const Entry& e) {
  Page& pg = pages_[e.page];
  pg.dead[e.slot / 64] |= uint64_t{1} << (e.slot % 64);
  ++pg.dead_count;
  pg.dead_bytes += e.footprint;
  dead_bytes_ += e.footprint;
  if (static_cast<int64_t>(e.page) == open_page_ || pg.rebuilding) return;
  if (pg.dead_count == pg.count && !pg.busy)
    free_page(e.page);
  else if (pg.dead_count == pg.count || over_threshold(pg))
    rebuild_candidates_.insert(e.page);
}

void Shard::free_page(uint32_t p) {
  Page& pg = pages_[p];
  if (pg.frame >= 0) {
    const int64_t f = pg.frame;
    detach(f);
    free_frames_.push_back(f);
  }
  ctx_.slots->retire(pg.slot, pg.slot_seq);
  used_bytes_ -= pg.used;
  dead_bytes_ -= pg.dead_bytes;
  rebuild_candidates_.erase(p);
  pg = Page{};
  free_page_ids_.push_back(p);
  ctx_.counters->add(ctx_.counters->pages_freed, 1);
}

Status Shard::put(std::string_view key, std::string_view value) {
  const uint64_t pair = pair_hash(key, value);
  Lock lk(mu_);
  for (;;) {
    settle_cut(lk, true);
    if (auto it = index_.find(key); it != index_.end()) {
      Entry& e = it->second;
      Page& pg = pages_[e.page];
      if (pg.frame >= 0 && !pg.busy && !pg.rebuilding &&
          PageRef(frame_data(pg.frame), ctx_.page_bytes).update(e.slot, value)) {
        set_dirty(pg.frame, true);
        replacer_->touch(static_cast<uint32_t>(pg.frame));
        digest_.remove(e.pair);
        digest_.add(pair);
        e.pair = pair;
        ctx_.counters->add(ctx_.counters->hits, 1);
        ctx_.counters->add(ctx_.counters->in_place_updates, 1);
        return Status::Ok();
      }
    }
    StatusOr<bool> done = append(lk, key, value, pair);
    if (!done.ok()) return done.status();
    if (*done) return Status::Ok();
  }
}

Status Shard::get(std::string_view key, std::string* value) {
  Lock lk(mu_);
  for (;;) {
    auto it = index_.find(key);
    if (it == index_.end()) return Status::NotFound();
    const Entry& e = it->second;
    Page& pg = pages_[e.page];
    if (pg.frame >= 0 && !pg.fetching) {
      value->assign(PageRef(frame_data(pg.frame), ctx_.page_bytes).record(e.slot).value);
      replacer_->touch(static_cast<uint32_t>(pg.frame));
      ctx_.counters->add(ctx_.counters->hits, 1);
      return Status::Ok();
    }
    if (Status s = fault_in(lk, e.page); !s.ok()) return s;
  }
}

Status Shard::del(std::string_view key) {
  Lock lk(mu_);
  settle_cut(lk, true);
  auto it = index_.find(key);
  if (it == index_.end()) return Status::NotFound();
  const Entry e = it->second;
  index_.erase(it);
  digest_.remove(e.pair);
  mark_dead(e);
  return Status::Ok();
}

StatusOr<uint32_t> Shard::clean(uint32_t max) {
  Lock lk(mu_);
  uint32_t written = 0;
  while (written < max && !cutting_) {
    const auto in_use = static_cast<uint32_t>(frames_ - free_frames_.size());
    if (free_frames_.size() + (in_use - dirty_frames_) >= low_water_) break;
    const int64_t v = replacer_->pick(
        [&](uint32_t f) {
          const Frame& fr = frame_[f];
          return fr.page >= 0 && fr.dirty && fr.page != open_page_ && !pages_[fr.page].busy;
        },
        frames_);
    if (v < 0) break;
    if (Status s = write_back(lk, static_cast<uint32_t>(frame_[v].page), false); !s.ok()) return s;
    ctx_.counters->add(ctx_.counters->background_writebacks, 1);
    ++written;
  }
  return written;
}

StatusOr<uint32_t> Shard::rebuild(uint32_t max) {
  Lock lk(mu_);
  uint32_t n = 0;
  while (n < max && !rebuild_candidates_.empty() && !cutting_) {
    const uint32_t p = *rebuild_candidates_.begin();
    Page& pg = pages_[p];
    if (pg.busy) break;  // try again later
    rebuild_candidates_.erase(rebuild_candidates_.begin());
    if (!pg.allocated || static_cast<int64_t>(p) == open_page_) continue;
    if (pg.dead_count != pg.count && !over_threshold(pg)) continue;
    if (Status s = rebuild_page(lk, p); !s.ok()) return s;
    ++n;
  }
  return n;
}

Status Shard::rebuild_all() {
  for (;;) {
    StatusOr<uint32_t> n = rebuild(64);
    if (!n.ok()) return n.status();
    Lock lk(mu_);
    if (rebuild_candidates_.empty()) return Status::Ok();
    if (*n == 0) cv_.wait_for(lk, std::chrono::milliseconds(1));
  }
}

Status Shard::live_records(Lock& lk, uint32_t p, std::vector<LiveRecord>* out) {
  Page& pg = pages_[p];
  if (pg.frame >= 0) {
    const PageRef pr(frame_data(pg.frame), ctx_.page_bytes);
    for (uint32_t slot = 0; slot < pg.count; ++slot) {
      if (is_dead(pg, slot)) continue;
      const RecordView r = pr.record(slot);
      out->push_back({slot, std::string(r.key), std::string(r.value)});
    }
    return Status::Ok();
  }
  // A remote page: its header and directory, then only the runs of live records, read with the
  // lock dropped (the page busy: no one fetches it meanwhile). Records that die meanwhile are
  // found out by the caller, which moves a record only while the index still points at it.
  const uint32_t count = pg.count;
  const uint64_t remote = slot_offset(pg.slot);
  const std::vector<uint64_t> dead = pg.dead;
  auto live = [&](uint32_t slot) { return !((dead[slot / 64] >> (slot % 64)) & 1); };
  pg.busy = true;
  ++busy_pages_;
  lk.unlock();
  Status s;
  {
    IoPool::Lease c = ctx_.io->borrow();
    const PageRef pr(c->scratch.data(), ctx_.page_bytes);
    const auto read = [&](uint64_t off, uint64_t len) {
      ctx_.counters->add(ctx_.counters->rebuild_bytes_read, len);
      ctx_.counters->add(ctx_.counters->bytes_read, len);
      return transport::transfer(*c->t, transport::Op::kRead, c->scratch_buf, off, len, remote + off,
                                 ctx_.io->timeout());
    };
    s = read(0, kPageHeaderBytes + 4 * uint64_t{count});
    if (s.ok()) s = pr.check_directory(page_uid(p), count);
    for (uint32_t slot = 0; s.ok() && slot < count;) {
      if (!live(slot)) {
        ++slot;
        continue;
      }
      uint32_t last = slot;
      while (last + 1 < count && live(last + 1)) ++last;
      const uint32_t begin = pr.record_begin(last), end = pr.record_end(slot);
      s = read(begin, end - begin);
      for (uint32_t i = slot; s.ok() && i <= last; ++i) {
        s = pr.check_record(i);
        if (!s.ok()) break;
        const RecordView r = pr.record(i);
        out->push_back({i, std::string(r.key), std::string(r.value)});
      }
      slot = last + 1;
    }
  }
  lk.lock();
  pg.busy = false;
  --busy_pages_;
  cv_.notify_all();
  return s.ok() ? s : s.with_context("paged-kv: rebuilding page " + std::to_string(page_uid(p)) + ": ");
}

Status Shard::rebuild_page(Lock& lk, uint32_t p) {
  const uint64_t t0 = measure::now_ns();
  Page& pg = pages_[p];
  if (pg.dead_count == pg.count) {
    free_page(p);
    return Status::Ok();
  }
  pg.rebuilding = true;
  std::vector<LiveRecord> live;
  Status s = live_records(lk, p, &live);
  uint64_t moved = 0;
  for (size_t i = 0; s.ok() && i < live.size(); ++i) {
    const LiveRecord& rec = live[i];
    for (;;) {
      auto it = index_.find(rec.key);
      if (it == index_.end() || it->second.page != p || it->second.slot != rec.slot)
        break;  // deleted or moved meanwhile
      StatusOr<bool> done = append(lk, rec.key, rec.value, it->second.pair);
      if (!done.ok()) {
        s = done.status();
        break;
      }
      if (*done) {
        ++moved;
        break;
      }
    }
  }
  pg.rebuilding = false;
  if (s.ok() && pg.dead_count == pg.count && !pg.busy)
    free_page(p);
  else if (pg.allocated)
    rebuild_candidates_.insert(p);
  const uint64_t dt = measure::now_ns() - t0;
  ctx_.counters->add(ctx_.counters->pages_rebuilt, 1);
  ctx_.counters->add(ctx_.counters->rebuild_records_moved, moved);
  ctx_.counters->add(ctx_.counters->rebuild_ns, dt);
  ctx_.counters->max(ctx_.counters->rebuild_ns_max, dt);
  return s;
}

Status Shard::flush() {
  Lock lk(mu_);
  for (uint32_t f = 0; f < frames_; ++f) {
    const Frame& fr = frame_[f];
    if (fr.page < 0 || !fr.dirty || pages_[fr.page].busy) continue;
    if (Status s = write_back(lk, static_cast<uint32_t>(fr.page), false); !s.ok()) return s;
    ctx_.counters->add(ctx_.counters->snapshot_writebacks, 1);
  }
  return Status::Ok();
}

namespace {
void append_bytes(std::vector<uint8_t>* out, const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  out->insert(out->end(), b, b + n);
}
void append32(std::vector<uint8_t>* out, uint32_t v) {
  uint8_t b[4];
  put32(b, v);
  append_bytes(out, b, 4);
}
void append64(std::vector<uint8_t>* out, uint64_t v) {
  uint8_t b[8];
  put64(b, v);
  append_bytes(out, b, 8);
}
}  // namespace

void Shard::arm(uint64_t seq) {
  Lock lk(mu_);
  armed_seq_ = seq;
  cut_image_.clear();
  cut_result_.reset();
}

void Shard::disarm() {
  Lock lk(mu_);
  armed_seq_ = 0;
  cut_image_.clear();
  cut_result_.reset();
}

void Shard::settle_cut(Lock& lk, bool by_client) {
  while (armed_seq_ != 0 || cutting_) {
    if (armed_seq_ != 0) {
      if (by_client) ctx_.counters->add(ctx_.counters->cuts_by_clients, 1);
      cut_locked(lk);
    } else {
      cv_.wait(lk, [&] { return !cutting_; });
    }
  }
}

void Shard::cut_locked(Lock& lk) {
  const uint64_t seq = armed_seq_;
  armed_seq_ = 0;
  const uint64_t t0 = measure::now_ns();
  cutting_ = true;
  cv_.wait(lk, [&] { return busy_pages_ == 0; });
  ShardCut c;
  Status s;
  for (uint32_t f = 0; f < frames_ && s.ok(); ++f) {
    if (frame_[f].page < 0 || !frame_[f].dirty) continue;
    s = write_back(lk, static_cast<uint32_t>(frame_[f].page), true);
    ++c.pages_written;
  }
  if (!s.ok()) {
    cutting_ = false;
    cv_.notify_all();
    cut_result_ = s;
    return;
  }
  ctx_.counters->add(ctx_.counters->snapshot_writebacks, c.pages_written);
  std::vector<uint8_t>* image = &cut_image_;
  uint32_t allocated = 0;
  for (const Page& pg : pages_) allocated += pg.allocated ? 1 : 0;
  append32(image, id_);
  append32(image, allocated);
  for (uint32_t p = 0; p < pages_.size(); ++p) {
    Page& pg = pages_[p];
    if (!pg.allocated) continue;
    append32(image, p);
    append32(image, pg.slot);
    append32(image, pg.count);
    append32(image, pg.used);
    pg.slot_seq = seq;
  }
  append64(image, index_.size());
  for (const auto& [k, e] : index_) {
    uint8_t b[2];
    put16(b, static_cast<uint16_t>(k.size()));
    append_bytes(image, b, 2);
    append_bytes(image, k.data(), k.size());
    append32(image, e.page);
    append32(image, e.slot);
    append32(image, e.footprint);
    append64(image, e.pair);
  }
  c.keys = index_.size();
  c.digest = digest_;
  c.pause_ns = measure::now_ns() - t0;
  cut_result_ = c;
  cutting_ = false;
  cv_.notify_all();
}

StatusOr<ShardCut> Shard::take_cut(std::vector<uint8_t>* image) {
  Lock lk(mu_);
  settle_cut(lk, false);  // a client's cut may be in progress: wait for it
  if (!cut_result_)
    return Status::Internal("paged-kv: shard " + std::to_string(id_) + " was not armed for the snapshot");
  StatusOr<ShardCut> r = std::move(*cut_result_);
  cut_result_.reset();
  image->insert(image->end(), cut_image_.begin(), cut_image_.end());
  cut_image_.clear();
  return r;
}

void Shard::clear() {
  Lock lk(mu_);
  index_.clear();
  pages_.clear();
  free_page_ids_.clear();
  frame_.assign(frames_, Frame{});
  free_frames_.clear();
  for (int64_t f = frames_; f-- > 0;) free_frames_.push_back(f);
  replacer_ = make_replacer(ctx_.eviction, frames_);
  rebuild_candidates_.clear();
  open_page_ = -1;
  dirty_frames_ = 0;
  digest_ = ContentDigest{};
  used_bytes_ = dead_bytes_ = 0;
}

Status Shard::load(const uint8_t** pp, const uint8_t* end, uint64_t seq, std::vector<uint32_t>* used) {
  clear();
  Lock lk(mu_);
  const uint8_t* p = *pp;
  const std::string where = "paged-kv: the snapshot's image of shard " + std::to_string(id_) + ": ";
  auto need = [&](size_t n) { return static_cast<size_t>(end - p) >= n; };
  if (!need(8)) return Status::Corruption(where + "cut short");
  if (get32(p) != id_) return Status::Corruption(where + "holds shard " + std::to_string(get32(p)));
  const uint32_t npages = get32(p + 4);
  p += 8;
  if (!need(uint64_t{npages} * 16)) return Status::Corruption(where + "cut short in its page table");
  const uint32_t total_slots = ctx_.slots->figures().total;
  const uint32_t max_records = ctx_.page_bytes / (kRecordHeaderBytes + 5);
  for (uint32_t i = 0; i < npages; ++i, p += 16) {
    const uint32_t id = get32(p), slot = get32(p + 4), count = get32(p + 8), bytes = get32(p + 12);
    if (slot >= total_slots || count > max_records || bytes > ctx_.page_bytes || id >= total_slots)
      return Status::Corruption(where + "page table entry " + std::to_string(i) + " is impossible");
    if (pages_.size() <= id) pages_.resize(id + 1);
    Page& pg = pages_[id];
    if (pg.allocated) return Status::Corruption(where + "page " + std::to_string(id) + " is listed twice");
    pg.allocated = true;
    pg.slot = slot;
    pg.slot_seq = seq;
    pg.count = count;
    pg.used = bytes;
    pg.dead.assign((count + 63) / 64, ~uint64_t{0});
    pg.dead_count = count;
    pg.dead_bytes = bytes;
    used->push_back(slot);
  }
  if (!need(8)) return Status::Corruption(where + "cut short before its index");
  const uint64_t keys = get64(p);
  p += 8;
  if (keys > static_cast<uint64_t>(end - p) / 22)
    return Status::Corruption(where + "claims " + std::to_string(keys) + " keys");
  index_.reserve(keys);
  for (uint64_t i = 0; i < keys; ++i) {
    if (!need(2)) return Status::Corruption(where + "cut short in its index");
    const uint16_t klen = get16(p);
    if (klen == 0 || klen > kMaxKeyBytes || !need(2u + klen + 20u))
      return Status::Corruption(where + "index entry " + std::to_string(i) + " is impossible");
    std::string key(reinterpret_cast<const char*>(p + 2), klen);
    p += 2 + klen;
    const Entry e{get32(p), get32(p + 4), get32(p + 8), get64(p + 12)};
    p += 20;
    if (e.page >= pages_.size() || !pages_[e.page].allocated || e.slot >= pages_[e.page].count)
      return Status::Corruption(where + "index entry " + std::to_string(i) + " points outside the page table");
    Page& pg = pages_[e.page];
    uint64_t& word = pg.dead[e.slot / 64];
    const uint64_t bit = uint64_t{1} << (e.slot % 64);
    if (!(word & bit) || e.footprint > pg.dead_bytes)
      return Status::Corruption(where + "index entry " + std::to_string(i) + " shares its record with another");
    word &= ~bit;
    --pg.dead_count;
    pg.dead_bytes -= e.footprint;
    if (!index_.emplace(std::move(key), e).second) return Status::Corruption(where + "a key is listed twice");
    digest_.add(e.pair);
  }
  for (uint32_t id = 0; id < pages_.size(); ++id) {
    Page& pg = pages_[id];
    if (!pg.allocated) {
      free_page_ids_.push_back(id);
      continue;
    }
    used_bytes_ += pg.used;
    dead_bytes_ += pg.dead_bytes;
    if (pg.dead_count == pg.count || over_threshold(pg)) rebuild_candidates_.insert(id);
  }
  *pp = p;
  return Status::Ok();
}

StatusOr<ContentDigest> Shard::content_digest() {
  ContentDigest d;
  Lock lk(mu_);
  for (uint32_t p = 0; p < pages_.size(); ++p) {
    for (;;) {
      const Page& pg = pages_[p];
      if (!pg.allocated) break;
      if (pg.frame >= 0 && !pg.fetching) {
        const PageRef pr(frame_data(pg.frame), ctx_.page_bytes);
        for (uint32_t slot = 0; slot < pg.count; ++slot) {
          if (is_dead(pg, slot)) continue;
          const RecordView r = pr.record(slot);
          d.add(r.key, r.value);
        }
        break;
      }
      if (Status s = fault_in(lk, p); !s.ok()) return s;
    }
  }
  if (d.count != index_.size())
    return Status::Internal("paged-kv: shard " + std::to_string(id_) + "'s pages hold " + std::to_string(d.count) +
                            " live records, its index " + std::to_string(index_.size()) + " keys");
  return d;
}

ContentDigest Shard::running_digest() const {
  Lock lk(mu_);
  return digest_;
}

uint64_t Shard::index_bytes_per_key(uint64_t key_size) {
  // A node per key (the next pointer, the key's std::string, the entry, the cached hash) in a
  // 16-byte malloc block with its 8-byte header, and the key's heap block where it is longer than
  // std::string's inline buffer.
  constexpr uint64_t kNode = sizeof(void*) + sizeof(std::pair<const std::string, Entry>) + sizeof(size_t);
  uint64_t bytes = (kNode + 15) / 16 * 16 + 8;
  if (key_size > 15) bytes += (key_size + 1 + 8 + 15) / 16 * 16;
  return bytes;
}

Shard::Figures Shard::figures() const {
  Lock lk(mu_);
  Figures f;
  f.keys = index_.size();
  f.frames = frames_;
  f.resident = frames_ - free_frames_.size();
  f.dirty = dirty_frames_;
  f.used_bytes = used_bytes_;
  f.dead_bytes = dead_bytes_;
  // The index (the bucket array and every key's node and heap block), then the page table.
  uint64_t bytes = index_.bucket_count() * sizeof(void*);
  for (const auto& kv : index_) bytes += index_bytes_per_key(kv.first.size());
  for (const Page& pg : pages_) {
    bytes += sizeof(Page) + pg.dead.capacity() * sizeof(uint64_t);
    f.pages += pg.allocated ? 1 : 0;
  }
  f.index_bytes = bytes;
  return f;
}

}  // namespace rpbench::paged
