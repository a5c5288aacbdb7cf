// Shard: one of paged-kv's independent parts (a key's shard is a hash of it independent of the
// index's hash). It holds, under its one lock: the index (key -> page, slot; local memory), the
// page table (for each page its remote slot, record count, used and dead bytes and dead bitmap),
// and its share of the page cache (frames of the engine's cache mapping, a replacer).
//
// Remote I/O never runs under the lock except where noted: a thread that misses marks the page
// busy, drops the lock, READs the page into a frame, and wakes the threads that wait for the same
// page (they do not fetch it again). A frame for a new page is a free one, else the coldest clean
// one (dropped without a write: its remote copy is current), else the coldest dirty one, which
// the thread must write back itself first (counted: the background evictor's job is to keep clean
// frames available so that this is rare). Whenever the lock was dropped an operation starts over.
//
// Held under the lock, briefly, by design: a snapshot's cut of the shard (its last dirty pages and
// its index image; measured). A rebuild reads a remote page's header and live records with the
// lock dropped, the page busy.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/hash.h"
#include "base/status_or.h"
#include "engines/content_digest.h"
#include "engines/paged_kv/io_pool.h"
#include "engines/paged_kv/paged_stats.h"
#include "engines/paged_kv/replacer.h"
#include "engines/paged_kv/slot_allocator.h"

namespace rpbench::paged {

// What the shards share (owned by the engine).
struct ShardContext {
  uint32_t page_bytes = 0;
  uint8_t* cache = nullptr;  // the cache mapping: frame f of a shard is at cache + (first + f) * page_bytes
  uint64_t data_offset = 0;  // region offset of page slot 0
  double rebuild_dead_fraction = 0.5;
  Eviction eviction = Eviction::kClock;
  IoPool* io = nullptr;
  SlotAllocator* slots = nullptr;
  Counters* counters = nullptr;
};

// The index hash: seeded apart from the shard hash (the contest team's mistake was one hash for both:
// every key of a shard then fell into a fraction of its buckets).
inline constexpr uint64_t kIndexHashSeed = 0x696e646578763031ull;
inline constexpr uint64_t kShardHashSeed = 0x7368617264763031ull;

struct IndexHash {
  using is_transparent = void;
  size_t operator()(std::string_view k) const { return hash64(k, kIndexHashSeed); }
};

struct Entry {
  uint32_t page = 0;
  uint32_t slot = 0;
  uint32_t footprint = 0;  // the record's bytes in its page, its directory entry included
  uint64_t pair = 0;       // pair_hash(key, value): the digest kept up to date on every write
};

// One shard's part of a snapshot's image, and what the cut cost.
struct ShardCut {
  uint64_t pause_ns = 0;  // the shard's lock held for the cut
  uint64_t pages_written = 0;
  uint64_t keys = 0;
  ContentDigest digest;
};

class Shard {
 public:
  Shard(uint32_t id, const ShardContext& ctx, uint32_t first_frame, uint32_t frames);

  Status put(std::string_view key, std::string_view value);
  Status get(std::string_view key, std::string* value);
  Status del(std::string_view key);

  // The background evictor: writes back up to `max` of the coldest dirty pages when fewer than
  // the low-water mark of frames are free or clean; the number written.
  StatusOr<uint32_t> clean(uint32_t max);
  // Rebuilds up to `max` pages whose dead fraction reached the threshold; the number rebuilt.
  StatusOr<uint32_t> rebuild(uint32_t max);
  // Every page whose dead fraction reached the threshold, now.
  Status rebuild_all();

  // A snapshot, point-in-time at arm(): from arm() on, the shard's first write (put or del) cuts
  // it first, under the lock, and so does take_cut() if no write came: the dirty pages written,
  // the index and page table into the cut's image, every page marked as in snapshot `seq`.
  // flush() (between the two, with the lock dropped as usual) writes dirty pages back so that
  // the cut has fewer left. take_cut() appends the image to `image`; disarm() drops a cut of a
  // snapshot that failed.
  void arm(uint64_t seq);
  Status flush();
  StatusOr<ShardCut> take_cut(std::vector<uint8_t>* image);
  void disarm();
  // Replaces the content with a shard image (pages remote, none cached); the slots its pages use
  // are appended to `used`. `p` points into the image and is advanced past this shard's part.
  Status load(const uint8_t** p, const uint8_t* end, uint64_t seq, std::vector<uint32_t>* used);
  void clear();

  // The digest of the content read from the pages themselves (every page fetched as needed).
  StatusOr<ContentDigest> content_digest();
  // The digest kept up to date on every write (what a snapshot stores).
  ContentDigest running_digest() const;

  struct Figures {
    uint64_t keys = 0;
    uint64_t pages = 0;     // allocated pages
    uint64_t resident = 0;  // of those, in the cache
    uint64_t dirty = 0;
    uint64_t used_bytes = 0;  // records and directories in all pages
    uint64_t dead_bytes = 0;
    uint64_t index_bytes = 0;  // estimate of the index's and page table's local memory
    uint64_t frames = 0;
  };
  Figures figures() const;
  // The index's local bytes for one key of that length (its hash node, entry and key heap block;
  // the bucket array is about 8 bytes a key more), as figures() counts them.
  static uint64_t index_bytes_per_key(uint64_t key_size);

