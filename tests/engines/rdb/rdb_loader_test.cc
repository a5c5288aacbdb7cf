// The RDB loader and its input sources: a stream fed in small uneven chunks loads exactly as the
// file does (content, result fields, and the same error at the same offset); the pair callback
// sees every pair without a store; a callback's or a source's failure stops the load with the
// offset; a source that yields more than it announced is caught.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "engines/rdb/memory_source.h"
#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdb/rdb_loader.h"
#include "tests/engines/rdb/rdb_test_util.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb {
namespace {

using Code = Status::Code;
using rpbench::rdb::testing::ChunkedSource;
using rpbench::rdb::testing::RdbBuilder;
using rpbench::rdb::testing::sample_store;
using rpbench::testing::contents;
using rpbench::testing::read_file;
using rpbench::testing::TempDir;
using ::testing::HasSubstr;

// Window sizes that split every kind of record: single bytes, odd small sizes, larger than most
// values (the sample store's largest, 70000 bytes, spans several windows).
const std::vector<size_t> kUneven = {1, 7, 2, 300, 3, 1, 4101, 13, 20000};

// The sample store saved as a file; returns its bytes.
std::string saved_sample(const TempDir& dir, const std::string& path) {
  RdbWriteOptions opt;
  const RdbWriteResult r = save_rdb_file(sample_store(), dir.file("temp.rdb"), path, opt);
  EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  return read_file(path);
}

TEST(RdbLoadSource, UnevenChunksLoadTheSameStoreAsTheFile) {
  TempDir dir;
  const std::string path = dir.file("dump.rdb");
  const std::string bytes = saved_sample(dir, path);

  kvstore::KvStore from_file;
  const RdbLoadResult f = load_rdb_file(path, &from_file);
  ASSERT_TRUE(f.status.ok()) << f.status.to_string();

  kvstore::KvStore from_chunks;
  from_chunks.put("stale", "content");
  ChunkedSource src(bytes, kUneven);
  const RdbLoadResult c = load_rdb(&src, &from_chunks);
  ASSERT_TRUE(c.status.ok()) << c.status.to_string();
  EXPECT_GT(src.calls(), 100u) << "the stream really came in many pieces";
  EXPECT_EQ(contents(from_chunks), contents(from_file));
  EXPECT_EQ(from_chunks.digest(), from_file.digest());
  EXPECT_EQ(c.keys, f.keys);
  EXPECT_EQ(c.bytes, f.bytes);
  EXPECT_EQ(c.version, f.version);
  EXPECT_TRUE(c.checksum_verified);
  EXPECT_EQ(c.redis_ver, f.redis_ver);

  // Every window size alone, from one byte up.
  for (size_t n : {size_t{1}, size_t{2}, size_t{8}, size_t{9}, size_t{4096}}) {
    kvstore::KvStore s;
    ChunkedSource one(bytes, {n});
    const RdbLoadResult r = load_rdb(&one, &s);
    ASSERT_TRUE(r.status.ok()) << n << ": " << r.status.to_string();
    EXPECT_EQ(s.digest(), from_file.digest()) << n;
  }
}

TEST(RdbLoadSource, ErrorsAreTheSameAtTheSameOffsetWhateverTheChunks) {
  TempDir dir;
  const std::string path = dir.file("dump.rdb");
  const std::string good = saved_sample(dir, path);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;  // in a key or value: parses, fails the checksum (or a length)
  RdbBuilder hash;
  hash.db0(1).kv("fine", "string").byte(4).str("h");
  for (const std::string& bad :
       {good.substr(0, good.size() / 3), good.substr(0, good.size() - 3), flipped, good + "x", hash.finish()}) {
    rpbench::testing::write_file(path, bad);
    kvstore::KvStore a;
    const RdbLoadResult f = load_rdb_file(path, &a);
    ASSERT_FALSE(f.status.ok());
    kvstore::KvStore b;
    b.put("previous", "content");
    ChunkedSource src(bad, kUneven, path);
    const RdbLoadResult c = load_rdb(&src, &b);
    EXPECT_EQ(c.status.code(), f.status.code());
    EXPECT_EQ(c.status.message(), f.status.message());
    EXPECT_EQ(b.size(), 0u) << "never half-loaded";
  }
}

TEST(RdbLoadHandler, PairsWithoutAStore) {
  TempDir dir;
  const std::string path = dir.file("dump.rdb");
  const kvstore::KvStore src = sample_store();
  saved_sample(dir, path);
  ContentDigest d;
  uint64_t hinted = 0;
  RdbLoadHandler h;
  h.on_pair = [&](std::string_view k, std::string_view v) {
    d.add(k, v);
    return Status::Ok();
  };
  h.on_key_count = [&](uint64_t keys) { hinted = keys; };
  const RdbLoadResult r = load_rdb_file(path, h);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(d, src.digest());
  EXPECT_EQ(hinted, src.size());
  EXPECT_EQ(r.keys, static_cast<int64_t>(src.size()));

  // No callbacks at all: a check of the stream.
  EXPECT_TRUE(load_rdb_file(path, RdbLoadHandler{}).status.ok());
  // A missing file.
  EXPECT_EQ(load_rdb_file(dir.file("missing.rdb"), h).status.code(), Code::kNotFound);
}

TEST(RdbLoadHandler, ACallbacksFailureStopsTheLoadAtThatPair) {
  RdbBuilder b;
  b.db0(3).kv("a", "1");
  const size_t second = b.size();
  b.kv("b", "2").kv("c", "3");
  const std::string bytes = b.finish();
  int seen = 0;
  RdbLoadHandler h;
  h.on_pair = [&](std::string_view k, std::string_view) {
    ++seen;
    return k == "b" ? Status::ResourceExhausted("no room for 'b'") : Status::Ok();
  };
  MemorySource src(bytes, "snapshot slot 1");
  const RdbLoadResult r = load_rdb(&src, h);
  EXPECT_EQ(r.status.code(), Code::kResourceExhausted);
  EXPECT_EQ(r.status.message(), "snapshot slot 1: offset " + std::to_string(second) + ": no room for 'b'");
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(r.keys, 0);
}

// Yields `good_bytes` of the stream, then fails as a remote read that lost its connection would.
class BrokenSource final : public InputSource {
 public:
  BrokenSource(std::string data, size_t good_bytes) : data_(std::move(data)), good_(good_bytes) {}
  uint64_t size() const override { return data_.size(); }
  Status next(std::span<const char>* chunk) override {
    if (done_) return Status::Unavailable("read failed: the memory node went away");
    done_ = true;
    *chunk = std::span<const char>(data_.data(), good_);
    return Status::Ok();
  }
  std::string_view name() const override { return "remote"; }

