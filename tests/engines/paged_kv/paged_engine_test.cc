// The paged-kv engine against a real memory node (shm and tcp; paged_verbs_suite.cc adds verbs in
// the Soft-RoCE VM): every key checked against a reference model after random puts, updates and
// deletes of varying sizes through a cache far smaller than the data (eviction and rebuild
// running), the same from many threads at once with the cache's budget watched, snapshots
// recovered by a fresh engine while the old one kept writing (the snapshot's pages kept by
// copy-on-write of remote slots), the A/B slots with a damaged newest image, and every refusal:
// a full region, a value larger than a page, a key of the wrong size, a cache too small.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engines/content_digest.h"
#include "engines/paged_kv/paged_engine.h"
#include "engines/remote/slot_header.h"
#include "measure/mapping.h"
#include "tests/engines/paged_kv/paged_suite.h"
#include "tests/engines/rpbench_process.h"
#include "tests/measure/test_mapping.h"
#include "tests/transport/skip_unavailable.h"
#include "tests/transport/transport_bed.h"

namespace rpbench::paged::testing {

std::string param_name(const ::testing::TestParamInfo<Param>& p) {
  return p.param.transport + "_" + std::string(name_of(kEvictionNames, p.param.eviction));
}

namespace {

using transport::testing::TestNode;
using transport::testing::transport_bed;

using Model = std::map<std::string, std::string>;

// "<letter><n>:" (built by appending: GCC 12 warns falsely about "lit" + to_string + "lit").
std::string prefix_of(char letter, int n) {
  std::string p(1, letter);
  p += std::to_string(n);
  p += ':';
  return p;
}

bool small_world(const std::string& transport) { return transport == "verbs"; }  // Soft-RoCE under TCG is slow

class Fixture {
 public:
  explicit Fixture(const Param& p, uint64_t region_bytes = 64ull << 20) : param_(p) {
    node_ = std::make_unique<TestNode>(transport_bed(p.transport), region_bytes, 1);
  }
  PagedOptions options() const {
    PagedOptions o;
    o.shards = 4;
    o.page_bytes = 8192;
    o.cache_bytes = 32 * 8192;  // 8 frames a shard
    o.eviction = param_.eviction;
    o.connections = 2;
    o.rebuild_dead_fraction = 0.3;
    return o;
  }
  std::unique_ptr<PagedEngine> open(const PagedOptions& o) {
    auto e = PagedEngine::open(o, node_->options(1, 1 << 20, 16));
    if (!e.ok()) throw std::runtime_error("opening paged-kv: " + e.status().to_string());
    return std::move(*e);
  }
  std::unique_ptr<PagedEngine> open() { return open(options()); }
  StatusOr<std::unique_ptr<PagedEngine>> try_open(const PagedOptions& o) {
    return PagedEngine::open(o, node_->options(1, 1 << 20, 16));
  }
  TestNode& node() { return *node_; }
  int scale(int n) const { return small_world(param_.transport) ? n / 4 : n; }

 private:
  Param param_;
  std::unique_ptr<TestNode> node_;
};

std::string value_for(std::mt19937_64& rng, uint64_t tag) {
  const size_t len = 20 + rng() % 700;
  std::string v(len, '\0');
  for (size_t i = 0; i < len; ++i) v[i] = static_cast<char>('a' + (tag * 31 + i) % 26);
  return v;
}

// Random puts (new keys, updates that fit in place, updates that grow) and deletes, mirrored in
// `model`; keys are "<prefix><n>".
void random_ops(Engine& e, Model* model, const std::string& prefix, int ops, uint64_t seed, int key_space) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < ops; ++i) {
    const std::string k = prefix + std::to_string(rng() % key_space);
    const uint64_t dice = rng() % 10;
    if (dice < 6) {
      const std::string v = value_for(rng, rng());
      ASSERT_TRUE(e.put(k, v).ok()) << k;
      (*model)[k] = v;
    } else if (dice < 8) {
      const Status s = e.del(k);
      ASSERT_EQ(s.ok(), model->erase(k) == 1) << k << ": " << s.to_string();
    } else {
      std::string v;
      const Status s = e.get(k, &v);
      auto it = model->find(k);
      ASSERT_EQ(s.ok(), it != model->end()) << k << ": " << s.to_string();
      if (s.ok()) {
        ASSERT_EQ(v, it->second) << k;
      }
    }
  }
}

