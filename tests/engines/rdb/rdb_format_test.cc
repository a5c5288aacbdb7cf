// The RDB format library: CRC64, LZF, length and integer encodings, write/load round trips through
// files, files crafted byte by byte (every string encoding Redis writes), and every load error:
// each names the file and the offset, has the right code and leaves the target store empty.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "engines/kvstore/kvstore.h"
#include "engines/rdb/crc64.h"
#include "engines/rdb/lzf.h"
#include "engines/rdb/rdb_format.h"
#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdb/rdb_loader.h"
#include "tests/engines/rdb/rdb_test_util.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb {
namespace {

using Code = Status::Code;
using rpbench::rdb::testing::RdbBuilder;
using rpbench::rdb::testing::sample_store;
using rpbench::testing::contents;
using rpbench::testing::read_file;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;
using rpbench::testing::write_file;
using ::testing::HasSubstr;

TEST(Crc64, MatchesRedisTestVector) {
  EXPECT_EQ(crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caull);
  // Incremental over any split equals one pass (exercises the 8-byte and 1-byte paths).
  const std::string data = test_value(1, 2, 1000);
  const uint64_t whole = crc64(0, data.data(), data.size());
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u}) {
    EXPECT_EQ(crc64(crc64(0, data.data(), cut), data.data() + cut, data.size() - cut), whole) << cut;
  }
  EXPECT_NE(crc64(0, "123456788", 9), 0xe9c6d914c4b8d9caull);
}

TEST(Lzf, DecompressesLiteralsAndOverlappingBackReferences) {
  // "abc" as a literal run, then 9 bytes copied from 3 back (overlapping).
  const unsigned char in[] = {2, 'a', 'b', 'c', 0xE0, 0, 2};
  char out[12];
  ASSERT_TRUE(lzf_decompress(in, sizeof in, out, sizeof out));
  EXPECT_EQ(std::string(out, 12), "abcabcabcabc");
  char small[11];
  EXPECT_FALSE(lzf_decompress(in, sizeof in, small, sizeof small)) << "output longer than announced";
  char big[13];
  EXPECT_FALSE(lzf_decompress(in, sizeof in, big, sizeof big)) << "output shorter than announced";
  const unsigned char before_start[] = {0, 'a', 0x20, 5};  // reference 6 bytes back after 1 byte
  char o2[4];
  EXPECT_FALSE(lzf_decompress(before_start, sizeof before_start, o2, sizeof o2));
  const unsigned char cut_literal[] = {5, 'a', 'b'};
  char o3[6];
  EXPECT_FALSE(lzf_decompress(cut_literal, sizeof cut_literal, o3, sizeof o3));
}

TEST(RdbFormat, LengthEncodings) {
  auto enc = [](uint64_t v) {
    std::string s;
    append_rdb_length(&s, v);
    return s;
  };
  EXPECT_EQ(enc(0), std::string("\x00", 1));
  EXPECT_EQ(enc(63), "\x3f");
  EXPECT_EQ(enc(64), "\x40\x40");
  EXPECT_EQ(enc(16383), "\x7f\xff");
  EXPECT_EQ(enc(16384), std::string("\x80\x00\x00\x40\x00", 5));
  EXPECT_EQ(enc(0xffffffffull), "\x80\xff\xff\xff\xff");
  EXPECT_EQ(enc(0x100000000ull), std::string("\x81\x00\x00\x00\x01\x00\x00\x00\x00", 9));
}

TEST(RdbFormat, IntegerEncodingOnlyForCanonical32BitIntegers) {
  unsigned char b[5];
  EXPECT_EQ(try_encode_rdb_int("12", b), 2u);
  EXPECT_EQ(b[0], 0xC0);
  EXPECT_EQ(b[1], 12);
  EXPECT_EQ(try_encode_rdb_int("-129", b), 3u);
  EXPECT_EQ(b[0], 0xC1);
  EXPECT_EQ(try_encode_rdb_int("100000", b), 5u);
  EXPECT_EQ(b[0], 0xC2);
  EXPECT_EQ(try_encode_rdb_int("-2147483648", b), 5u);
  EXPECT_EQ(try_encode_rdb_int("2147483648", b), 0u);
  EXPECT_EQ(try_encode_rdb_int("007", b), 0u);
  EXPECT_EQ(try_encode_rdb_int("+1", b), 0u);
  EXPECT_EQ(try_encode_rdb_int("", b), 0u);
  EXPECT_EQ(try_encode_rdb_int("1a", b), 0u);
}

