// The engine conformance suite: one parametrised test over every registered engine (the registry
// is the list; an engine joins by being registered). Each engine is opened from a config resolved
// by the real config layer, as `rpbench run` opens it, and must hold to the interface's contract:
//   - storage (kCapStorage): put / get / del / overwrite / missing-key semantics, empty and
//     1 MiB values, binary keys and values;
//   - every capability it claims: snapshot (then recover, then digest equality, the store back
//     as it was at the snapshot), concurrent callers from several threads;
//   - every declared option refused with the field's name when given a bad value.
// Engines that need something this host lacks (redis-server, an RDMA device) are skipped with
// the reason, never passed.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/config_error.h"
#include "engines/registry.h"
#include "harness/config/experiment.h"
#include "harness/config/loader.h"

namespace rpbench {
namespace {

using nlohmann::json;

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "rpbench-conformance-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// "t<t>:<i>" (built by appending: GCC 12 warns falsely about "lit" + to_string + "lit").
std::string thread_key(int t, int i) {
  std::string k = "t";
  k += std::to_string(t);
  k += ':';
  k += std::to_string(i);
  return k;
}

bool has_option(const EngineEntry& e, const std::string& path) {
  for (const auto& f : e.options)
    if (f.path == path) return true;
  return false;
}

// Why this host cannot run the engine ("" when it can).
std::string missing_prerequisite(const EngineEntry& e) {
  if (e.info.name == "redis" && ::access("/usr/bin/redis-server", X_OK) != 0)
    return "/usr/bin/redis-server is missing (Debian package redis-server)";
  return "";
}

// The engine's config as a user would write it: its type, a private dir when it takes one, and
// for a remote-memory engine the shm transport with a small auto memory node.
json config_for(const EngineEntry& e, const TempDir& dir) {
  json engine = {{"type", std::string(e.info.name)}};
  if (has_option(e, "dir")) engine["dir"] = dir.path();
  // A paged engine (paged-kv) with pages large enough for the big value and a cache of 8 of them.
  if (has_option(e, "page_bytes")) engine.update({{"page_bytes", 1 << 20}, {"shards", 2}, {"cache_bytes", 8 << 20}});
  json cfg = {{"engine", engine}, {"dataset", {{"keys", 1000}}}};
  if (e.info.capabilities & kCapRemoteMemory) cfg["transport"] = {{"type", "shm"}, {"region_bytes", 64 << 20}};
  return cfg;
}

class Conformance : public ::testing::TestWithParam<const EngineEntry*> {
 protected:
  void SetUp() override {
    const EngineEntry& e = *GetParam();
    if (const std::string why = missing_prerequisite(e); !why.empty()) GTEST_SKIP() << why;
    resolved_ = config::resolve_config(config_for(e, dir_));
    const ExperimentConfig cfg = make_experiment(resolved_);
    auto opened = e.open(EngineOpenArgs{resolved_.at("engine"), resolved_, 42, cfg.transport});
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    engine_ = std::move(*opened);
    engine_->begin_phase("run");
  }
  void TearDown() override { engine_.reset(); }

  bool can(uint32_t cap) const { return (GetParam()->info.capabilities & cap) == cap; }
  Engine& engine() { return *engine_; }

  std::string get_or_die(std::string_view key) {
    std::string v;
    const Status s = engine_->get(key, &v);
    EXPECT_TRUE(s.ok()) << "get(" << key << "): " << s.to_string();
    return v;
  }

  // Waits for the running snapshot's report.
  SnapshotReport wait_snapshot() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto r = engine_->poll_snapshot()) return *r;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << "snapshot did not finish within 60 s";
    return {};
  }

  TempDir dir_;
  json resolved_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(Conformance, NameAndCapabilitiesAreTheRegistryEntrys) {
  EXPECT_EQ(engine().name(), GetParam()->info.name);
  EXPECT_EQ(engine().capabilities(), GetParam()->info.capabilities);
  EXPECT_FALSE(GetParam()->info.summary.empty());
}

TEST_P(Conformance, PutGetDeleteOverwriteAndMissingKeys) {
  if (!can(kCapStorage)) GTEST_SKIP() << "engine keeps no data (no storage capability)";
  std::string v;
  EXPECT_TRUE(engine().get("absent", &v).not_found());
  EXPECT_TRUE(engine().del("absent").not_found());
  ASSERT_TRUE(engine().put("k1", "v1").ok());
  EXPECT_EQ(get_or_die("k1"), "v1");
  ASSERT_TRUE(engine().put("k1", "second, longer value").ok());
  EXPECT_EQ(get_or_die("k1"), "second, longer value");
  ASSERT_TRUE(engine().put("k1", "s").ok());
  EXPECT_EQ(get_or_die("k1"), "s");
  ASSERT_TRUE(engine().del("k1").ok());
  EXPECT_TRUE(engine().get("k1", &v).not_found());
  EXPECT_TRUE(engine().del("k1").not_found());
  ASSERT_TRUE(engine().put("k1", "back").ok());
  EXPECT_EQ(get_or_die("k1"), "back");
  if (auto n = engine().size()) {
    EXPECT_EQ(*n, 1);
  }
}

TEST_P(Conformance, EmptyLargeAndBinaryValues) {
  if (!can(kCapStorage)) GTEST_SKIP() << "engine keeps no data (no storage capability)";
  ASSERT_TRUE(engine().put("empty", "").ok());
  EXPECT_EQ(get_or_die("empty"), "");
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) ^ (i >> 9));
  if (has_option(*GetParam(), "page_bytes")) {
    // A record never spans pages: a value that cannot fit one is refused, one that just fits is kept.
    const Status too_big = engine().put("big", big);
    EXPECT_EQ(too_big.code(), Status::Code::kInvalidArgument) << too_big.to_string();
    big.resize(big.size() - 64);
  }
  ASSERT_TRUE(engine().put("big", big).ok());
  EXPECT_EQ(get_or_die("big"), big);
  const std::string bkey("k\0\xff\x01 y", 6);
  const std::string bval("\0\0\xfe\r\n\xff", 6);
  ASSERT_TRUE(engine().put(bkey, bval).ok());
  EXPECT_EQ(get_or_die(bkey), bval);
  EXPECT_TRUE(engine().get(std::string("k\0\xff\x01 z", 6), &big).not_found());
}