void expect_holds(Engine& e, const Model& model) {
  for (const auto& [k, v] : model) {
    std::string got;
    const Status s = e.get(k, &got);
    ASSERT_TRUE(s.ok()) << k << ": " << s.to_string();
    ASSERT_EQ(got, v) << k;
  }
  EXPECT_EQ(e.size(), static_cast<int64_t>(model.size()));
  ContentDigest d;
  for (const auto& [k, v] : model) d.add(k, v);
  const StatusOr<std::string> digest = e.digest();
  ASSERT_TRUE(digest.ok()) << digest.status().to_string();
  EXPECT_EQ(*digest, d.hex());
}

SnapshotReport wait_snapshot(Engine& e) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = e.poll_snapshot()) return *r;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "the snapshot did not finish in 120 s";
  return {};
}

TEST_P(PagedTest, EveryKeyMatchesAModelThroughACacheFarSmallerThanTheData) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  Model model;
  random_ops(*e, &model, "k", fx.scale(40000), 1, 3000);  // the key space unscaled: the data must outgrow the cache
  const Shard::Figures t = e->totals();
  EXPECT_GT(t.used_bytes, 3 * e->cache_budget_bytes()) << "the data must not fit the cache";
  const CounterValues c = e->counters();
  EXPECT_GT(c.misses, 0u);
  EXPECT_GT(c.evictions, 0u);
  EXPECT_GT(c.in_place_updates, 0u);
  expect_holds(*e, model);
  ASSERT_TRUE(e->rebuild_now().ok());
  EXPECT_GT(e->counters().pages_rebuilt, 0u);
  expect_holds(*e, model);
  EXPECT_LT(e->totals().dead_bytes, e->totals().used_bytes);
}

TEST_P(PagedTest, ACompactionAPhaseAsksForReclaimsTheDeadPagesTheBackgroundLeft) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  PagedOptions o = fx.options();
  o.rebuild = false;  // only the compact phase rebuilds
  auto e = fx.open(o);
  Model model;
  std::mt19937_64 rng(7);
  const int keys = fx.scale(4000);
  for (int i = 0; i < keys; ++i) {
    const std::string k = prefix_of('c', i);
    const std::string v = value_for(rng, i);
    ASSERT_TRUE(e->put(k, v).ok()) << k;
    model[k] = v;
  }
  for (int i = 0; i < keys; ++i) {  // three of every four keys deleted
    if (i % 4 == 0) continue;
    const std::string k = prefix_of('c', i);
    ASSERT_TRUE(e->del(k).ok()) << k;
    model.erase(k);
  }
  EXPECT_EQ(e->counters().pages_rebuilt, 0u) << "the background must not rebuild when engine.rebuild is false";
  const Shard::Figures before = e->totals();
  const CompactReport rep = e->compact();
  ASSERT_TRUE(rep.ok()) << rep.status.to_string();
  const Shard::Figures after = e->totals();
  EXPECT_GT(rep.extra.at("pages_rebuilt").get<uint64_t>(), 0u);
  EXPECT_EQ(rep.extra.at("pages_before").get<uint64_t>(), before.pages);
  EXPECT_EQ(rep.extra.at("pages_after").get<uint64_t>(), after.pages);
  EXPECT_LT(after.pages, before.pages / 2) << "a quarter of the records live: most pages must go";
  EXPECT_LT(after.dead_bytes, before.dead_bytes);
  EXPECT_GT(rep.extra.at("bytes_read").get<uint64_t>(), 0u) << "most pages were remote: their live records are read";
  expect_holds(*e, model);
}

TEST_P(PagedTest, ManyThreadsAtOnceKeepEveryKeyAndTheCacheWithinItsBudget) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  constexpr int kThreads = 8;
  std::vector<Model> models(kThreads);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> over_budget{0};
  std::thread watcher([&] {
    while (!stop.load()) {
      if (e->totals().resident * 8192 > e->cache_budget_bytes()) over_budget.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      random_ops(*e, &models[t], prefix_of('t', t), fx.scale(8000), 100 + t, fx.scale(600));
      // and reads of one shared hot set, to have misses on one page meet
      std::string v;
      for (int i = 0; i < fx.scale(2000); ++i) (void)e->get("t0:" + std::to_string(i % 50), &v);
    });
  for (auto& th : threads) th.join();
  stop = true;
  watcher.join();
  EXPECT_EQ(over_budget.load(), 0u);
  Model all;
  for (const Model& m : models) all.insert(m.begin(), m.end());
  expect_holds(*e, all);
  EXPECT_LE(e->totals().resident * 8192, e->cache_budget_bytes());
  const nlohmann::json r = e->report();
  EXPECT_TRUE(r["background_error"].is_null()) << r["background_error"];
  EXPECT_GT(r["index_bytes_estimate"].get<uint64_t>(), 0u);
  EXPECT_GT(r["rss_bytes"].get<int64_t>(), 0);
}

