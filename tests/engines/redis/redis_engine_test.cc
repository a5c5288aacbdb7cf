// The redis engine against a real redis-server: life cycle (the server never outlives the
// engine), point operations and pipelining, a killed server (errors, never a hang), BGSAVE
// snapshots with the server's own figures, recovery by restart (same keys, digest and values as
// the workload generator made them), and attach mode (the server is left alone).
#include "engines/redis/redis_engine.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engines/content_digest.h"
#include "engines/redis/connection.h"
#include "engines/redis/server_process.h"
#include "redis_test_util.h"
#include "workloads/keys.h"
#include "workloads/values.h"

namespace rpbench::redis {
namespace {

using testing::connect_test;
using testing::open_engine;
using testing::process_alive;
using testing::TempDir;
using testing::try_open_engine;
using testing::wait_snapshot;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kKeySize = 16;
constexpr uint64_t kSeed = 42;

workloads::ValueSizer sizer() {
  workloads::ValueSizeSpec spec;
  spec.dist = "uniform";
  spec.min = 16;
  spec.max = 300;
  return workloads::ValueSizer(spec, kSeed);
}

// Loads keys [0, n) at version 0 as the workload generator makes them.
void load(Engine& e, uint64_t n, uint64_t first = 0) {
  const workloads::ValueSizer vs = sizer();
  for (uint64_t id = first; id < first + n; ++id) {
    const std::string k = workloads::make_key(id, kKeySize);
    const std::string v = workloads::make_value(id, 0, kSeed, vs.size_for(id, 0));
    ASSERT_TRUE(e.put(k, v).ok()) << id;
  }
}

std::string expected_digest(uint64_t n) {
  const workloads::ValueSizer vs = sizer();
  ContentDigest d;
  for (uint64_t id = 0; id < n; ++id) {
    d.add(workloads::make_key(id, kKeySize), workloads::make_value(id, 0, kSeed, vs.size_for(id, 0)));
  }
  return d.hex();
}

TEST(RedisEngine, LifeCycleAndPointOps) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  pid_t pid = -1;
  std::string dir;
  {
    auto e = open_engine({{"dir", parent.path()}, {"pipeline_depth", 1}});
    EXPECT_EQ(e->name(), "redis");
    EXPECT_TRUE(e->capabilities() & kCapConcurrentCallers);
    const nlohmann::json rep = e->report();
    ASSERT_FALSE(rep.contains("error")) << rep.dump();
    pid = rep.at("pid").get<pid_t>();
    dir = rep.at("dir").get<std::string>();
    EXPECT_EQ(rep.at("server_pid").get<pid_t>(), pid);
    EXPECT_TRUE(rep.at("managed").get<bool>());
    EXPECT_EQ(rep.at("keys"), 0);
    EXPECT_EQ(rep.at("redis_version").get<std::string>().substr(0, 1), "7") << rep.dump();
    EXPECT_TRUE(process_alive(pid));
    EXPECT_EQ(dir.rfind(parent.path() + "/redis-", 0), 0u) << dir;
    EXPECT_TRUE(std::filesystem::is_directory(dir));

    std::string v;
    EXPECT_TRUE(e->get("missing", &v).not_found());
    EXPECT_TRUE(e->del("missing").not_found());
    ASSERT_TRUE(e->put("k1", std::string("v\0x", 3)).ok());
    ASSERT_TRUE(e->get("k1", &v).ok());
    EXPECT_EQ(v, std::string("v\0x", 3));
    ASSERT_TRUE(e->put("k1", "second").ok());
    ASSERT_TRUE(e->get("k1", &v).ok());
    EXPECT_EQ(v, "second");
    EXPECT_TRUE(e->del("k1").ok());
    EXPECT_TRUE(e->get("k1", &v).not_found());
  }
  EXPECT_FALSE(process_alive(pid)) << "redis-server " << pid << " outlived the engine";
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(RedisEngine, KeepDirKeepsTheLogAndRdb) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  std::string dir;
  {
    auto e = open_engine({{"dir", parent.path()}, {"keep_dir", true}});
    dir = e->report().at("dir").get<std::string>();
    load(*e, 10);
    ASSERT_TRUE(e->begin_snapshot().ok());
    auto rep = wait_snapshot(*e);
    ASSERT_TRUE(rep && rep->ok()) << (rep ? rep->status.message() : "timeout");
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/dump.rdb"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/redis.log"));
}