 private:
  std::string data_;
  size_t good_;
  bool done_ = false;
};

TEST(RdbLoadSource, AReadFailureKeepsItsCodeAndGetsTheOffset) {
  TempDir dir;
  const std::string bytes = saved_sample(dir, dir.file("dump.rdb"));
  BrokenSource src(bytes, 5000);
  kvstore::KvStore s;
  s.put("previous", "content");
  const RdbLoadResult r = load_rdb(&src, &s);
  EXPECT_EQ(r.status.code(), Code::kUnavailable);
  EXPECT_EQ(r.status.message(), "remote: offset 5000: read failed: the memory node went away");
  EXPECT_EQ(s.size(), 0u);
}

// Announces fewer bytes than it yields: a broken source, reported, never read past.
class OverlongSource final : public InputSource {
 public:
  explicit OverlongSource(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size() - 10; }
  Status next(std::span<const char>* chunk) override {
    *chunk = std::span<const char>(data_.data(), done_ ? 0 : data_.size());
    done_ = true;
    return Status::Ok();
  }
  std::string_view name() const override { return "overlong"; }

 private:
  std::string data_;
  bool done_ = false;
};

TEST(RdbLoadSource, ASourceYieldingMoreThanItAnnouncedIsCaught) {
  RdbBuilder b;
  b.db0(1).kv("k", "v");
  OverlongSource src(b.finish());
  const RdbLoadResult r = load_rdb(&src, RdbLoadHandler{});
  EXPECT_EQ(r.status.code(), Code::kInternal);
  EXPECT_THAT(r.status.message(), HasSubstr("overlong: offset 0: the source yields more than the"));
}

TEST(RdbLoadSource, ALengthPastTheAnnouncedSizeAllocatesNothing) {
  // A key claiming 2^40 bytes in a 60-byte stream: refused from the announced size, before any
  // allocation or read.
  RdbBuilder b;
  b.db0(1).byte(kTypeString);
  const size_t at = b.size();
  b.len(uint64_t{1} << 40).raw("short");
  const std::string bytes = b.finish();
  MemorySource src(bytes, "mem");
  kvstore::KvStore s;
  const RdbLoadResult r = load_rdb(&src, &s);
  EXPECT_EQ(r.status.code(), Code::kCorruption);
  EXPECT_THAT(r.status.message(),
              HasSubstr("mem: offset " + std::to_string(at) + ": length 1099511627776 of a key runs past the end"));
}

}  // namespace
}  // namespace rpbench::rdb