TEST_P(PagedTest, AFreshEngineRecoversTheSnapshotWhileTheOldOneWroteOnAfterIt) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  Model model;
  random_ops(*e, &model, "k", fx.scale(20000), 2, fx.scale(2000));
  ASSERT_TRUE(e->begin_snapshot().ok());
  EXPECT_EQ(e->begin_snapshot().code(), Status::Code::kFailedPrecondition);
  const SnapshotReport rep = wait_snapshot(*e);
  ASSERT_TRUE(rep.ok()) << rep.status.to_string();
  EXPECT_GT(*rep.bytes, 0);
  EXPECT_FALSE(rep.cow_bytes.has_value());
  EXPECT_EQ(rep.extra["fork"], false);
  ContentDigest want;
  for (const auto& [k, v] : model) want.add(k, v);
  EXPECT_EQ(rep.digest, want.hex());
  // The old engine writes on: updates in place, moves, deletes, evictions and rebuilds, all of
  // which must leave the snapshot's pages alone.
  Model after = model;
  random_ops(*e, &after, "k", fx.scale(20000), 3, fx.scale(2000));
  ASSERT_TRUE(e->rebuild_now().ok());
  EXPECT_GT(e->slot_figures().retired, 0u);
  e.reset();
  auto fresh = fx.open();
  const RecoveryReport r = fresh->recover();
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(*r.keys, static_cast<int64_t>(model.size()));
  EXPECT_EQ(fresh->counters().misses, 0u) << "recovery reads the index only; pages come on demand";
  expect_holds(*fresh, model);
  EXPECT_EQ(*fresh->recovered_snapshot_digest(), want.hex());
  // and it serves writes on top
  random_ops(*fresh, &model, "k", fx.scale(5000), 4, fx.scale(2000));
  expect_holds(*fresh, model);
}

TEST_P(PagedTest, TheSnapshotIsOfTheContentAtBeginEvenWhenEveryShardIsWrittenBeforeItsCut) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  Model model;
  random_ops(*e, &model, "k", fx.scale(8000), 11, fx.scale(1000));
  ASSERT_TRUE(e->begin_snapshot().ok());
  // At once, before the snapshot's thread reaches them: every key rewritten, some deleted, new ones.
  for (const auto& [k, v] : model) {
    const Status st = k.back() == '7' ? e->del(k) : e->put(k, v + "!");
    ASSERT_TRUE(st.ok()) << k << ": " << st.to_string();
  }
  ASSERT_TRUE(e->put("new-after-begin", "x").ok());
  const SnapshotReport rep = wait_snapshot(*e);
  ASSERT_TRUE(rep.ok()) << rep.status.to_string();
  // Which shards a write cut first and which the snapshot's thread did depends on scheduling;
  // what the snapshot holds does not.
  EXPECT_LE(rep.extra["cuts_by_clients"].get<uint64_t>(), 4u) << rep.extra.dump();
  ContentDigest want;
  for (const auto& [k, v] : model) want.add(k, v);
  EXPECT_EQ(rep.digest, want.hex());
  e.reset();
  auto fresh = fx.open();
  ASSERT_TRUE(fresh->recover().ok());
  expect_holds(*fresh, model);
}

