// Cross-checks against the real thing (label "redis"): redis-check-rdb accepts a file this
// engine writes; redis-server 7.0 loads it with the same keys and values; a file redis-server
// writes (integer-encoded and LZF-compressed strings included) loads here with the same content.
// Each test skips, saying why, when redis-server or redis-check-rdb is not installed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engines/rdb/rdb_kvstore.h"
#include "engines/rdb_fork/rdb_fork_engine.h"
#include "tests/engines/redis_tools.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb_fork {
namespace {

using rpbench::testing::command;
using rpbench::testing::contents;
using rpbench::testing::find_program;
using rpbench::testing::RedisServer;
using rpbench::testing::Reply;
using rpbench::testing::run_program;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;

// A store with the shapes that matter: many keys, binary and empty values, integer-looking
// values, values longer than the write buffer.
void fill(RdbForkEngine& e) {
  for (int i = 0; i < 3000; ++i) e.put(test_key(i), test_value(i, 0, static_cast<size_t>(i % 400)));
  e.put("int", "12345");
  e.put("neg", "-7");
  e.put("empty", "");
  e.put(std::string("bin\0key", 7), std::string("\0\1\2\xff", 4));
  e.put("long", test_value(9, 9, 200000));
}

TEST(RedisCrossCheck, RedisCheckRdbAcceptsOurFile) {
  const auto check = find_program("redis-check-rdb");
  if (!check) GTEST_SKIP() << "redis-check-rdb not found on PATH (Debian package redis-tools)";
  TempDir dir;
  RdbForkOptions o;
  o.dir = dir.path();
  o.buffer_bytes = 4096;
  auto opened = RdbForkEngine::open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  RdbForkEngine& e = **opened;
  fill(e);
  ASSERT_TRUE(e.begin_snapshot().ok());
  std::optional<SnapshotReport> r;
  while (!(r = e.poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(r->ok()) << r->status.message();
  const std::string log = dir.file("check.log");
  const int status = run_program({*check, e.rdb_path()}, log);
  const std::string out = rpbench::testing::read_file(log);
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("RDB looks OK")) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("keys read")) << out;
}

TEST(RedisCrossCheck, RedisServerLoadsOurFileWithTheSameContent) {
  const auto server = find_program("redis-server");
  if (!server) GTEST_SKIP() << "redis-server not found on PATH (Debian package redis-server)";
  TempDir dir;
  RdbForkOptions o;
  o.dir = dir.path();
  auto opened = RdbForkEngine::open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  RdbForkEngine& e = **opened;
  fill(e);
  ASSERT_TRUE(e.begin_snapshot().ok());
  std::optional<SnapshotReport> r;
  while (!(r = e.poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(r->ok()) << r->status.message();
  // The server gets its own directory with a copy of the file.
  TempDir sdir;
  std::filesystem::copy_file(e.rdb_path(), sdir.file("dump.rdb"));
  RedisServer rs(*server, sdir.path(), "dump.rdb");
  redisContext* c = rs.ready();
  ASSERT_NE(c, nullptr) << "redis-server did not come up; log:\n"
                        << rpbench::testing::read_file(sdir.file("redis.log"));
  Reply n(static_cast<redisReply*>(redisCommand(c, "DBSIZE")));
  ASSERT_TRUE(n && n->type == REDIS_REPLY_INTEGER);
  EXPECT_EQ(n->integer, e.size());
  const auto want = contents(e.store());
  int sampled = 0;
  int i = 0;
  for (const auto& [k, v] : want) {
    if (i++ % 7 != 0 && k.rfind("key:", 0) == 0) continue;  // every 7th numbered key, all special ones
    Reply g = command(c, "GET %b", k);
    ASSERT_TRUE(g) << k;
    ASSERT_EQ(g->type, REDIS_REPLY_STRING) << "key " << k;
    EXPECT_EQ(std::string(g->str, g->len), v) << "key " << k;
    ++sampled;
  }
  EXPECT_GT(sampled, 400);
}

TEST(RedisCrossCheck, FileWrittenByRedisServerLoadsHere) {
  const auto server = find_program("redis-server");
  if (!server) GTEST_SKIP() << "redis-server not found on PATH (Debian package redis-server)";
  TempDir sdir;
  RedisServer rs(*server, sdir.path(), "dump.rdb", {"--rdbcompression", "yes"});
  redisContext* c = rs.ready();
  ASSERT_NE(c, nullptr) << "redis-server did not come up; log:\n"
                        << rpbench::testing::read_file(sdir.file("redis.log"));
  std::map<std::string, std::string> want = {
      {"int8", "-7"},
      {"int16", "12345"},
      {"int32", "100000"},
      {"int32min", "-2147483648"},
      {"toolong", "12345678901"},
      {"leading0", "007"},
      {"empty", ""},
      {std::string("b\0in", 4), std::string("\0\xff", 2)},
      {"compressible", std::string(3000, 'a') + "tail" + std::string(500, 'b')},
      {"random", test_value(1, 1, 700)},
      {"12345", "integer-looking key"},
  };
  for (int i = 0; i < 2000; ++i)
    want[test_key(i)] = "value-" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'x');
  for (const auto& [k, v] : want) {
    Reply r(static_cast<redisReply*>(redisCommand(c, "SET %b %b", k.data(), k.size(), v.data(), v.size())));
    ASSERT_TRUE(r && r->type == REDIS_REPLY_STATUS) << k;
  }
  // A key with a time to live: loaded, its expire time ignored (and counted).
  Reply px(static_cast<redisReply*>(redisCommand(c, "SET ttl v PX 100000000")));
  ASSERT_TRUE(px && px->type == REDIS_REPLY_STATUS);
  want["ttl"] = "v";
  Reply save(static_cast<redisReply*>(redisCommand(c, "SAVE")));
  ASSERT_TRUE(save && save->type == REDIS_REPLY_STATUS) << (save && save->str ? save->str : "no reply");

  kvstore::KvStore s;
  const rdb::RdbLoadResult r = rdb::load_rdb_file(sdir.file("dump.rdb"), &s);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.version, 10);
  EXPECT_TRUE(r.checksum_verified);
  EXPECT_THAT(r.redis_ver, ::testing::StartsWith("7.0"));
  EXPECT_EQ(r.expires_ignored, 1);
  EXPECT_EQ(r.keys, static_cast<int64_t>(want.size()));
  EXPECT_EQ(contents(s), want);
  // The file really used LZF: the long run of 'a' is not in it verbatim.
  EXPECT_EQ(rpbench::testing::read_file(sdir.file("dump.rdb")).find(std::string(3000, 'a')), std::string::npos);
}

}  // namespace
}  // namespace rpbench::rdb_fork