// Writes `store` to dir/name with the given buffer size; returns the path.
std::string save(const kvstore::KvStore& store, const TempDir& dir, const std::string& name, size_t buffer = 65536) {
  RdbWriteOptions opt;
  opt.file.buffer_bytes = buffer;
  const std::string path = dir.file(name);
  const RdbWriteResult r = save_rdb_file(store, dir.file("temp-" + name), path, opt);
  EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.digest, store.digest());
  EXPECT_EQ(r.bytes, static_cast<int64_t>(read_file(path).size()));
  return path;
}

TEST(RdbRoundTrip, WriteThenLoadGivesTheSameContentAndDigest) {
  TempDir dir;
  const kvstore::KvStore src = sample_store();
  for (size_t buffer : {size_t{4096}, size_t{65536}, size_t{1} << 20}) {
    const std::string path = save(src, dir, "dump-" + std::to_string(buffer) + ".rdb", buffer);
    const std::string bytes = read_file(path);
    ASSERT_GT(bytes.size(), 9u);
    EXPECT_EQ(bytes.substr(0, 9), "REDIS0010");
    EXPECT_NE(bytes.find("redis-ver"), std::string::npos);
    EXPECT_NE(bytes.find("aof-base"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.file("temp-dump-" + std::to_string(buffer) + ".rdb")));
    kvstore::KvStore dst;
    dst.put("stale", "content");
    const RdbLoadResult r = load_rdb_file(path, &dst);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_TRUE(r.checksum_verified);
    EXPECT_EQ(r.version, 10);
    EXPECT_EQ(r.keys, static_cast<int64_t>(src.size()));
    EXPECT_EQ(r.bytes, static_cast<int64_t>(bytes.size()));
    EXPECT_EQ(dst.digest(), src.digest());
    EXPECT_EQ(contents(dst), contents(src));
  }
  // The same content gives the same file whatever the buffer size (ctime aside, it is equal).
  EXPECT_EQ(read_file(dir.file("dump-4096.rdb")).size(), read_file(dir.file("dump-65536.rdb")).size());
}

TEST(RdbRoundTrip, EmptyStore) {
  TempDir dir;
  kvstore::KvStore empty;
  const std::string path = save(empty, dir, "empty.rdb");
  kvstore::KvStore dst;
  const RdbLoadResult r = load_rdb_file(path, &dst);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.keys, 0);
  EXPECT_EQ(dst.size(), 0u);
}

TEST(RdbLoad, ReadsEveryStringEncodingRedisWrites) {
  TempDir dir;
  // LZF: "abc" literal + 9-byte back reference = "abcabcabcabc".
  const std::string lzf_payload(
      "\x02"
      "abc"
      "\xE0\x00\x02",
      7);
  RdbBuilder b;
  b.aux("redis-ver", "7.0.15");
  b.byte(kOpAux).str("redis-bits").byte(0xC0).byte(64);  // AUX value INT8-encoded
  b.db0(6);
  b.byte(kTypeString).byte(0xC0).byte(0xF9).str("int8 key -7");                       // key INT8 -7
  b.byte(kTypeString).str("i16").byte(0xC1).byte(0x39).byte(0x30);                    // 12345
  b.byte(kTypeString).str("i32").byte(0xC2).raw(std::string("\x00\x00\x00\x80", 4));  // INT32_MIN
  b.byte(kTypeString).str("lzf").byte(0xC3).len(lzf_payload.size()).len(12).raw(lzf_payload);
  b.byte(kOpExpireTimeMs).raw(std::string(8, '\x7f')).kv("expiring", "v");
  b.byte(kOpIdle).len(5).byte(kOpFreq).byte(3).kv("lru", "x");
  const std::string path = dir.file("enc.rdb");
  write_file(path, b.finish());
  kvstore::KvStore s;
  const RdbLoadResult r = load_rdb_file(path, &s);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.redis_ver, "7.0.15");
  EXPECT_EQ(r.expires_ignored, 1);
  EXPECT_TRUE(r.checksum_verified);
  std::map<std::string, std::string> want = {{"-7", "int8 key -7"},   {"i16", "12345"},  {"i32", "-2147483648"},
                                             {"lzf", "abcabcabcabc"}, {"expiring", "v"}, {"lru", "x"}};
  EXPECT_EQ(contents(s), want);

  // A zero checksum means "not computed" (rdbchecksum no) and is accepted, unverified.
  write_file(path, b.finish(false));
  const RdbLoadResult r2 = load_rdb_file(path, &s);
  ASSERT_TRUE(r2.status.ok()) << r2.status.to_string();
  EXPECT_FALSE(r2.checksum_verified);
  EXPECT_EQ(contents(s), want);
}

