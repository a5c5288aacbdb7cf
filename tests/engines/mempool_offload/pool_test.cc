// The pool under the mempool-offload engine, without a memory node: the fixed-address
// reservation, the size classes, the allocator whose state lives in the pool, and the store on it.
#include <sys/mman.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "engines/mempool_offload/pool_heap.h"
#include "engines/mempool_offload/pool_mapping.h"
#include "engines/mempool_offload/pool_store.h"
#include "tests/engines/test_util.h"

namespace rpbench::mempool {
namespace {

using rpbench::testing::contents;
using rpbench::testing::test_key;
using rpbench::testing::test_value;
using ::testing::HasSubstr;

constexpr uint64_t kBase = 0x4f0000000000ull;
constexpr uint64_t kBytes = 64ull << 20;

TEST(PoolClasses, EveryRequestFitsItsClassWithAtMostAQuarterWasted) {
  EXPECT_EQ(class_bytes(size_class(1)), 16u);
  EXPECT_EQ(class_bytes(size_class(24)), 32u);  // an entry
  EXPECT_EQ(class_bytes(size_class(128)), 128u);
  EXPECT_EQ(class_bytes(size_class(129)), 160u);
  EXPECT_EQ(class_bytes(size_class(256)), 256u);
  EXPECT_EQ(class_bytes(size_class(257)), 320u);
  for (uint64_t n = 1; n < (1u << 20); n += (n < 4096 ? 1 : 97)) {
    const int c = size_class(n);
    ASSERT_GE(class_bytes(c), n) << n;
    ASSERT_EQ(class_bytes(c) % 16, 0u) << n;
    if (c > 0) {
      ASSERT_LT(class_bytes(c - 1), n) << n;  // the smallest class that fits
    }
    if (n > 128) {
      ASSERT_LE(class_bytes(c), n + n / 4 + 16) << n;
    }
  }
  EXPECT_LT(size_class(uint64_t{1} << kMaxClassLog2), kClassCount);
}

TEST(PoolMapping, ARangeAlreadyMappedIsRefusedWithItsAddressAndNothingIsMappedOverIt) {
  void* taken = ::mmap(reinterpret_cast<void*>(kBase + (4 << 20)), 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_EQ(taken, reinterpret_cast<void*>(kBase + (4 << 20)));
  static_cast<char*>(taken)[0] = 'x';
  StatusOr<PoolMapping> m = PoolMapping::reserve(kBase, kBytes);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(m.status().message(), HasSubstr("0x4f0000000000"));
  EXPECT_THAT(m.status().message(), HasSubstr("already mapped"));
  EXPECT_EQ(static_cast<char*>(taken)[0], 'x');
  ::munmap(taken, 4096);
  StatusOr<PoolMapping> again = PoolMapping::reserve(kBase, kBytes);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(reinterpret_cast<uint64_t>(again->data()), kBase);
  EXPECT_FALSE(PoolMapping::reserve(kBase + 4096, kBytes).ok());  // not 2 MiB aligned
}

TEST(PoolHeap, BlocksAreReusedByClassAndTheCountsFollow) {
  StatusOr<PoolMapping> m = PoolMapping::reserve(kBase, kBytes);
  ASSERT_TRUE(m.ok());
  PoolControl* pc = init_pool(m->data(), kBytes, 1);
  PoolAlloc a{pc};
  EXPECT_EQ(pc->top, kBase + kControlBytes);
  void* p = a.allocate(100);
  void* q = a.allocate(100);
  EXPECT_EQ(reinterpret_cast<uint64_t>(p), kBase + kControlBytes);
  EXPECT_EQ(reinterpret_cast<uint64_t>(q), kBase + kControlBytes + 112);
  EXPECT_EQ(pc->live_bytes, 200u);
  EXPECT_EQ(pc->allocated_bytes, 224u);
  a.deallocate(p, 100);
  EXPECT_EQ(a.allocate(97), p);  // same class: the freed block comes back
  EXPECT_NE(a.allocate(100), p);
  // A zeroed block is zero even when it is reused.
  auto* z = static_cast<unsigned char*>(a.allocate(4000));
  std::memset(z, 0xab, 4000);
  a.deallocate(z, 4000);
  auto* z2 = static_cast<unsigned char*>(a.allocate_zeroed(4000));
  EXPECT_EQ(z2, z);
  for (int i = 0; i < 4000; ++i) ASSERT_EQ(z2[i], 0) << i;
  // Everything stays inside the pool; a request larger than what is left throws.
  EXPECT_THROW(a.allocate(kBytes), std::bad_alloc);
  EXPECT_LE(pc->top, kBase + kBytes);
}

TEST(PoolStore, TheStoreLivesInThePoolAndAFullPoolFailsPutWithAStatus) {
  StatusOr<PoolStore> s = PoolStore::create(kBase, kBytes, false);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  const uint64_t root = s->control().root;
  EXPECT_GE(root, kBase);
  EXPECT_LT(root, kBase + s->extent_bytes());
  std::map<std::string, std::string> want;
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(s->put(test_key(i), test_value(i, 0, 10 + i % 500)).ok());
    want[test_key(i)] = test_value(i, 0, 10 + i % 500);
  }
  for (int i = 0; i < 20000; i += 3) {
    ASSERT_TRUE(s->del(test_key(i)).ok());
    want.erase(test_key(i));
  }
  EXPECT_TRUE(s->del("absent").not_found());
  EXPECT_TRUE(contents(s->kv()) == want);
  EXPECT_EQ(s->control().live_blocks, 1 + 3 * want.size() + (s->kv().rehashing() ? 2 : 1));
  // Fill it up: put() fails with kResourceExhausted, and what is stored stays readable.
  Status full;
  for (int i = 0; i < 100000 && full.ok(); ++i) full = s->put("big" + std::to_string(i), std::string(100000, 'b'));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("is full"));
  EXPECT_LE(s->extent_bytes(), kBytes);
  std::string v;
  ASSERT_TRUE(s->get(test_key(1), &v).ok());
  EXPECT_EQ(v, want[test_key(1)]);
  ASSERT_TRUE(s->reset().ok());
  EXPECT_EQ(s->kv().size(), 0u);
  EXPECT_EQ(s->control().live_bytes, sizeof(PoolKv));
}

TEST(PoolStore, AdoptRefusesAControlBlockThatDoesNotHoldAndLeavesAnEmptyStore) {
  StatusOr<PoolStore> s = PoolStore::create(kBase, kBytes, false);
  ASSERT_TRUE(s.ok());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(s->put(test_key(i), "v").ok());
  const uint64_t extent = s->extent_bytes();
  seal(&s->control());
  ASSERT_TRUE(s->adopt(extent).ok());  // the same bytes: adopted as they are
  EXPECT_EQ(s->kv().size(), 1000u);
  s->control().hash_seed ^= 1;  // changed after sealing
  const Status bad = s->adopt(extent);
  EXPECT_EQ(bad.code(), Status::Code::kCorruption);
  EXPECT_THAT(bad.message(), HasSubstr("checksum"));
  EXPECT_EQ(s->kv().size(), 0u);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s->put(test_key(i), "w").ok());
  seal(&s->control());
  EXPECT_THAT(s->adopt(extent + 4096).message(), HasSubstr("extent"));
  EXPECT_EQ(s->kv().size(), 0u);
  s->control().layout_version = 999;
  seal(&s->control());
  EXPECT_THAT(s->adopt(s->extent_bytes()).message(), HasSubstr("layout version 999"));
}

}  // namespace
}  // namespace rpbench::mempool