TEST_P(Conformance, SnapshotThenRecoverRestoresTheSnapshotsContent) {
  if (!can(kCapSnapshot)) GTEST_SKIP() << "engine cannot snapshot";
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(engine().put("key:" + std::to_string(i), "v" + std::to_string(i)).ok());
  ASSERT_TRUE(engine().begin_snapshot().ok());
  const SnapshotReport rep = wait_snapshot();
  ASSERT_TRUE(rep.ok()) << rep.status.to_string();
  if (!can(kCapRecovery)) return;
  // Changes after the snapshot are gone after recovery.
  ASSERT_TRUE(engine().put("key:0", "changed").ok());
  ASSERT_TRUE(engine().del("key:1").ok());
  ASSERT_TRUE(engine().put("after", "x").ok());
  const RecoveryReport rec = engine().recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  if (rec.keys) {
    EXPECT_EQ(*rec.keys, 500);
  }
  EXPECT_EQ(get_or_die("key:0"), "v0");
  EXPECT_EQ(get_or_die("key:1"), "v1");
  std::string v;
  EXPECT_TRUE(engine().get("after", &v).not_found());
  if (!can(kCapDigest)) return;
  const StatusOr<std::string> now = engine().digest();
  ASSERT_TRUE(now.ok()) << now.status().to_string();
  std::string expected = rep.digest;
  if (expected.empty()) {
    const StatusOr<std::string> recovered = engine().recovered_snapshot_digest();
    ASSERT_TRUE(recovered.ok()) << "the snapshot reported no digest and recovery offers none: "
                                << recovered.status().to_string();
    expected = *recovered;
  }
  EXPECT_EQ(*now, expected);
}

TEST_P(Conformance, ConcurrentCallersFromSeveralThreads) {
  if (!can(kCapConcurrentCallers)) GTEST_SKIP() << "engine takes one caller at a time";
  constexpr int kThreads = 4, kKeys = 500;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      std::string v;
      for (int i = 0; i < kKeys; ++i) {
        const std::string k = thread_key(t, i);
        if (!engine().put(k, k + "=v").ok()) ++failures;
        const Status s = engine().get(k, &v);
        if (can(kCapStorage) && (!s.ok() || v != k + "=v")) ++failures;
      }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  if (!can(kCapStorage)) return;
  ASSERT_TRUE(engine().end_phase().ok());
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kKeys; i += 37) {
      const std::string k = thread_key(t, i);
      EXPECT_EQ(get_or_die(k), k + "=v");
    }
}

// A value of the wrong type or out of the declared range for each declared option.
std::vector<json> bad_values(const config::Field& f) {
  using config::FieldType;
  switch (f.type) {
    case FieldType::kBool: return {"yes", 1};
    case FieldType::kInt: {
      std::vector<json> v = {"12", 1.5};
      if (std::isfinite(f.min)) v.push_back(f.min - 1);
      if (std::isfinite(f.max)) v.push_back(f.max + 1);
      return v;
    }
    case FieldType::kNumber: {
      std::vector<json> v = {"x"};
      if (std::isfinite(f.min)) v.push_back(f.min - 1);
      if (std::isfinite(f.max)) v.push_back(f.max * 2 + 1);
      return v;
    }
    case FieldType::kString: return {5, json::array()};
    case FieldType::kEnum: return {"no-such-choice", 3};
    default: return {json::object()};
  }
}

TEST_P(Conformance, EveryOptionRefusesABadValueNamingTheField) {
  const EngineEntry& e = *GetParam();
  for (const config::Field& f : e.options) {
    for (const json& bad : bad_values(f)) {
      json cfg = config_for(e, dir_);
      json* at = &cfg["engine"];
      std::string rest = f.path;
      for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1))
        at = &(*at)[rest.substr(0, dot)];
      (*at)[rest] = bad;
      try {
        config::resolve_config(cfg);
        ADD_FAILURE() << "engine." << f.path << " = " << bad.dump() << " was accepted";
      } catch (const config::ConfigError& err) {
        EXPECT_EQ(std::string(err.what()).rfind("engine." + f.path, 0), 0u) << err.what();
      }
    }
  }
}

std::vector<const EngineEntry*> all_engines() {
  std::vector<const EngineEntry*> v;
  for (const auto& e : engine_registry()) v.push_back(&e);
  return v;
}

std::string engine_test_name(const ::testing::TestParamInfo<const EngineEntry*>& info) {
  std::string n(info.param->info.name);
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Registry, Conformance, ::testing::ValuesIn(all_engines()), engine_test_name);

}  // namespace
}  // namespace rpbench