TEST_P(PagedTest, ADamagedNewestImageFallsBackToTheSnapshotBefore) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  Model first;
  random_ops(*e, &first, "k", fx.scale(8000), 5, fx.scale(1000));
  ASSERT_TRUE(e->begin_snapshot().ok());
  ASSERT_TRUE(wait_snapshot(*e).ok());
  Model second = first;
  random_ops(*e, &second, "k", fx.scale(8000), 6, fx.scale(1000));
  ASSERT_TRUE(e->begin_snapshot().ok());
  const SnapshotReport rep2 = wait_snapshot(*e);
  ASSERT_TRUE(rep2.ok());
  ASSERT_EQ(rep2.extra["slot"], 1);
  random_ops(*e, &second, "x", fx.scale(3000), 7, fx.scale(500));  // after both: in neither
  e.reset();
  {
    auto fresh = fx.open();
    ASSERT_TRUE(fresh->recover().ok());
    Model want2;
    for (const auto& [k, v] : second)
      if (k[0] == 'k') want2[k] = v;
    expect_holds(*fresh, want2);
  }
  // Damage one byte of the newest image: recovery must take snapshot 1, whose pages were kept.
  auto t = fx.node().connect();
  measure::AnonMapping page = rpbench::testing::must_map(4096);
  transport::BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(page.data(), page.size(), &id).ok());
  ASSERT_TRUE(transport::transfer(*t, transport::Op::kRead, id, 0, 4096, remote::header_offset(1)).ok());
  auto h = remote::decode_header(page.data());
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(transport::transfer(*t, transport::Op::kRead, id, 0, 4096, h->payload_offset).ok());
  page.data()[100] ^= 0x5a;
  ASSERT_TRUE(transport::transfer(*t, transport::Op::kWrite, id, 0, 4096, h->payload_offset).ok());
  auto fresh = fx.open();
  const RecoveryReport r = fresh->recover();
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_NE(r.source.find("snapshot 1"), std::string::npos) << r.source;
  EXPECT_NE(r.extra["skipped"].get<std::string>().find("checksum"), std::string::npos) << r.extra.dump();
  expect_holds(*fresh, first);
}

TEST_P(PagedTest, SnapshotsWhileThreadsWriteRecoverToWhatEachShardHeldAtItsCut) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Model m;
      std::mt19937_64 rng(50 + t);
      while (!stop.load()) random_ops(*e, &m, prefix_of('w', t), 200, rng(), fx.scale(800));
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  SnapshotReport rep;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(e->begin_snapshot().ok());
    rep = wait_snapshot(*e);
    ASSERT_TRUE(rep.ok()) << rep.status.to_string();
  }
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_GE(rep.fork_us.value_or(-1), 0.0);
  e.reset();
  auto fresh = fx.open();
  const RecoveryReport r = fresh->recover();
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  // What the pages hold (read back one by one) is what the index said at each shard's cut.
  const StatusOr<std::string> d = fresh->digest();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ(*d, rep.digest);
}

TEST_P(PagedTest, RefusesWhatItCannotHoldWithAClearError) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam(), 1 << 20);  // a 1 MiB region: about 60 pages after the snapshot areas
  PagedOptions o = fx.options();
  o.key_bytes = 16;
  auto e = fx.open(o);
  const std::string key16(16, 'k');
  const Status wrong = e->put("short", "v");
  EXPECT_EQ(wrong.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(wrong.message().find("engine.key_bytes is 16"), std::string::npos) << wrong.message();
  const Status big = e->put(key16, std::string(8192, 'v'));
  EXPECT_EQ(big.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(big.message().find("does not fit a page of 8192"), std::string::npos) << big.message();
  EXPECT_TRUE(e->put(key16, std::string(8000, 'v')).ok());
  Status full;
  int i = 0;
  for (; i < 100000 && full.ok(); ++i) {
    std::string k = std::to_string(i);
    k.resize(16, '.');
    full = e->put(k, std::string(1000, 'v'));
  }
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted) << full.to_string();
  EXPECT_NE(full.message().find("region is full"), std::string::npos) << full.message();
  std::string v;
  EXPECT_TRUE(e->get(key16, &v).ok());  // what it holds is still served
  EXPECT_EQ(v, std::string(8000, 'v'));
  PagedOptions tiny = fx.options();
  tiny.cache_bytes = 8192 * 3;
  const auto refused = fx.try_open(tiny);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("shards need at least 4"), std::string::npos) << refused.status().message();
}

TEST_P(PagedTest, RecoveryFromAnEmptyRegionSaysSo) {
  SKIP_UNLESS_AVAILABLE();
  Fixture fx(GetParam());
  auto e = fx.open();
  ASSERT_TRUE(e->put("a", "b").ok());
  const RecoveryReport r = e->recover();
  EXPECT_EQ(r.status.code(), Status::Code::kNotFound) << r.status.to_string();
  EXPECT_NE(r.status.message().find("no committed snapshot"), std::string::npos);
  EXPECT_EQ(e->size(), 0);
  ASSERT_TRUE(e->put("a", "c").ok());  // and it works on
}

