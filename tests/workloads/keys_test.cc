// Key bytes: deterministic, injective from kMinKeySize on, exactly key_size bytes, printable.
#include "workloads/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "workloads/rng.h"

namespace rpbench::workloads {
namespace {

TEST(Keys, SameIdSameBytes) {
  for (uint32_t size : {12u, 16u, 40u, 1024u}) {
    EXPECT_EQ(make_key(123456789, size), make_key(123456789, size));
    EXPECT_EQ(make_key(123456789, size).size(), size);
  }
  // A longer key extends the shorter one.
  EXPECT_EQ(make_key(77, 40).substr(0, 16), make_key(77, 16));
}

TEST(Keys, InjectiveOnALargeSample) {
  // Consecutive ids, ids far apart and the top of the range; keys sorted, neighbours compared.
  std::vector<uint64_t> ids;
  for (uint64_t id = 0; id < 300'000; ++id) ids.push_back(id);
  Rng rng(1);
  for (int i = 0; i < 100'000; ++i) ids.push_back(rng.next() | (uint64_t{1} << 40));
  for (uint64_t i = 0; i < 10; ++i) ids.push_back(UINT64_MAX - i);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (uint32_t size : {kMinKeySize, 16u}) {
    // Each key's bytes packed into two words (cheap to sort, even in a sanitizer build).
    std::vector<std::pair<uint64_t, uint64_t>> keys(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      char bytes[16] = {};
      make_key(ids[i], size, bytes);
      std::memcpy(&keys[i].first, bytes, 8);
      std::memcpy(&keys[i].second, bytes + 8, 8);
    }
    std::sort(keys.begin(), keys.end());
    const auto dup = std::adjacent_find(keys.begin(), keys.end());
    EXPECT_TRUE(dup == keys.end()) << "two ids share a key of " << size << " bytes";
  }
}

TEST(Keys, PrintableAndExactlySized) {
  for (uint32_t size : {1u, 5u, 12u, 13u, 22u, 23u, 64u}) {
    std::vector<char> buf(size + 8, '\x01');
    make_key(987654321, size, buf.data());
    for (uint32_t i = 0; i < size; ++i) ASSERT_TRUE(std::isgraph(static_cast<unsigned char>(buf[i]))) << size;
    for (size_t i = size; i < buf.size(); ++i) ASSERT_EQ(buf[i], '\x01') << "wrote past key_size " << size;
  }
}

// The definition make_key's bytes follow, one character per 6 bits: 'k', 11 characters of
// mix64(id) (low bits first), then 10 characters per splitmix64 word of the id's stream.
std::string reference_key(uint64_t id, uint32_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string key = "k";
  uint64_t m = mix64(id);
  for (int i = 0; i < 11; ++i, m >>= 6) key += kAlphabet[m & 63];
  uint64_t state = id;
  while (key.size() < size) {
    uint64_t word = splitmix64(state);
    for (int c = 0; c < 10 && key.size() < size; ++c, word >>= 6) key += kAlphabet[word & 63];
  }
  key.resize(size);
  return key;
}

TEST(Keys, BytesFollowTheOneCharacterPerSixBitsDefinition) {
  // Keys are persistent (in RDB files, digests, traces replayed later): their bytes never change.
  EXPECT_EQ(make_key(0, 16), reference_key(0, 16));
  EXPECT_EQ(make_key(42, 12), "kiYncUfi6ZdK") << "the bytes of a known key changed";
  EXPECT_EQ(make_key(42, 31), "kiYncUfi6ZdKV626vYiMX3DEvZyOz4v") << "the bytes of a known key changed";
  Rng rng(9);
  for (uint32_t size = 1; size <= 70; ++size) {
    for (uint64_t id : {uint64_t{0}, uint64_t{1}, uint64_t{42}, UINT64_MAX, rng.next(), rng.next()})
      ASSERT_EQ(make_key(id, size), reference_key(id, size)) << "id " << id << " size " << size;
  }
}

TEST(Keys, NotInIdOrder) {
  // Consecutive ids do not give consecutive byte strings (ordered stores see scattered keys).
  int ascending = 0;
  for (uint64_t id = 0; id < 1000; ++id) ascending += make_key(id, 16) < make_key(id + 1, 16);
  EXPECT_GT(ascending, 300);
  EXPECT_LT(ascending, 700);
}

}  // namespace
}  // namespace rpbench::workloads
