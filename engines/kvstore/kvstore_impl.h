// The member definitions of BasicKvStore<Alloc> (kvstore.h): included by the one .cc file that
// instantiates the store for an allocator (kvstore.cc for MallocAlloc), nowhere else.
#pragma once
#include <bit>
#include <cstring>
#include <new>
#include <utility>

#include "engines/kvstore/kvstore.h"

namespace rpbench::kvstore {

namespace detail {

inline uint64_t next_power(uint64_t want, uint64_t initial) {
  if (want <= initial) return initial;
  return std::bit_ceil(want);
}

inline bool key_equals(const Sds* k, std::string_view key) {
  return k->len == key.size() && std::memcmp(k->data(), key.data(), key.size()) == 0;
}

}  // namespace detail

template <class Alloc>
BasicKvStore<Alloc>::~BasicKvStore() {
  clear();
}

template <class Alloc>
BasicKvStore<Alloc>::BasicKvStore(BasicKvStore&& o) noexcept {
  swap(o);
}

template <class Alloc>
BasicKvStore<Alloc>& BasicKvStore<Alloc>::operator=(BasicKvStore&& o) noexcept {
  if (this != &o) {
    clear();
    swap(o);
  }
  return *this;
}

template <class Alloc>
void BasicKvStore<Alloc>::swap(BasicKvStore& o) noexcept {
  std::swap(alloc_, o.alloc_);
  std::swap(tables_, o.tables_);
  std::swap(used0_, o.used0_);
  std::swap(used1_, o.used1_);
  std::swap(rehash_index_, o.rehash_index_);
  std::swap(resize_paused_, o.resize_paused_);
  std::swap(resizes_started_, o.resizes_started_);
  std::swap(forced_resizes_, o.forced_resizes_);
  std::swap(digest_, o.digest_);
  std::swap(track_digest_, o.track_digest_);
}

template <class Alloc>
void BasicKvStore<Alloc>::set_track_digest(bool on) {
  track_digest_ = on;
  digest_ = on ? compute_digest() : ContentDigest{};
}

template <class Alloc>
void BasicKvStore<Alloc>::free_table(Table* t) {
  for (uint64_t i = 0; i < t->size; ++i) {
    Entry* e = t->buckets[i];
    while (e != nullptr) {
      Entry* next = e->next;
      free_entry(e);
      e = next;
    }
  }
  if (t->buckets != nullptr) alloc_.deallocate(t->buckets, t->size * sizeof(Entry*));
  *t = Table{};
}

template <class Alloc>
void BasicKvStore<Alloc>::free_entry(Entry* e) {
  Sds::destroy(alloc_, e->key);
  Sds::destroy(alloc_, e->val);
  alloc_.deallocate(e, sizeof(Entry));
}

template <class Alloc>
void BasicKvStore<Alloc>::clear() {
  free_table(&tables_[0]);
  free_table(&tables_[1]);
  used0_ = used1_ = 0;
  rehash_index_ = -1;
  digest_ = ContentDigest{};
}

template <class Alloc>
void BasicKvStore<Alloc>::start_resize(uint64_t want, bool forced) {
  const uint64_t n = detail::next_power(want, kInitialBuckets);
  if (rehashing() || n == tables_[0].size) return;
  auto** b = static_cast<Entry**>(alloc_.allocate_zeroed(n * sizeof(Entry*)));
  ++resizes_started_;
  if (forced) ++forced_resizes_;
  if (tables_[0].size == 0) {  // first table: nothing to move
    tables_[0] = Table{b, n, n - 1};
    return;
  }
  tables_[1] = Table{b, n, n - 1};
  rehash_index_ = 0;
}

template <class Alloc>
void BasicKvStore<Alloc>::reserve(uint64_t n) {
  if (rehashing() || n <= tables_[0].size) return;
  start_resize(n, false);
}

template <class Alloc>
bool BasicKvStore<Alloc>::rehash_steps(int n) {
  if (rehash_index_ < 0) return false;
  int empty_visits = n * 10;
  Table& t0 = tables_[0];
  Table& t1 = tables_[1];
  while (n-- > 0 && used0_ != 0) {
    while (t0.buckets[rehash_index_] == nullptr) {
      ++rehash_index_;
      if (--empty_visits == 0) return true;
    }
    Entry* e = t0.buckets[rehash_index_];
    while (e != nullptr) {
      Entry* next = e->next;
      const uint64_t h = hash64(e->key->view(), kKeyHashSeed) & t1.mask;
      e->next = t1.buckets[h];
      t1.buckets[h] = e;
      --used0_;
      ++used1_;
      e = next;
    }
    t0.buckets[rehash_index_] = nullptr;
    ++rehash_index_;
  }
  if (used0_ != 0) {
    // The next steps move the chains of the next buckets: start fetching their entries (and the
    // key of the first, whose entry was requested one step earlier) so that the miss overlaps
    // the caller's work instead of stalling the next step.
    const uint64_t i = static_cast<uint64_t>(rehash_index_);
    if (i < t0.size && t0.buckets[i] != nullptr) __builtin_prefetch(t0.buckets[i]->key);
    if (i + 1 < t0.size && t0.buckets[i + 1] != nullptr) __builtin_prefetch(t0.buckets[i + 1]);
  }
  if (used0_ == 0) {
    alloc_.deallocate(t0.buckets, t0.size * sizeof(Entry*));
    t0 = t1;
    t1 = Table{};
    used0_ = used1_;
    used1_ = 0;
    rehash_index_ = -1;
    return false;
  }
  return true;
}

template <class Alloc>
void BasicKvStore<Alloc>::expand_if_needed() {
  if (rehashing()) return;
  if (tables_[0].size == 0) {
    start_resize(kInitialBuckets, false);
    return;
  }
  if (used0_ >= tables_[0].size) {
    const bool forced = used0_ / tables_[0].size > kForceResizeRatio;
    if (!resize_paused_ || forced) start_resize(used0_ + 1, resize_paused_);
  }
}

template <class Alloc>
void BasicKvStore<Alloc>::shrink_if_needed() {
  if (rehashing() || resize_paused_) return;
  const uint64_t sz = tables_[0].size;
  if (sz > kInitialBuckets && used0_ * 100 / sz < kMinFillPercent) start_resize(used0_, false);
}

template <class Alloc>
typename BasicKvStore<Alloc>::Entry** BasicKvStore<Alloc>::find_slot(std::string_view key, uint64_t h) {
  for (int t = 0; t < 2; ++t) {
    Table& tb = tables_[t];
    if (tb.size == 0) break;
    Entry** link = &tb.buckets[h & tb.mask];
    while (*link != nullptr) {
      if (detail::key_equals((*link)->key, key)) return link;
      link = &(*link)->next;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

template <class Alloc>
bool BasicKvStore<Alloc>::put(std::string_view key, std::string_view value) {
  rehash_step();
  const uint64_t h = hash64(key, kKeyHashSeed);
  if (Entry** link = find_slot(key, h)) {
    Entry* e = *link;
    Sds* nv = Sds::make(alloc_, value);
    if (track_digest_) digest_.remove(pair_hash(h, e->val->view()));
    Sds::destroy(alloc_, e->val);
    e->val = nv;
    if (track_digest_) digest_.add(pair_hash(h, value));
    return false;
  }
  expand_if_needed();
  Sds* k = Sds::make(alloc_, key);
  Sds* v = nullptr;
  Entry* e = nullptr;
  try {
    v = Sds::make(alloc_, value);
    e = static_cast<Entry*>(alloc_.allocate(sizeof(Entry)));
  } catch (...) {
    Sds::destroy(alloc_, k);
    Sds::destroy(alloc_, v);
    throw;
  }
  e->key = k;
  e->val = v;
  // New entries go to the new table while rehashing, as in Redis.
  Table& tb = rehashing() ? tables_[1] : tables_[0];
  Entry** head = &tb.buckets[h & tb.mask];
  e->next = *head;
  *head = e;
  if (rehashing())
    ++used1_;
  else
    ++used0_;
  if (track_digest_) digest_.add(pair_hash(h, value));
  return true;
}

template <class Alloc>
std::optional<std::string_view> BasicKvStore<Alloc>::find(std::string_view key) {
  if (size() == 0) return std::nullopt;
  rehash_step();
  Entry** link = find_slot(key, hash64(key, kKeyHashSeed));
  if (link == nullptr) return std::nullopt;
  return (*link)->val->view();
}

template <class Alloc>
bool BasicKvStore<Alloc>::get(std::string_view key, std::string* out) {
  auto v = find(key);
  if (!v) return false;
  out->assign(v->data(), v->size());
  return true;
}

template <class Alloc>
bool BasicKvStore<Alloc>::del(std::string_view key) {
  if (size() == 0) return false;
  rehash_step();
  const uint64_t h = hash64(key, kKeyHashSeed);
  for (int t = 0; t < 2; ++t) {
    Table& tb = tables_[t];
    if (tb.size == 0) break;
    Entry** link = &tb.buckets[h & tb.mask];
    while (*link != nullptr) {
      Entry* e = *link;
      if (detail::key_equals(e->key, key)) {
        *link = e->next;
        if (track_digest_) digest_.remove(pair_hash(h, e->val->view()));
        free_entry(e);
        if (t == 0)
          --used0_;
        else
          --used1_;
        shrink_if_needed();
        return true;
      }
      link = &e->next;
    }
    if (!rehashing()) break;
  }
  return false;
}

template <class Alloc>
ContentDigest BasicKvStore<Alloc>::compute_digest() const {
  ContentDigest d;
  for_each([&d](std::string_view k, std::string_view v) { d.add(k, v); });
  return d;
}

template <class Alloc>
TableStats BasicKvStore<Alloc>::table_stats() const {
  TableStats s;
  s.buckets0 = tables_[0].size;
  s.buckets1 = tables_[1].size;
  s.used0 = used0_;
  s.used1 = used1_;
  s.rehashing = rehashing();
  s.rehash_index = rehash_index_;
  s.resizes_started = resizes_started_;
  s.forced_resizes = forced_resizes_;
  s.resize_paused = resize_paused_;
  return s;
}

}  // namespace rpbench::kvstore
