// paged-kv's parts without a memory node: the page layout (records found from the directory alone,
// in-place updates within a record's capacity, corruption refused), the replacers' order, the
// remote slot allocator's rule that keeps committed snapshots' slots, and the options' checks.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "engines/paged_kv/page_format.h"
#include "engines/paged_kv/paged_options.h"
#include "engines/paged_kv/replacer.h"
#include "engines/paged_kv/slot_allocator.h"

namespace rpbench::paged {
namespace {

TEST(PageFormat, RecordsAreFoundFromTheDirectoryAndUpdatedInPlaceWithinTheirCapacity) {
  std::vector<uint8_t> buf(4096);
  PageRef p(buf.data(), 4096);
  p.init(7);
  ASSERT_TRUE(p.check(7).ok());
  std::vector<std::string> vals;
  uint32_t n = 0;
  while (auto slot = p.append("key" + std::to_string(n), std::string(50 + n % 7, static_cast<char>('a' + n % 26)))) {
    EXPECT_EQ(*slot, n);
    vals.push_back(std::string(50 + n % 7, static_cast<char>('a' + n % 26)));
    ++n;
  }
  EXPECT_GT(n, 40u);
  EXPECT_EQ(p.count(), n);
  EXPECT_LT(p.free_bytes(), record_footprint(3 + std::to_string(n).size(), 50 + n % 7));
  ASSERT_TRUE(p.check(7).ok()) << p.check(7).to_string();
  for (uint32_t i = 0; i < n; ++i) {
    EXPECT_EQ(p.record(i).key, "key" + std::to_string(i));
    EXPECT_EQ(p.record(i).value, vals[i]);
    EXPECT_EQ(p.record_end(i) - p.record_begin(i), kRecordHeaderBytes + p.record(i).key.size() + vals[i].size());
  }
  EXPECT_TRUE(p.update(3, "short"));
  EXPECT_EQ(p.record(3).value, "short");
  EXPECT_EQ(p.record(3).value_cap, vals[3].size());
  EXPECT_FALSE(p.update(3, std::string(vals[3].size() + 1, 'x')));
  EXPECT_EQ(p.record(4).value, vals[4]);  // its neighbour untouched
  EXPECT_TRUE(p.check(7).ok());
}

TEST(PageFormat, CorruptPagesAreRefusedWithWhatIsWrong) {
  std::vector<uint8_t> buf(4096);
  PageRef p(buf.data(), 4096);
  p.init(1);
  ASSERT_TRUE(p.append("k", "value").has_value());
  EXPECT_EQ(p.check(2).code(), Status::Code::kCorruption);  // another page's
  EXPECT_TRUE(p.check_directory(1, 1).ok());
  EXPECT_EQ(p.check_directory(1, 2).code(), Status::Code::kCorruption);
  std::vector<uint8_t> copy = buf;
  copy[0] ^= 1;
  EXPECT_NE(PageRef(copy.data(), 4096).check(1).message().find("magic"), std::string::npos);
  copy = buf;
  copy[kPageHeaderBytes] = 0;  // record 0's offset into the directory
  copy[kPageHeaderBytes + 1] = 0;
  EXPECT_EQ(PageRef(copy.data(), 4096).check(1).code(), Status::Code::kCorruption);
  copy = buf;
  const uint32_t off = PageRef(buf.data(), 4096).record_begin(0);
  copy[off + 8] = 200;  // key length beyond the record
  EXPECT_EQ(PageRef(copy.data(), 4096).check(1).code(), Status::Code::kCorruption);
  std::vector<uint8_t> zero(4096, 0);
  EXPECT_EQ(PageRef(zero.data(), 4096).check(1).code(), Status::Code::kCorruption);
  std::vector<uint8_t> big(8192);
  PageRef(big.data(), 8192).init(1);
  EXPECT_NE(PageRef(big.data(), 4096).check(1).message().find("8192"), std::string::npos);
}

TEST(Replacer, LruPicksTheLeastRecentlyUsedFrameThatMayGo) {
  auto r = make_replacer(Eviction::kLru, 4);
  for (uint32_t f = 0; f < 4; ++f) r->insert(f);
  r->touch(0);
  auto any = [](uint32_t) { return true; };
  EXPECT_EQ(r->pick(any, 4), 1);
  EXPECT_EQ(r->pick([](uint32_t f) { return f != 1; }, 4), 2);
  r->erase(1);
  r->erase(2);
  EXPECT_EQ(r->pick(any, 4), 3);
  r->touch(3);
  EXPECT_EQ(r->pick(any, 4), 0);
  EXPECT_EQ(r->pick([](uint32_t) { return false; }, 4), -1);
}

TEST(Replacer, ClockGivesAUsedFrameASecondChance) {
  auto r = make_replacer(Eviction::kClock, 3);
  for (uint32_t f = 0; f < 3; ++f) r->insert(f);  // inserted frames start referenced
  auto any = [](uint32_t) { return true; };
  const int64_t first = r->pick(any, 3);  // one sweep clears every bit, the second finds frame 0
  EXPECT_EQ(first, 0);
  r->touch(1);                                                  // frame 1 used again: its bit set
  EXPECT_EQ(r->pick(any, 3), 2);                                // the hand is past 0; 1 is referenced, 2 is not
  EXPECT_EQ(r->pick([](uint32_t f) { return f == 1; }, 3), 1);  // 1's bit cleared on the way, then taken
  r->erase(0);
  r->erase(1);
  r->erase(2);
  EXPECT_EQ(r->pick(any, 3), -1);
}

TEST(SlotAllocator, HandsOutEverySlotOnceAndSaysWhenTheRegionIsFull) {
  SlotAllocator a(5);
  std::set<uint32_t> got;
  for (int i = 0; i < 5; ++i) {
    StatusOr<uint32_t> s = a.alloc();
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(got.insert(*s).second);
  }
  const StatusOr<uint32_t> full = a.alloc();
  EXPECT_EQ(full.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(full.status().message().find("5 page slots"), std::string::npos) << full.status().message();
  a.retire(3, 0);  // in no snapshot: free at once
  EXPECT_EQ(*a.alloc(), 3u);
}

TEST(SlotAllocator, KeepsASnapshotsSlotsUntilItsHeaderSlotIsPreparedAgain) {
  SlotAllocator a(8);
  const uint32_t s1 = *a.alloc();
  const uint32_t s2 = *a.alloc();
  a.begin_snapshot(1, 0);
  a.retire(s1, 1);  // snapshot 1 in flight names it
  a.commit_snapshot(1, 0);
  a.begin_snapshot(2, 1);
  a.retire(s2, 1);
  a.commit_snapshot(2, 1);
  EXPECT_EQ(a.figures().retired, 2u);  // snapshot 1 is still the fallback of snapshot 2
  a.begin_snapshot(3, 0);              // prepare zeroes snapshot 1's commit word
  EXPECT_EQ(a.figures().retired, 0u);
  EXPECT_EQ(a.figures().free, 8u);
  const uint32_t s3 = *a.alloc();
  a.retire(s3, 3);  // named by the snapshot in flight
  EXPECT_EQ(a.figures().retired, 1u);
  a.abort_snapshot(3);  // it never committed: nothing can need the slot
  EXPECT_EQ(a.figures().retired, 0u);
}

TEST(SlotAllocator, ResetAfterRecoveryFreesEverySlotTheImageDoesNotUse) {
  SlotAllocator a(6);
  a.reset({1, 4}, 9, 1);
  EXPECT_EQ(a.figures().free, 4u);
  std::set<uint32_t> got;
  for (int i = 0; i < 4; ++i) got.insert(*a.alloc());
  EXPECT_EQ(got, (std::set<uint32_t>{0, 2, 3, 5}));
  a.retire(1, 9);  // the recovered snapshot's
  EXPECT_EQ(a.figures().retired, 1u);
}

TEST(PagedOptions, TheCacheIsAFractionOfTheDatasetUnlessGivenInBytes) {
  nlohmann::json cfg = {
      {"dataset", {{"keys", 1000}, {"key_size", 16}, {"value_size", {{"dist", "fixed"}, {"size", 100}}}}}};
  EXPECT_EQ(dataset_record_bytes(cfg), 1000u * (16 + 100 + kRecordHeaderBytes + 4));
  cfg["dataset"]["value_size"] = {{"dist", "buckets"}, {"buckets", {{80, 120, 1.0}, {200, 300, 1.0}}}};
  EXPECT_EQ(dataset_record_bytes(cfg), 1000u * (16 + 175 + kRecordHeaderBytes + 4));
  PagedOptions o;
  o.dataset_bytes = 1000000;
  o.cache_fraction = 0.25;
  EXPECT_EQ(cache_budget(o), 250000u);
  o.cache_bytes = 4096;
  EXPECT_EQ(cache_budget(o), 4096u);
  o.page_bytes = 4096;
  o.shards = 1;
  ASSERT_TRUE(options_problem(o).has_value());  // one page for a shard that needs four
  EXPECT_EQ(options_problem(o)->first, "engine.cache_bytes");
  o.cache_bytes = 4 * 4096;
  EXPECT_FALSE(options_problem(o).has_value());
  o.page_bytes = 6000;
  EXPECT_EQ(options_problem(o)->first, "engine.page_bytes");
}

}  // namespace
}  // namespace rpbench::paged
