// KvStore: the in-memory keyspace the fork-based engines share, shaped like Redis's dict.
//
// A hash table with chained entries and power-of-two bucket arrays, grown and shrunk by
// incremental rehashing: two tables and a rehash index; while a rehash is in progress every
// lookup, insert and delete first moves one bucket (visiting at most ten empty ones), as Redis's
// _dictRehashStep does. Each entry ({next, key, value}), each key and each value is its own
// allocation (keys and values as Sds: length header + bytes), so the heap's page layout, and
// hence the copy-on-write cost of fork(), resembles Redis's.
//
// BasicKvStore<Alloc> allocates through `Alloc` (kvstore_alloc.h); KvStore is the one on the
// process heap (malloc), which the fork-based engines use. The member definitions are in
// kvstore_impl.h, instantiated for MallocAlloc in kvstore.cc and for another allocator where it
// is defined (mempool-offload's pool). The store holds no pointer but to what its allocator
// gave it and to the allocator's own state, and no virtual function: a store built on an
// allocator whose memory is one fixed range can be saved and mapped back as raw bytes.
//
// Resizing follows Redis 7.0: grow when used >= buckets (to the next power of two >= used+1),
// shrink when used*100/buckets < 10 (Redis does that from serverCron; here on delete). While
// resizing is paused (a snapshot child lives: Redis's dictSetResizeEnabled(0)) no resize starts
// unless the load factor exceeds kForceResizeRatio (Redis's dict_force_resize_ratio = 5); a
// rehash already in progress continues. There is no idle-time rehashing (Redis's
// activerehashing in serverCron): rehash_steps() is there for a caller with idle time.
//
// By default the store keeps its content digest up to date on every mutation (ContentDigest), so
// digest() is O(1); compute_digest() recomputes it by a full scan. An engine that models Redis
// turns the tracking off (set_track_digest(false)): it costs each put two hashes and a read of
// the old value, which Redis does not pay; digest() is then only valid while tracking.
//
// Not thread-safe: one caller at a time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engines/content_digest.h"
#include "engines/kvstore/kvstore_alloc.h"
#include "engines/kvstore/sds.h"

namespace rpbench::kvstore {

struct TableStats {
  uint64_t buckets0 = 0;  // bucket array size of the main table
  uint64_t buckets1 = 0;  // of the table being rehashed into (0 when not rehashing)
  uint64_t used0 = 0;
  uint64_t used1 = 0;
  bool rehashing = false;
  int64_t rehash_index = -1;
  uint64_t resizes_started = 0;  // grows and shrinks started since construction
  uint64_t forced_resizes = 0;   // of which started while paused (load factor > 5)
  bool resize_paused = false;
};

template <class Alloc>
class BasicKvStore {
 public:
  static constexpr uint64_t kInitialBuckets = 4;
  static constexpr uint64_t kForceResizeRatio = 5;
  static constexpr uint64_t kMinFillPercent = 10;

  BasicKvStore() = default;
  explicit BasicKvStore(Alloc alloc) : alloc_(alloc) {}
  ~BasicKvStore();
  BasicKvStore(BasicKvStore&& o) noexcept;
  BasicKvStore& operator=(BasicKvStore&& o) noexcept;
  BasicKvStore(const BasicKvStore&) = delete;
  BasicKvStore& operator=(const BasicKvStore&) = delete;
  void swap(BasicKvStore& o) noexcept;

  // Inserts or overwrites. Returns true when the key was new.
  bool put(std::string_view key, std::string_view value);
  // The value of `key`, valid until the next mutation of the store; nullopt when absent.
  std::optional<std::string_view> find(std::string_view key);
  // Copies the value into *out; false when absent.
  bool get(std::string_view key, std::string* out);
  // Removes `key`; false when absent.
  bool del(std::string_view key);

  size_t size() const { return used0_ + used1_; }
  // Frees every entry and both tables (resize pause state is kept).
  void clear();
  // Sizes the table for `n` keys up front (as Redis's RESIZEDB on load).
  void reserve(uint64_t n);

  void pause_resize(bool paused) { resize_paused_ = paused; }
  bool resize_paused() const { return resize_paused_; }
  bool rehashing() const { return rehash_index_ >= 0; }
  // Moves up to `n` buckets of an in-progress rehash; true while more remain.
  bool rehash_steps(int n);

  const ContentDigest& digest() const { return digest_; }
  bool track_digest() const { return track_digest_; }
  // Off: mutations stop updating digest() (which is reset). On: digest() is recomputed.
  void set_track_digest(bool on);
  ContentDigest compute_digest() const;
  TableStats table_stats() const;
  uint64_t resizes_started() const { return resizes_started_; }

  // Calls f(std::string_view key, std::string_view value) for every pair; the store must not
  // be modified meanwhile (the snapshot child iterates a frozen copy).
  template <class F>
  void for_each(F&& f) const {
    for (int t = 0; t < 2; ++t) {
      const Table& tb = tables_[t];
      for (uint64_t i = 0; i < tb.size; ++i) {
        for (const Entry* e = tb.buckets[i]; e != nullptr; e = e->next) f(e->key->view(), e->val->view());
      }
    }
  }

 private:
  struct Entry {
    Entry* next;
    Sds* key;
    Sds* val;
  };
  struct Table {
    Entry** buckets = nullptr;
    uint64_t size = 0;  // power of two, or 0
    uint64_t mask = 0;
  };

  Entry** find_slot(std::string_view key, uint64_t h);
  void rehash_step() {
    if (rehash_index_ >= 0) rehash_steps(1);
  }
  void expand_if_needed();
  void shrink_if_needed();
  // Starts a rehash into a table of the next power of two >= want (or installs the first table).
  void start_resize(uint64_t want, bool forced);
  void free_table(Table* t);
  void free_entry(Entry* e);

  [[no_unique_address]] Alloc alloc_{};
  Table tables_[2];
  uint64_t used0_ = 0;
  uint64_t used1_ = 0;
  int64_t rehash_index_ = -1;
  bool resize_paused_ = false;
  uint64_t resizes_started_ = 0;
  uint64_t forced_resizes_ = 0;
  ContentDigest digest_;
  bool track_digest_ = true;
};

extern template class BasicKvStore<MallocAlloc>;
using KvStore = BasicKvStore<MallocAlloc>;

}  // namespace rpbench::kvstore