TEST(RedisEngine, ServerGoneWhenDestroyedMidPipeline) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  pid_t pid = -1;
  std::string dir;
  {
    auto e = open_engine({{"dir", parent.path()}, {"pipeline_depth", 1000}});
    pid = e->report().at("pid").get<pid_t>();
    dir = e->report().at("dir").get<std::string>();
    load(*e, 1500);  // one full pipeline read back, 500 SETs still buffered
  }
  EXPECT_FALSE(process_alive(pid));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(RedisEngine, PipelinedPutsAreVisibleToReadsFromAnyThread) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"pipeline_depth", 64}});
  std::thread writer([&] { load(*e, 10); });  // fewer than 64: nothing read back yet
  writer.join();
  const workloads::ValueSizer vs = sizer();
  std::string v;
  for (uint64_t id = 0; id < 10; ++id) {
    ASSERT_TRUE(e->get(workloads::make_key(id, kKeySize), &v).ok()) << id;
    EXPECT_EQ(v, workloads::make_value(id, 0, kSeed, vs.size_for(id, 0)));
  }
  EXPECT_EQ(e->report().at("keys"), 10);
}

TEST(RedisEngine, ConcurrentPipelinedLoadHasExactContent) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"pipeline_depth", 50}});
  constexpr uint64_t kN = 8000, kThreads = 4;
  std::vector<std::thread> pool;
  for (uint64_t t = 0; t < kThreads; ++t) pool.emplace_back([&, t] { load(*e, kN / kThreads, t * (kN / kThreads)); });
  for (auto& th : pool) th.join();
  EXPECT_EQ(*e->digest(), expected_digest(kN));
  EXPECT_EQ(e->report().at("keys"), static_cast<int64_t>(kN));
}

TEST(RedisEngine, ReplyErrorsSurfaceAsErrors) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  // maxmemory with the default noeviction policy: SETs past the limit get an OOM error reply.
  auto e = open_engine({{"dir", parent.path()}, {"pipeline_depth", 16}, {"maxmemory_bytes", 2 << 20}});
  const std::string big(16 << 10, 'x');
  Status first_error;
  for (int i = 0; i < 1000 && first_error.ok(); ++i) first_error = e->put("big:" + std::to_string(i), big);
  std::string v;
  if (first_error.ok()) first_error = e->get("big:0", &v);  // reads the outstanding replies
  ASSERT_FALSE(first_error.ok()) << "1000 x 16 KiB SETs under maxmemory 2 MiB never failed";
  EXPECT_NE(first_error.message().find("OOM"), std::string::npos) << first_error.message();
}

TEST(RedisEngine, KilledServerGivesPromptErrorsNotHangs) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"timeout_ms", 20000}});
  load(*e, 100);
  std::string v;
  ASSERT_TRUE(e->get(workloads::make_key(1, kKeySize), &v).ok());
  const pid_t pid = e->report().at("pid").get<pid_t>();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const auto t0 = Clock::now();
  const Status st = e->get(workloads::make_key(1, kKeySize), &v);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(st.not_found());
  EXPECT_LT(s, 10.0) << "an op on a dead server took as long as the I/O timeout";
  EXPECT_NE(st.message().find("killed by signal 9"), std::string::npos) << st.message();
  // Every later call fails too, promptly.
  EXPECT_FALSE(e->put("x", "y").ok() && e->get("x", &v).ok());
  EXPECT_FALSE(e->begin_snapshot().ok());
  EXPECT_FALSE(e->digest().ok()) << "no made-up digest from a dead server";
  EXPECT_TRUE(e->report().contains("error"));
}