 private:
  struct Page {
    bool allocated = false;
    bool busy = false;        // a READ or WRITE of it is in flight (the lock dropped)
    bool fetching = false;    // ... a READ: its frame holds nothing yet (a WRITE leaves it readable)
    bool rebuilding = false;  // a rebuild is moving its records: no in-place update, not freed
    int64_t frame = -1;
    uint32_t slot = 0;      // remote slot
    uint64_t slot_seq = 0;  // newest snapshot naming the slot (0: none): a write-back moves it
    uint32_t count = 0;     // records in the page's directory
    uint32_t used = 0;      // bytes of records and directory entries
    uint32_t dead_count = 0;
    uint32_t dead_bytes = 0;
    std::vector<uint64_t> dead;  // a bit per directory slot
  };
  struct Frame {
    int64_t page = -1;
    bool dirty = false;
  };
  using Lock = std::unique_lock<std::mutex>;

  uint8_t* frame_data(int64_t f) const {
    return ctx_.cache + (first_frame_ + static_cast<uint64_t>(f)) * ctx_.page_bytes;
  }
  uint64_t frame_offset(int64_t f) const { return (first_frame_ + static_cast<uint64_t>(f)) * ctx_.page_bytes; }
  uint64_t slot_offset(uint32_t slot) const { return ctx_.data_offset + uint64_t{slot} * ctx_.page_bytes; }
  uint64_t page_uid(uint32_t p) const { return (uint64_t{id_} << 32) | p; }
  bool is_dead(const Page& pg, uint32_t slot) const { return (pg.dead[slot / 64] >> (slot % 64)) & 1; }
  void set_dirty(int64_t f, bool d);

  // Makes page p resident (or waits for the thread that is fetching it). Drops the lock; the
  // caller starts over.
  Status fault_in(Lock& lk, uint32_t p);
  // A frame for a new use without dropping the lock (>= 0); -1 when the lock was dropped (a dirty
  // victim written back, or every frame busy): start over.
  StatusOr<int64_t> take_frame(Lock& lk);
  // Writes page p (resident, dirty, not busy) to its slot (a new one if a snapshot names the old).
  // keep_lock: without dropping the lock (a snapshot's cut).
  Status write_back(Lock& lk, uint32_t p, bool keep_lock);
  // The open page made resident with `need` bytes free: true; false when the lock was dropped.
  StatusOr<bool> ready_open_page(Lock& lk, uint32_t need);
  // Appends the record to the open page and points the key's entry at it. Lock dropped: false.
  StatusOr<bool> append(Lock& lk, std::string_view key, std::string_view value, uint64_t pair);
  void detach(int64_t f);
  // Waits while a cut is waiting for the shard's I/O to end; true when it waited (start over).
  bool wait_for_cut(Lock& lk);
  // Before a write (by_client) and in take_cut(): does the armed cut, or waits for the one in
  // progress (its thread waits for the shard's I/O with the lock dropped).
  void settle_cut(Lock& lk, bool by_client);
  void cut_locked(Lock& lk);
  void mark_dead(const Entry& e);
  void free_page(uint32_t p);
  Status rebuild_page(Lock& lk, uint32_t p);
  // The live records of page p: from its frame, or from remote memory reading only its
  // directory and the live records (the lock dropped meanwhile, the page busy).
  struct LiveRecord {
    uint32_t slot;
    std::string key, value;
  };
  Status live_records(Lock& lk, uint32_t p, std::vector<LiveRecord>* out);
  uint32_t new_page_id();
  bool over_threshold(const Page& pg) const;

  const uint32_t id_;
  const ShardContext ctx_;
  const uint32_t first_frame_;
  const uint32_t frames_;
  const uint32_t low_water_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // a page's busy flag cleared
  std::unordered_map<std::string, Entry, IndexHash, std::equal_to<>> index_;
  std::deque<Page> pages_;  // stable references: a waiting thread's page does not move
  std::vector<uint32_t> free_page_ids_;
  std::vector<Frame> frame_;
  std::vector<int64_t> free_frames_;
  std::unique_ptr<Replacer> replacer_;
  std::set<uint32_t> rebuild_candidates_;
  int64_t open_page_ = -1;
  uint32_t dirty_frames_ = 0;
  uint32_t busy_pages_ = 0;
  bool cutting_ = false;    // a snapshot's cut waits for the I/O in flight: start no more
  uint64_t armed_seq_ = 0;  // a snapshot waits for this shard's cut (0: none)
  std::optional<StatusOr<ShardCut>> cut_result_;
  std::vector<uint8_t> cut_image_;
  ContentDigest digest_;
  uint64_t used_bytes_ = 0;
  uint64_t dead_bytes_ = 0;
};

}  // namespace rpbench::paged
