// The rdma-pingpong engine against the tools around it: the snapshot outlives the process (one
// rpbench process loads and snapshots into a standalone memory node and exits; a second, fresh
// one recovers and verifies against the digest in the slot header), and a remote snapshot dumped
// to a file is a real RDB file (redis-check-rdb accepts it; redis-server loads the same keys).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "engines/rdma_pingpong/pingpong_engine.h"
#include "tests/engines/redis_tools.h"
#include "tests/engines/rpbench_process.h"
#include "tests/engines/test_util.h"
#include "tests/transport/transport_bed.h"

namespace rpbench::pingpong {
namespace {

using rpbench::testing::command;
using rpbench::testing::find_program;
using rpbench::testing::read_json;
using rpbench::testing::RedisServer;
using rpbench::testing::Reply;
using rpbench::testing::run_program;
using rpbench::testing::run_rpbench;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;
using ::testing::HasSubstr;
using transport::testing::TestNode;
using transport::testing::transport_bed;

TEST(PingpongTools, AFreshRpbenchProcessRecoversAndVerifiesWhatAnotherSnapshotted) {
  const char* rpbench = std::getenv("RPBENCH");
  if (rpbench == nullptr) GTEST_SKIP() << "$RPBENCH does not name the rpbench binary (ctest sets it)";
  TestNode node(transport_bed("tcp"), 64 << 20);
  TempDir dir;
  nlohmann::json base = {{"seed", 7},
                         {"engine", {{"type", "rdma-pingpong"}, {"buffer_bytes", 65536}}},
                         {"transport", {{"type", "tcp"}, {"memnode", node.endpoint()}, {"channels", 2}}},
                         {"dataset", {{"keys", 5000}, {"value_size", {{"dist", "fixed"}, {"size", 100}}}}}};
  nlohmann::json write = base;
  write["name"] = "write";
  write["phases"] = {{{"type", "load"}}, {{"type", "snapshot"}}};
  ASSERT_EQ(run_rpbench(rpbench, write, dir, "write", node.token()), 0);
  const nlohmann::json w = read_json(dir.file("write-result.json"));
  std::string digest;
  for (const auto& p : w["phases"])
    if (p.contains("snapshots"))
      for (const auto& s : p["snapshots"]) digest = s["digest"].get<std::string>();
  ASSERT_FALSE(digest.empty()) << w.dump(2);

  nlohmann::json read = base;
  read["name"] = "read";
  read["phases"] = {{{"type", "recover"}}, {{"type", "verify"}}};
  ASSERT_EQ(run_rpbench(rpbench, read, dir, "read", node.token()), 0);
  const nlohmann::json r = read_json(dir.file("read-result.json"));
  const nlohmann::json& v = r["phases"][1]["verify"];
  EXPECT_TRUE(v["ok"].get<bool>()) << v.dump(2);
  EXPECT_EQ(v["expected_digest"], digest);
  EXPECT_EQ(v["actual_digest"], digest);
  EXPECT_EQ(r["phases"][0]["recovery"]["keys"], 5000) << r["phases"][0].dump(2);
}

// An engine on a tcp node holding a committed snapshot of a store with the shapes that matter.
struct Dumped {
  TempDir dir;
  TestNode node{transport_bed("tcp"), 64 << 20};
  std::unique_ptr<PingpongEngine> engine;
  std::string path;

  Dumped() {
    PingpongOptions o;
    o.buffer_bytes = 64 * 1024;
    auto e = PingpongEngine::open(o, node.options(2, 16 * 1024));
    if (!e.ok()) throw std::runtime_error(e.status().to_string());
    engine = std::move(*e);
    for (int i = 0; i < 3000; ++i) (void)engine->put(test_key(i), test_value(i, 0, static_cast<size_t>(i % 400)));
    (void)engine->put("int", "12345");
    (void)engine->put("empty", "");
    (void)engine->put(std::string("bin\0key", 7), std::string("\0\1\2\xff", 4));
    (void)engine->put("long", test_value(9, 9, 200000));
    if (!engine->begin_snapshot().ok()) throw std::runtime_error("begin_snapshot");
    std::optional<SnapshotReport> r;
    while (!(r = engine->poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!r->ok()) throw std::runtime_error(r->status.to_string());
    path = dir.file("dump.rdb");
    if (Status s = engine->dump(path); !s.ok()) throw std::runtime_error(s.to_string());
  }
};

TEST(PingpongTools, RedisCheckRdbAcceptsADumpedRemoteSnapshot) {
  const auto check = find_program("redis-check-rdb");
  if (!check) GTEST_SKIP() << "redis-check-rdb not found on PATH (Debian package redis-tools)";
  Dumped d;
  const std::string log = d.dir.file("check.log");
  const int status = run_program({*check, d.path}, log);
  const std::string out = rpbench::testing::read_file(log);
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("RDB looks OK")) << out;
}

TEST(PingpongTools, RedisServerLoadsADumpedRemoteSnapshotWithTheSameKeys) {
  const auto server = find_program("redis-server");
  if (!server) GTEST_SKIP() << "redis-server not found on PATH (Debian package redis-server)";
  Dumped d;
  RedisServer rs(*server, d.dir.path(), "dump.rdb");
  redisContext* c = rs.ready();
  ASSERT_NE(c, nullptr) << rpbench::testing::read_file(d.dir.file("redis.log"));
  Reply size(static_cast<redisReply*>(redisCommand(c, "DBSIZE")));
  ASSERT_TRUE(size && size->type == REDIS_REPLY_INTEGER);
  EXPECT_EQ(static_cast<size_t>(size->integer), d.engine->store().size());
  size_t checked = 0;
  d.engine->store().for_each([&](std::string_view k, std::string_view v) {
    Reply r = command(c, "GET %b", std::string(k));
    ASSERT_TRUE(r && r->type == REDIS_REPLY_STRING) << k;
    EXPECT_EQ(std::string_view(r->str, r->len), v) << k;
    ++checked;
  });
  EXPECT_EQ(checked, d.engine->store().size());
}

}  // namespace
}  // namespace rpbench::pingpong