// Writing a large pipeline to a dead server's socket gets EPIPE: an error, not a SIGPIPE that
// kills the process.
TEST(RedisEngine, DeadServerMidPipelineIsAnErrorNotSigpipe) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"pipeline_depth", 100000}});
  ASSERT_TRUE(e->put("warm", "up").ok());
  std::string v;
  ASSERT_TRUE(e->get("warm", &v).ok());  // connection established and idle
  ASSERT_EQ(::kill(e->report().at("pid").get<pid_t>(), SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the FIN arrive
  const std::string big(64 << 10, 'x');
  Status st;
  for (int i = 0; i < 256 && st.ok(); ++i) st = e->put("big:" + std::to_string(i), big);  // 16 MiB buffered
  if (st.ok()) st = e->get("warm", &v);  // sends the buffer: EPIPE after the first write
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("killed by signal 9"), std::string::npos) << st.message();
}

TEST(RedisEngine, ServerKilledDuringSnapshotFailsThePoll) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}});
  load(*e, 2000);
  ASSERT_TRUE(e->begin_snapshot().ok());
  ASSERT_EQ(::kill(e->report().at("pid").get<pid_t>(), SIGKILL), 0);
  auto rep = wait_snapshot(*e, 15);
  ASSERT_TRUE(rep.has_value()) << "poll_snapshot never reported after the server died";
  EXPECT_FALSE(rep->ok());
  EXPECT_NE(rep->status.message().find("killed by signal 9"), std::string::npos) << rep->status.message();
}

TEST(RedisEngine, SnapshotAndRecoverRoundTrip) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"info_poll_ms", 5}, {"digest_from", "scan"}});
  constexpr uint64_t kN = 20000;
  load(*e, kN);
  const std::string before = *e->digest();
  EXPECT_EQ(before, expected_digest(kN));

  ASSERT_TRUE(e->begin_snapshot().ok());
  auto rep = wait_snapshot(*e);
  ASSERT_TRUE(rep.has_value());
  ASSERT_TRUE(rep->ok()) << rep->status.message();
  EXPECT_GT(rep->fork_us, 0);
  EXPECT_EQ(rep->fork_us_source, "redis:latest_fork_usec");
  EXPECT_GT(rep->bytes, 0);
  EXPECT_EQ(rep->bytes, static_cast<int64_t>(std::filesystem::file_size(rep->location)));
  EXPECT_GE(rep->cow_bytes, 0);
  EXPECT_GE(rep->child_duration_ms, 0);
  EXPECT_GT(rep->child_pid, 0);
  EXPECT_EQ(rep->digest, before);
  EXPECT_EQ(rep->extra.at("dbsize_at_begin"), static_cast<int64_t>(kN));
  EXPECT_EQ(rep->extra.at("digest_keys"), static_cast<int64_t>(kN));
  EXPECT_TRUE(rep->extra.contains("digest_scan_ms"));
  EXPECT_TRUE(rep->extra.contains("rdb_last_bgsave_time_sec"));

  // Changes after the snapshot are undone by recovery.
  ASSERT_TRUE(e->put(workloads::make_key(kN + 1, kKeySize), "new").ok());
  ASSERT_TRUE(e->del(workloads::make_key(7, kKeySize)).ok());
  ASSERT_TRUE(e->put(workloads::make_key(8, kKeySize), "changed").ok());
  EXPECT_NE(*e->digest(), before);
  const pid_t old_pid = e->report().at("pid").get<pid_t>();

  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.message();
  EXPECT_EQ(rec.keys, static_cast<int64_t>(kN));
  EXPECT_EQ(rec.bytes, rep->bytes);
  EXPECT_EQ(rec.extra.at("rdb_last_load_keys_loaded"), static_cast<int64_t>(kN));
  EXPECT_GT(rec.extra.at("restart_to_ping_ms").get<double>(), 0);
  EXPECT_FALSE(process_alive(old_pid));
  EXPECT_NE(e->report().at("pid").get<pid_t>(), old_pid);
  EXPECT_EQ(*e->digest(), before);

  // Sampled values are what the generator says (no key was updated since the load).
  const workloads::ValueSizer vs = sizer();
  std::string v;
  for (uint64_t id = 0; id < kN; id += kN / 1000) {
    ASSERT_TRUE(e->get(workloads::make_key(id, kKeySize), &v).ok()) << id;
    ASSERT_EQ(v, workloads::make_value(id, 0, kSeed, vs.size_for(id, 0))) << id;
  }
  EXPECT_TRUE(e->get(workloads::make_key(kN + 1, kKeySize), &v).not_found());
  // The restarted server takes a second snapshot.
  ASSERT_TRUE(e->begin_snapshot().ok());
  auto rep2 = wait_snapshot(*e);
  ASSERT_TRUE(rep2 && rep2->ok()) << (rep2 ? rep2->status.message() : "timeout");
  EXPECT_EQ(rep2->digest, before);
}