// Loads `bytes` from dir/name into a non-empty store; expects failure with `code` and an empty
// store; returns the message.
std::string load_error(const TempDir& dir, const std::string& name, const std::string& bytes,
                       Code code = Code::kCorruption) {
  const std::string path = dir.file(name);
  write_file(path, bytes);
  kvstore::KvStore s;
  s.put("previous", "content");
  const RdbLoadResult r = load_rdb_file(path, &s);
  EXPECT_FALSE(r.status.ok()) << name << " loaded";
  EXPECT_EQ(r.status.code(), code) << name << ": " << r.status.to_string();
  EXPECT_EQ(s.size(), 0u) << name << ": the store must be left empty";
  EXPECT_THAT(r.status.message(), HasSubstr(path + ": offset ")) << "the error names the file and the offset";
  return r.status.message();
}

TEST(RdbLoad, ErrorsNameFileAndOffsetAndLeaveTheStoreEmpty) {
  TempDir dir;
  const kvstore::KvStore src = sample_store();
  const std::string good = read_file(save(src, dir, "good.rdb"));

  // Truncated anywhere: in the header, mid-key, before the checksum, inside the checksum.
  for (size_t cut : {size_t{4}, size_t{40}, size_t{200}, good.size() / 2, good.size() - 9, good.size() - 3}) {
    const std::string e = load_error(dir, "cut.rdb", good.substr(0, cut));
    // Either the read hits the end, or a length announces more bytes than are left.
    EXPECT_THAT(e, HasSubstr("truncated?")) << "cut at " << cut;
  }
  std::string bad = good;
  bad[0] = 'X';
  EXPECT_THAT(load_error(dir, "magic.rdb", bad), HasSubstr("offset 0: bad magic"));
  bad = good;
  bad.replace(5, 4, "0011");
  EXPECT_THAT(load_error(dir, "version.rdb", bad, Code::kInvalidArgument),
              HasSubstr("offset 5: RDB version 11 is not supported"));
  bad.replace(5, 4, "0000");
  EXPECT_THAT(load_error(dir, "version0.rdb", bad), HasSubstr("offset 5: RDB version 0 is not supported"));
  bad.replace(5, 4, "00x1");
  EXPECT_THAT(load_error(dir, "version2.rdb", bad), HasSubstr("offset 5: bad RDB version field"));
  // One flipped bit in a value's bytes: parses, but the checksum differs.
  bad = good;
  const size_t at = good.find(test_value(1999, 0, 1999 % 300));
  ASSERT_NE(at, std::string::npos);
  bad[at + 5] ^= 0x10;
  EXPECT_THAT(load_error(dir, "crc.rdb", bad), HasSubstr("checksum mismatch"));
  bad = good;
  bad[bad.size() - 1] ^= 1;  // in the stored checksum itself
  EXPECT_THAT(load_error(dir, "crc2.rdb", bad), HasSubstr("checksum mismatch"));
  EXPECT_THAT(load_error(dir, "trailing.rdb", good + "junk"), HasSubstr("4 unexpected bytes after the end"));

  // A key length running past the end of the file.
  RdbBuilder past;
  past.db0(1).byte(kTypeString);
  const size_t len_at = past.size();
  past.len(1000000).raw("short");
  EXPECT_THAT(
      load_error(dir, "past.rdb", past.finish()),
      HasSubstr("offset " + std::to_string(len_at) + ": length 1000000 of a key runs past the end of the file"));

  // A value type other than string: named.
  RdbBuilder hash;
  hash.db0(2).kv("fine", "string");
  const size_t type_at = hash.size();
  hash.byte(4).str("h").len(1).str("f").str("v");
  EXPECT_THAT(
      load_error(dir, "hash.rdb", hash.finish(), Code::kInvalidArgument),
      HasSubstr("offset " + std::to_string(type_at) + ": value type 'hash' (4) is not supported: only strings"));
  RdbBuilder lp;
  lp.db0(1).byte(16).str("h").str("listpack bytes");
  EXPECT_THAT(load_error(dir, "listpack.rdb", lp.finish(), Code::kInvalidArgument),
              HasSubstr("value type 'hash (listpack)' (16) is not supported"));
  RdbBuilder stream;
  stream.db0(1).byte(19).str("s");
  EXPECT_THAT(load_error(dir, "stream.rdb", stream.finish(), Code::kInvalidArgument),
              HasSubstr("'stream (listpacks v2)' (19)"));
  RdbBuilder notype;  // a byte that is no type in any RDB version: corruption
  notype.db0(1).byte(100).str("k");
  EXPECT_THAT(load_error(dir, "notype.rdb", notype.finish()), HasSubstr("value type 'unknown' (100) is not supported"));

  RdbBuilder db1;
  db1.byte(kOpSelectDb).len(1);
  EXPECT_THAT(load_error(dir, "db1.rdb", db1.finish(), Code::kInvalidArgument),
              HasSubstr("offset 9: database 1 is selected: only db 0"));
  RdbBuilder module;
  module.byte(kOpModuleAux).len(42);
  EXPECT_THAT(load_error(dir, "module.rdb", module.finish(), Code::kInvalidArgument),
              HasSubstr("module auxiliary data (opcode 247)"));
  RdbBuilder fn;
  fn.byte(kOpFunction2).str("#!lua name=x");
  EXPECT_THAT(load_error(dir, "fn.rdb", fn.finish(), Code::kInvalidArgument),
              HasSubstr("function library data (opcode 245)"));
  RdbBuilder dup;
  dup.db0(2).kv("k", "1").kv("k", "2");
  EXPECT_THAT(load_error(dir, "dup.rdb", dup.finish()), HasSubstr("duplicate key 'k'"));
  RdbBuilder badlzf;
  badlzf.db0(1).byte(kTypeString).str("k").byte(0xC3).len(3).len(10).raw(std::string("\x20\x05\x00", 3));
  EXPECT_THAT(load_error(dir, "lzf.rdb", badlzf.finish()), HasSubstr("corrupt LZF data"));
  RdbBuilder badenc;
  badenc.db0(1).byte(kTypeString).str("k").byte(0xC7);
  EXPECT_THAT(load_error(dir, "enc.rdb", badenc.finish()), HasSubstr("unknown string encoding 7"));

  // A missing file: named, no offset, kNotFound.
  kvstore::KvStore s;
  s.put("a", "b");
  const RdbLoadResult r = load_rdb_file(dir.file("missing.rdb"), &s);
  EXPECT_EQ(r.status.code(), Code::kNotFound) << r.status.to_string();
  EXPECT_THAT(r.status.message(), HasSubstr("missing.rdb: cannot open"));
  EXPECT_EQ(s.size(), 0u);
  // The good file is still good.
  const RdbLoadResult ok = load_rdb_file(dir.file("good.rdb"), &s);
  ASSERT_TRUE(ok.status.ok()) << ok.status.to_string();
  EXPECT_EQ(s.digest(), src.digest());
}

}  // namespace
}  // namespace rpbench::rdb