TEST_P(PagedTest, AContestRunSnapshotsAndAFreshRpbenchProcessRecoversAndVerifiesIt) {
  SKIP_UNLESS_AVAILABLE();
  const char* rpbench = std::getenv("RPBENCH");
  if (rpbench == nullptr) GTEST_SKIP() << "$RPBENCH does not name the rpbench binary (ctest sets it)";
  Fixture fx(GetParam());
  rpbench::testing::TempDir dir;
  const nlohmann::json base = {{"seed", 7},
                               {"engine",
                                {{"type", "paged-kv"},
                                 {"shards", 4},
                                 {"page_bytes", 16384},
                                 {"cache_fraction", 0.25},
                                 {"eviction", std::string(name_of(kEvictionNames, GetParam().eviction))},
                                 {"key_bytes", 16},
                                 {"connections", 2}}},
                               {"transport", {{"type", GetParam().transport}, {"memnode", fx.node().endpoint()}}},
                               {"workload", {{"preset", "contest"}, {"contest_scale", 0.0005}, {"threads", 2}}}};
  nlohmann::json write = base;
  write["name"] = "contest";
  // The contest's four phases (as the preset makes them), then a snapshot.
  write["phases"] = {{{"type", "load"}, {"name", "write"}, {"ops", 12000}},
                     {{"type", "run"},
                      {"name", "delete"},
                      {"ops", 10000},
                      {"mix", {{"delete", 1.0}}},
                      {"keys", {{"dist", "sequential"}}}},
                     {{"type", "load"},
                      {"name", "rewrite"},
                      {"ops", 10000},
                      {"value_size", {{"dist", "uniform"}, {"min", 80}, {"max", 256}}}},
                     {{"type", "run"},
                      {"name", "mixed"},
                      {"ops", 32000},
                      {"value_size", {{"dist", "uniform"}, {"min", 80}, {"max", 128}}}},
                     {{"type", "snapshot"}}};
  ASSERT_EQ(rpbench::testing::run_rpbench(rpbench, write, dir, "contest", fx.node().token()), 0);
  const nlohmann::json w = rpbench::testing::read_json(dir.file("contest-result.json"));
  ASSERT_TRUE(w.contains("contest_score")) << w.dump(2).substr(0, 2000);
  double sum = 0;
  for (const char* name : {"write", "delete", "rewrite", "mixed"})
    sum += w["contest_score"]["phases"][name].get<double>();
  EXPECT_DOUBLE_EQ(w["contest_score"]["seconds"].get<double>(), sum);
  std::string digest;
  for (const auto& p : w["phases"]) {
    EXPECT_EQ(p["errors"], 0) << p["name"] << ": " << p.value("first_error", "");
    if (p.contains("snapshots"))
      for (const auto& sn : p["snapshots"]) digest = sn["digest"].get<std::string>();
  }
  ASSERT_FALSE(digest.empty());
  // The result names the memory node's host (over verbs, asked on its tcp listener).
  const nlohmann::json& node = w["context"]["memory_node"];
  EXPECT_EQ(node["endpoint"], fx.node().endpoint()) << node.dump();
  EXPECT_TRUE(node.contains("host") && node.contains("kernel") && node.contains("region_bytes")) << node.dump();
  EXPECT_EQ(node["facts"], GetParam().transport == "verbs" ? "tcp handshake on the same port" : "handshake");
  EXPECT_EQ(w["engine"]["keys"], 12000) << "12000 written, the first 10000 deleted, then written again";

  nlohmann::json read = base;
  read["name"] = "recover";
  read["phases"] = {{{"type", "recover"}}, {{"type", "verify"}}};
  ASSERT_EQ(rpbench::testing::run_rpbench(rpbench, read, dir, "recover", fx.node().token()), 0);
  const nlohmann::json r = rpbench::testing::read_json(dir.file("recover-result.json"));
  const nlohmann::json& v = r["phases"][1]["verify"];
  EXPECT_TRUE(v["ok"].get<bool>()) << v.dump(2);
  EXPECT_EQ(v["expected_from"], "recovered_file");
  EXPECT_EQ(v["expected_digest"], digest);
  EXPECT_EQ(v["actual_digest"], digest);
}

}  // namespace
}  // namespace rpbench::paged::testing