// The default: nothing is digested while the run goes on; verify gets the digest of the RDB that
// recovery loaded, and it matches the restarted server's content.
TEST(RedisEngine, DigestDeferredToRecovery) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"info_poll_ms", 5}});
  constexpr uint64_t kN = 5000;
  load(*e, kN);
  const std::string before = *e->digest();
  EXPECT_TRUE(e->recovered_snapshot_digest().status().not_found());  // nothing recovered yet
  ASSERT_TRUE(e->begin_snapshot().ok());
  auto rep = wait_snapshot(*e);
  ASSERT_TRUE(rep && rep->ok()) << (rep ? rep->status.message() : "timeout");
  EXPECT_TRUE(rep->digest.empty());
  EXPECT_FALSE(rep->extra.contains("digest_scan_ms"));
  ASSERT_TRUE(e->put(workloads::make_key(kN + 1, kKeySize), "after the snapshot").ok());
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.message();
  EXPECT_EQ(*e->recovered_snapshot_digest(), before);
  EXPECT_EQ(*e->digest(), before);
}

// With writers on other threads during the snapshot, a digest taken from the finished RDB is
// exactly what recovery brings back.
TEST(RedisEngine, DigestFromRdbIsExactWithConcurrentWriters) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"digest_from", "rdb"}, {"pipeline_depth", 8}});
  constexpr uint64_t kN = 20000;
  load(*e, kN);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::vector<std::thread> writers;
  for (uint64_t t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 0; !stop.load(); ++i) {
        const uint64_t id = (i * 3 + t) % kN;
        std::string v = "v";
        v += std::to_string(i);  // (not "v" + to_string: GCC 12 -O3 raises a false -Wrestrict)
        if (!e->put(workloads::make_key(id, kKeySize), v).ok()) return;
        written.fetch_add(1);
      }
    });
  }
  while (written.load() < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(e->begin_snapshot().ok());
  auto rep = wait_snapshot(*e);
  stop.store(true);
  for (auto& w : writers) w.join();
  ASSERT_TRUE(rep && rep->ok()) << (rep ? rep->status.message() : "timeout");
  EXPECT_EQ(rep->extra.at("digest_keys"), static_cast<int64_t>(kN));
  EXPECT_TRUE(rep->extra.contains("digest_rdb_ms"));
  EXPECT_FALSE(rep->extra.contains("digest_scan_ms"));
  ContentDigest parsed;
  ASSERT_TRUE(ContentDigest::parse(rep->digest, &parsed)) << rep->digest;
  EXPECT_EQ(parsed.count, kN) << rep->digest;
  EXPECT_NE(*e->digest(), rep->digest) << "the writers changed nothing after the fork";
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.message();
  EXPECT_EQ(*e->digest(), rep->digest);
}

TEST(RedisEngine, SnapshotWithoutDigestAndRecoverWithoutSnapshot) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  auto e = open_engine({{"dir", parent.path()}, {"digest", false}});
  load(*e, 100);
  const RecoveryReport none = e->recover();
  EXPECT_FALSE(none.ok());
  EXPECT_NE(none.status.message().find("no snapshot"), std::string::npos) << none.status.message();
  ASSERT_TRUE(e->begin_snapshot().ok());
  EXPECT_FALSE(e->begin_snapshot().ok()) << "a second snapshot began while one runs";
  auto rep = wait_snapshot(*e);
  ASSERT_TRUE(rep && rep->ok()) << (rep ? rep->status.message() : "timeout");
  EXPECT_TRUE(rep->digest.empty());
  EXPECT_FALSE(rep->extra.contains("digest_scan_ms"));
}

