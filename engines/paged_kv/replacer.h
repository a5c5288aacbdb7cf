// Which cached page to drop next (engine.eviction), over the frames of one shard's cache.
//
// lru:   a list in order of last use; the victim is the least recently used frame that may go.
// clock: a reference bit per frame, set on use, and a hand that sweeps the frames clearing bits;
//        the victim is the first frame that may go whose bit is clear. It approximates LRU and costs
//        a bit write per access instead of a list splice under the shard's lock, which matters when
//        many threads hit one shard (the contest's zipfian reads).
// Not thread-safe: the shard's lock guards it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/field.h"

namespace rpbench::paged {

enum class Eviction { kLru, kClock };
inline constexpr config::NameTable<Eviction, 2> kEvictionNames{{{Eviction::kLru, "lru"}, {Eviction::kClock, "clock"}}};

class Replacer {
 public:
  virtual ~Replacer() = default;
  // A frame now holds a page (it becomes the most recently used) / no longer holds one.
  virtual void insert(uint32_t frame) = 0;
  virtual void erase(uint32_t frame) = 0;
  // The frame's page was used.
  virtual void touch(uint32_t frame) = 0;
  // The coldest frame (looking at no more than `max_scan` frames) for which may_go() holds, or -1.
  virtual int64_t pick(const std::function<bool(uint32_t)>& may_go, uint32_t max_scan) = 0;
};

std::unique_ptr<Replacer> make_replacer(Eviction policy, uint32_t frames);

}  // namespace rpbench::paged