TEST(RedisEngine, AttachModeLeavesTheServerAlone) {
  RPBENCH_REQUIRE_REDIS();
  TempDir dir;
  const auto server_owner = testing::start_test_server(dir.path());
  ServerProcess& server = *server_owner;
  const std::string address = "127.0.0.1:" + std::to_string(server.port());
  {
    auto conn = connect_test(server.port());
    Connection& c = *conn;
    ASSERT_TRUE(c.command({"SET", "preexisting", "1"}));
  }
  {
    auto e = open_engine({{"managed", false}, {"address", address}});
    load(*e, 500);
    std::string v;
    ASSERT_TRUE(e->get("preexisting", &v).ok());  // not flushed
    const nlohmann::json rep = e->report();
    EXPECT_FALSE(rep.at("managed").get<bool>());
    EXPECT_EQ(rep.at("address"), address);
    EXPECT_EQ(rep.at("server_pid").get<pid_t>(), server.pid());
    EXPECT_EQ(rep.at("keys"), 501);
    ASSERT_TRUE(e->begin_snapshot().ok());
    auto snap = wait_snapshot(*e);
    ASSERT_TRUE(snap && snap->ok()) << (snap ? snap->status.message() : "timeout");
    EXPECT_EQ(snap->location, dir.path() + "/dump.rdb");
    EXPECT_GT(snap->bytes, 0);
    EXPECT_EQ(snap->fork_us_source, "redis:latest_fork_usec");
    const RecoveryReport rec = e->recover();
    EXPECT_FALSE(rec.ok());
    EXPECT_NE(rec.status.message().find("managed"), std::string::npos) << rec.status.message();
  }
  EXPECT_TRUE(process_alive(server.pid()));
  auto conn = connect_test(server.port());
  Connection& c = *conn;
  Reply r = c.command({"DBSIZE"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->integer, 501);
  server.stop();
  EXPECT_FALSE(process_alive(server.pid()));
}

TEST(RedisEngine, OpenErrorsAreClear) {
  TempDir parent;
  auto no_binary = try_open_engine({{"dir", parent.path()}, {"server_path", "/nonexistent/redis-server"}});
  ASSERT_FALSE(no_binary.ok()) << "opened without a server binary";
  EXPECT_NE(no_binary.status().message().find("Debian package redis-server"), std::string::npos)
      << no_binary.status().message();
  EXPECT_TRUE(std::filesystem::is_empty(parent.path()));
  for (const nlohmann::json& bad :
       {nlohmann::json{{"address", "127.0.0.1:6379"}}, nlohmann::json{{"managed", false}, {"address", "nocolon"}},
        nlohmann::json{{"managed", false}, {"address", "127.0.0.1:99999"}}}) {
    auto r = try_open_engine(bad);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad.dump();
    EXPECT_NE(r.status().message().find("engine.address"), std::string::npos) << r.status().message();
  }
  // Nobody listens on a fresh free port.
  const std::string dead = "127.0.0.1:" + std::to_string(*pick_free_port());
  auto attached = try_open_engine({{"managed", false}, {"address", dead}, {"timeout_ms", 1000}});
  ASSERT_FALSE(attached.ok()) << "attached to nothing";
  EXPECT_NE(attached.status().message().find(dead), std::string::npos) << attached.status().message();
}

TEST(RedisEngine, ServerThatCannotStartIsAClearError) {
  RPBENCH_REQUIRE_REDIS();
  TempDir parent;
  // A file as the parent dir: the private directory cannot be made, and the error names engine.dir.
  const std::string file = parent.path() + "/not-a-dir";
  { std::ofstream(file) << "x"; }
  auto no_dir = try_open_engine({{"dir", file}});
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.status().message().find("engine.dir"), std::string::npos) << no_dir.status().message();
  // A binary that is not redis-server: it exits, and the error quotes its log.
  auto not_redis = try_open_engine({{"dir", parent.path()}, {"server_path", "/bin/false"}, {"start_timeout_ms", 2000}});
  ASSERT_FALSE(not_redis.ok());
  EXPECT_NE(not_redis.status().message().find("exited with status 1"), std::string::npos)
      << not_redis.status().message();
}

}  // namespace
}  // namespace rpbench::redis
